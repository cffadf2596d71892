using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Emit;
using PruneDsl.SourceGenerators.Graph;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators
{
    /// <summary>
    /// The pipeline only. Each PruneDsl attribute that makes a model ([ParticipationGroup] and [Sparsity] on fields, [Cost]
    /// on a class, [Reconstruct] on either) yields the identity of its class, cheaply; the distinct classes are read once each into a
    /// <see cref="ModelResult"/> (equatable, no symbols); the model is emitted and the diagnostics are reported in two
    /// separate outputs.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class PruneGenerator : IIncrementalGenerator
    {
        /// <summary>Tracked step names (the caching tests assert on every one of them).</summary>
        public static class Steps
        {
            /// <summary>The class of every [ParticipationGroup] field.</summary>
            public const string GroupFields = "PruneDsl.GroupFields";

            /// <summary>The class of every [Sparsity] field.</summary>
            public const string SparseFields = "PruneDsl.SparseFields";

            /// <summary>Every class with a class-level [Cost].</summary>
            public const string CostClasses = "PruneDsl.CostClasses";

            /// <summary>The class of every [Reconstruct], on a class or a field.</summary>
            public const string ReconstructTargets = "PruneDsl.ReconstructTargets";

            /// <summary>Each annotated class once.</summary>
            public const string Classes = "PruneDsl.Classes";

            /// <summary>The model, diagnostics and channel graph of each class, read once per class.</summary>
            public const string Models = "PruneDsl.Models";

            /// <summary>The channel graphs of every model class (a model's blocks are other model classes).</summary>
            public const string Graphs = "PruneDsl.Graphs";

            /// <summary>Each class's model with its resolved channel plan, and the diagnostics about its channels.</summary>
            public const string Plans = "PruneDsl.Plans";

            /// <summary>The diagnostics of each class.</summary>
            public const string Diagnostics = "PruneDsl.Diagnostics";

            /// <summary>The generated file of each class that has one.</summary>
            public const string Sources = "PruneDsl.Sources";

            /// <summary>Every name above.</summary>
            public static IReadOnlyList<string> All { get; } = new[] { GroupFields, SparseFields, CostClasses, ReconstructTargets, Classes, Models, Graphs, Plans, Diagnostics, Sources };
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var groupFields = context.SyntaxProvider.ForAttributeWithMetadataName(
                    AttributeNames.ParticipationGroup,
                    static (node, _) => node is VariableDeclaratorSyntax,
                    static (ctx, _) => ModelBuilder.Identity(ctx.TargetSymbol.ContainingType))
                .WithTrackingName(Steps.GroupFields);

            var sparseFields = context.SyntaxProvider.ForAttributeWithMetadataName(
                    AttributeNames.Sparsity,
                    static (node, _) => node is VariableDeclaratorSyntax,
                    static (ctx, _) => ModelBuilder.Identity(ctx.TargetSymbol.ContainingType))
                .WithTrackingName(Steps.SparseFields);

            var costClasses = context.SyntaxProvider.ForAttributeWithMetadataName(
                    AttributeNames.Cost,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, _) => ModelBuilder.Identity((INamedTypeSymbol)ctx.TargetSymbol))
                .WithTrackingName(Steps.CostClasses);

            var reconstructTargets = context.SyntaxProvider.ForAttributeWithMetadataName(
                    AttributeNames.Reconstruct,
                    static (node, _) => node is VariableDeclaratorSyntax or ClassDeclarationSyntax,
                    static (ctx, _) => ModelBuilder.Identity(ctx.TargetSymbol as INamedTypeSymbol ?? ctx.TargetSymbol.ContainingType))
                .WithTrackingName(Steps.ReconstructTargets);

            // A class is found once per annotated field (and once more for its [Cost] or [Reconstruct]); each is read once.
            var classes = groupFields.Collect()
                .Combine(sparseFields.Collect())
                .Combine(costClasses.Collect())
                .Combine(reconstructTargets.Collect())
                .SelectMany(static (all, _) => Distinct(all.Left.Left.Left, all.Left.Left.Right, all.Left.Right, all.Right))
                .WithTrackingName(Steps.Classes);

            var models = classes
                .Combine(context.CompilationProvider)
                .Select(static (pair, ct) => ModelBuilder.Build(pair.Left, pair.Right, ct))
                .WithTrackingName(Steps.Models);

            // A model's plan depends on its blocks' graphs: every class's graph is collected (an equatable array, so that an
            // edit that changes no graph leaves the plans' inputs equal), and each class resolves its plan with them.
            var graphs = models
                .Select(static (result, _) => result.Graph)
                .Where(static graph => graph is not null)
                .Collect()
                .Select(static (all, _) => new EquatableArray<ClassGraph>(all.Select(g => g!).OrderBy(g => g.Identity, StringComparer.Ordinal)))
                .WithTrackingName(Steps.Graphs);

            var plans = models
                .Combine(graphs)
                .Select(static (pair, _) => Coupling.Apply(pair.Left, pair.Right))
                .WithTrackingName(Steps.Plans);

            var diagnostics = plans
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(Steps.Diagnostics);

            var sources = plans
                .Where(static result => result.Model is not null)
                .Select(static (result, _) => new GeneratedFile(ModelEmitter.HintName(result.Model!), ModelEmitter.Emit(result.Model!)))
                .WithTrackingName(Steps.Sources);

            // The diagnostics are reported against the syntax tree they point into (found in the compilation at the output,
            // so that the models hold no tree), and the compiler applies #pragma and .editorconfig to them as to any other.
            // A class without diagnostics costs an empty loop.
            var located = diagnostics.Combine(context.CompilationProvider);
            context.RegisterSourceOutput(located, static (spc, pair) =>
            {
                foreach (var info in pair.Left)
                    spc.ReportDiagnostic(ToDiagnostic(info, pair.Right, spc.CancellationToken));
            });
            context.RegisterSourceOutput(sources, static (spc, file) =>
                spc.AddSource(file.HintName, SourceText.From(file.Text, System.Text.Encoding.UTF8)));
        }

        /// <summary>One generated file: its hint name and text.</summary>
        private sealed record GeneratedFile(string HintName, string Text);

        /// <summary>The distinct identities, in ordinal order (so that the output does not depend on which attribute came first).</summary>
        private static ImmutableArray<string> Distinct(params ImmutableArray<string>[] sources) =>
            sources.SelectMany(s => s).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToImmutableArray();

        private static readonly Dictionary<string, DiagnosticDescriptor> Descriptors =
            DiagnosticDescriptors.Generator.ToDictionary(d => d.Id);

        private static Diagnostic ToDiagnostic(DiagnosticInfo info, Compilation compilation, System.Threading.CancellationToken cancellationToken)
        {
            var location = Location.None;
            if (info.Anchor is { } anchor)
            {
                location = Anchors.Resolve(anchor, compilation, cancellationToken) ?? Location.None;
            }
            else if (info.Location is { } l)
            {
                var span = new TextSpan(l.Start, l.Length);
                var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == l.FilePath);
                location = tree is not null && span.End <= tree.Length
                    ? Location.Create(tree, span)
                    : Location.Create(l.FilePath, span,
                        new LinePositionSpan(new LinePosition(l.StartLine, l.StartColumn), new LinePosition(l.EndLine, l.EndColumn)));
            }
            return Diagnostic.Create(Descriptors[info.Id], location, info.Arguments.Cast<object>().ToArray());
        }
    }
}
