using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.Generators.Emit;
using PruneDsl.Generators.Models;
using PruneDsl.Roslyn;
using PruneDsl.Spec;

namespace PruneDsl.Generators
{
    /// <summary>
    /// The pipeline only: attributes -> <see cref="PruneModel"/> (equatable, no symbols) -> emitted source; diagnostics
    /// are reported in their own step.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class PruneGenerator : IIncrementalGenerator
    {
        /// <summary>Tracked step names (the caching tests assert on them).</summary>
        public static class Steps
        {
            /// <summary>Models found through [ParticipationGroup] fields.</summary>
            public const string GroupModels = "PruneDsl.GroupModels";

            /// <summary>Models found through [Sparsity] fields.</summary>
            public const string SparsityModels = "PruneDsl.SparsityModels";

            /// <summary>Models found through a class-level [Cost].</summary>
            public const string ClassModels = "PruneDsl.ClassModels";

            /// <summary>All models, one per class.</summary>
            public const string Models = "PruneDsl.Models";
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var fromGroups = context.SyntaxProvider.ForAttributeWithMetadataName(
                    ModelBuilder.ParticipationGroupAttribute,
                    static (node, _) => node is VariableDeclaratorSyntax,
                    static (ctx, ct) => ModelBuilder.Build(ctx.TargetSymbol.ContainingType, ctx.SemanticModel.Compilation, ct))
                .WithTrackingName(Steps.GroupModels);

            var fromSparsity = context.SyntaxProvider.ForAttributeWithMetadataName(
                    ModelBuilder.SparsityAttribute,
                    static (node, _) => node is VariableDeclaratorSyntax,
                    static (ctx, ct) => ModelBuilder.Build(ctx.TargetSymbol.ContainingType, ctx.SemanticModel.Compilation, ct))
                .WithTrackingName(Steps.SparsityModels);

            var fromClasses = context.SyntaxProvider.ForAttributeWithMetadataName(
                    ModelBuilder.CostAttribute,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => ModelBuilder.Build((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct))
                .WithTrackingName(Steps.ClassModels);

            // A class is found once per annotated field (and once for its [Cost]); keep one model per class.
            var models = fromGroups.Collect()
                .Combine(fromSparsity.Collect())
                .Combine(fromClasses.Collect())
                .SelectMany(static (all, _) => Distinct(all.Left.Left, all.Left.Right, all.Right))
                .WithTrackingName(Steps.Models);

            context.RegisterSourceOutput(models, static (spc, model) =>
            {
                foreach (var info in model.Diagnostics)
                    spc.ReportDiagnostic(ToDiagnostic(info));
                if (model.CanGenerate && (model.Groups.Count > 0 || model.SparseLayers.Count > 0))
                    spc.AddSource(ModelEmitter.HintName(model), SourceText.From(ModelEmitter.Emit(model), System.Text.Encoding.UTF8));
            });
        }

        private static ImmutableArray<PruneModel> Distinct(params ImmutableArray<PruneModel>[] sources)
        {
            var seen = new HashSet<string>();
            var result = ImmutableArray.CreateBuilder<PruneModel>();
            foreach (var source in sources)
                foreach (var model in source)
                    if (seen.Add(model.FullName)) result.Add(model);
            return result.ToImmutable();
        }

        private static readonly Dictionary<string, DiagnosticDescriptor> Descriptors = new[]
        {
            DiagnosticCatalog.ClassNotPartial,
            DiagnosticCatalog.UnsupportedMemberType,
            DiagnosticCatalog.NotAModule,
            DiagnosticCatalog.RegisterComponentsConflict,
            DiagnosticCatalog.UnsupportedClassShape,
            DiagnosticCatalog.NoInferenceModule,
        }.ToDictionary(e => e.Id, CatalogDescriptors.Create);

        private static Diagnostic ToDiagnostic(DiagnosticInfo info)
        {
            var location = info.Location is { } l
                ? Location.Create(l.FilePath, new TextSpan(l.Start, l.Length),
                    new LinePositionSpan(new LinePosition(l.StartLine, l.StartColumn), new LinePosition(l.EndLine, l.EndColumn)))
                : Location.None;
            return Diagnostic.Create(Descriptors[info.Id], location, info.Arguments.Cast<object>().ToArray());
        }
    }
}
