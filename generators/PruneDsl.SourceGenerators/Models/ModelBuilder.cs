using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Models
{
    /// <summary>
    /// The transform step: reads one annotated class, through <see cref="ModelConfiguration"/>, into a
    /// <see cref="ModelResult"/>. This is the only generator code that touches Roslyn symbols; nothing it returns holds one.
    /// </summary>
    internal static class ModelBuilder
    {
        /// <summary>
        /// The identity the pipeline finds a class by: its metadata name (<c>Ns.Outer+Inner</c>, <c>Ns.Generic`1</c>), which
        /// <see cref="IAssemblySymbol.GetTypeByMetadataName"/> resolves again in the next compilation.
        /// </summary>
        /// <param name="type">The class.</param>
        public static string Identity(INamedTypeSymbol type)
        {
            var builder = new StringBuilder();
            for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                builder.Insert(0, ns.MetadataName + ".");
            var nested = new Stack<string>();
            for (var t = type; t is not null; t = t.ContainingType) nested.Push(t.MetadataName);
            return builder.Append(string.Join("+", nested)).ToString();
        }

        /// <summary>The model of the class with the given <see cref="Identity"/> in the compilation's own assembly.</summary>
        /// <param name="identity">The class's metadata name.</param>
        /// <param name="compilation">The compilation.</param>
        /// <param name="cancellationToken">Cancels the build.</param>
        public static ModelResult Build(string identity, Compilation compilation, CancellationToken cancellationToken)
        {
            var type = compilation.Assembly.GetTypeByMetadataName(identity);
            return type is null
                ? new ModelResult(null, EquatableArray<DiagnosticInfo>.Empty)
                : Build(type, cancellationToken);
        }

        private static ModelResult Build(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var canGenerate = true;
            // Where the class's diagnostics go; computed only when there is one (most classes have none).
            LocationInfo? TypeLocation() => IdentifierLocation(type, cancellationToken);
            var name = type.Name;

            if (!IsPartial(type, cancellationToken))
            {
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.ClassNotPartial, TypeLocation(), name));
                canGenerate = false;
            }

            if (!AttributeNames.IsModule(type))
            {
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.NotAModule, TypeLocation(), name));
                canGenerate = false;
            }

            // Arity, not IsGenericType: the latter is also true for a class nested in a generic type.
            var genericContainer = Containers(type).FirstOrDefault(t => t.Arity > 0);
            if (type.Arity > 0 || genericContainer is not null)
            {
                var shape = type.Arity > 0 ? "generic" : "nested in the generic type '" + genericContainer!.ToDisplayString() + "'";
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedClassShape, TypeLocation(), name, shape));
                canGenerate = false;
            }
            else
            {
                foreach (var container in Containers(type))
                {
                    if (IsPartial(container, cancellationToken)) continue;
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.ContainingTypeNotPartial,
                        IdentifierLocation(container, cancellationToken), container.Name, name));
                    canGenerate = false;
                }
            }

            foreach (var method in type.GetMembers("RegisterComponents").OfType<IMethodSymbol>())
            {
                if (method.Parameters.Length == 0 && !method.IsImplicitlyDeclared && !IsGenerated(method))
                {
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.RegisterComponentsConflict, FirstLocation(method), name));
                    canGenerate = false;
                }
            }

            var configuration = ModelConfiguration.Read(type);
            var groups = new List<GroupLayerModel>();
            var sparse = new List<SparseLayerModel>();
            // Each gated field's members are named after it in Pascal case (Fc1Cost, Fc1Participation): two fields that map
            // to one name (fc1 and _fc1) would declare every member twice.
            var memberNames = new Dictionary<string, string>();
            foreach (var field in configuration.Fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (field.Group is null && field.Sparsity is null) continue;
                if (!field.IsLinear)
                {
                    canGenerate = false;
                    // A type the compiler could not resolve is the compiler's to report (CS0246 names what is missing).
                    if (!field.TypeResolves) continue;
                    var attribute = field.Group ?? field.Sparsity!;
                    var location = AttributeLocation(attribute, cancellationToken) ?? FirstLocation(field.Field);
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedMemberType, location,
                        field.Group is not null ? "ParticipationGroup" : "Sparsity", field.Field.Name, field.Field.Type.ToDisplayString()));
                    continue;
                }

                if (field.Group is not null)
                {
                    var pascal = Emit.Names.Pascal(field.Field.Name);
                    if (memberNames.TryGetValue(pascal, out var first))
                    {
                        diagnostics.Add(Diagnostic(DiagnosticDescriptors.GeneratedNamesCollide, FirstLocation(field.Field), first, field.Field.Name, name, pascal));
                        canGenerate = false;
                        continue;
                    }
                    memberNames.Add(pascal, field.Field.Name);
                    var cost = field.MergedCost;
                    var next = configuration.NextLinear(field.Field)?.Name;
                    groups.Add(new GroupLayerModel(field.Field.Name, cost.Spec, cost.Source, next, field.MergedDynamics, field.MergedPrune,
                        field.Budget is null ? null : SettingsReader.ReadBudget(field.Budget)));
                }

                // A malformed pattern is the analyzer's to report (on the attribute argument); nothing is generated for it.
                if (field.Sparsity is not null
                    && SettingsReader.TryReadPattern(field.Sparsity, out var text)
                    && SparsityPattern.TryParse(text, out var pattern, out _))
                    sparse.Add(new SparseLayerModel(field.Field.Name, pattern.N, pattern.M));
            }

            PruneModel? model = null;
            if (canGenerate && (groups.Count > 0 || sparse.Count > 0))
            {
                var linearFields = configuration.LinearFields.Select(f => f.Name).ToList();
                var inference = InferenceModelBuilder.TryBuild(type, linearFields, cancellationToken, out var reason);
                if (inference is null)
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.NoInferenceModule, TypeLocation(), name, reason ?? "of its shape"));
                model = new PruneModel(
                    type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                    new EquatableArray<ContainingTypeModel>(Containers(type).Reverse().Select(Declaration)),
                    name,
                    type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty),
                    new EquatableArray<GroupLayerModel>(groups),
                    new EquatableArray<SparseLayerModel>(sparse),
                    inference,
                    configuration.Budget is null ? null : SettingsReader.ReadBudget(configuration.Budget));
            }
            return new ModelResult(model, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>The types <paramref name="type"/> is nested in, innermost first.</summary>
        private static IEnumerable<INamedTypeSymbol> Containers(INamedTypeSymbol type)
        {
            for (var t = type.ContainingType; t is not null; t = t.ContainingType) yield return t;
        }

        /// <summary>How a containing type's partial declaration is written (its accessibility lives in the user's part).</summary>
        private static ContainingTypeModel Declaration(INamedTypeSymbol type)
        {
            string keywords;
            if (type.TypeKind == TypeKind.Interface) keywords = "partial interface";
            else if (type.TypeKind == TypeKind.Struct)
                keywords = (type.IsReadOnly ? "readonly " : string.Empty) + (type.IsRefLikeType ? "ref " : string.Empty) + (type.IsRecord ? "partial record struct" : "partial struct");
            else keywords = (type.IsStatic ? "static " : string.Empty) + (type.IsRecord ? "partial record" : "partial class");
            return new ContainingTypeModel(keywords, type.Name);
        }

        private static bool IsGenerated(ISymbol symbol) =>
            symbol.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal));

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private static LocationInfo? IdentifierLocation(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
                    return ToInfo(declaration.Identifier.GetLocation());
            return FirstLocation(type);
        }

        private static LocationInfo? AttributeLocation(AttributeData attribute, CancellationToken cancellationToken) =>
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } syntax ? ToInfo(syntax.GetLocation()) : null;

        private static LocationInfo? FirstLocation(ISymbol symbol) =>
            symbol.Locations.FirstOrDefault(l => l.IsInSource) is { } location ? ToInfo(location) : null;

        private static LocationInfo ToInfo(Location location)
        {
            var span = location.GetLineSpan();
            return new LocationInfo(
                location.SourceTree?.FilePath ?? string.Empty,
                location.SourceSpan.Start,
                location.SourceSpan.Length,
                span.StartLinePosition.Line,
                span.StartLinePosition.Character,
                span.EndLinePosition.Line,
                span.EndLinePosition.Character);
        }

        private static DiagnosticInfo Diagnostic(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new(descriptor.Id, location, new EquatableArray<string>(arguments));
    }
}
