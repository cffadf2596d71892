using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Spec;

namespace PruneDsl.Generators.Models
{
    /// <summary>
    /// The transform step: reads an annotated class symbol into a <see cref="PruneModel"/>. This is the only place that
    /// touches Roslyn symbols; nothing it returns holds one.
    /// </summary>
    internal static class ModelBuilder
    {
        public const string CostAttribute = "PruneDsl.CostAttribute";
        public const string ParticipationGroupAttribute = "PruneDsl.ParticipationGroupAttribute";
        public const string SparsityAttribute = "PruneDsl.SparsityAttribute";
        public const string SelectionDynamicsAttribute = "PruneDsl.SelectionDynamicsAttribute";
        public const string PruneAttribute = "PruneDsl.PruneAttribute";
        private const string LinearType = "TorchSharp.Modules.Linear";
        private const string ModuleType = "TorchSharp.torch.nn.Module";

        public static PruneModel Build(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var canGenerate = true;
            var typeLocation = ClassIdentifierLocation(type, cancellationToken);
            var name = type.Name;

            if (!IsPartial(type, cancellationToken))
            {
                diagnostics.Add(Diagnostic(DiagnosticCatalog.ClassNotPartial, typeLocation, name));
                canGenerate = false;
            }

            if (!DerivesFrom(type, ModuleType))
            {
                diagnostics.Add(Diagnostic(DiagnosticCatalog.NotAModule, typeLocation, name));
                canGenerate = false;
            }

            if (type.ContainingType is not null || type.IsGenericType)
            {
                var shape = type.ContainingType is not null ? "nested in '" + type.ContainingType.Name + "'" : "generic";
                diagnostics.Add(Diagnostic(DiagnosticCatalog.UnsupportedClassShape, typeLocation, name, shape));
                canGenerate = false;
            }

            foreach (var method in type.GetMembers("RegisterComponents").OfType<IMethodSymbol>())
            {
                if (method.Parameters.Length == 0 && !method.IsImplicitlyDeclared && !IsGenerated(method))
                {
                    diagnostics.Add(Diagnostic(DiagnosticCatalog.RegisterComponentsConflict, FirstLocation(method), name));
                    canGenerate = false;
                }
            }

            var classCost = type.GetAttributes().FirstOrDefault(a => Is(a, CostAttribute));
            var classDynamics = type.GetAttributes().FirstOrDefault(a => Is(a, SelectionDynamicsAttribute));
            var classPrune = type.GetAttributes().FirstOrDefault(a => Is(a, PruneAttribute));
            var groups = new List<GroupLayerModel>();
            var sparse = new List<SparseLayerModel>();
            var linearFields = type.GetMembers().OfType<IFieldSymbol>()
                .Where(f => !f.IsStatic && f.Type.ToDisplayString() == LinearType)
                .Select(f => f.Name)
                .ToList();

            foreach (var member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is not IFieldSymbol field || field.IsImplicitlyDeclared) continue;
                var attributes = field.GetAttributes();
                var group = attributes.FirstOrDefault(a => Is(a, ParticipationGroupAttribute));
                var sparsity = attributes.FirstOrDefault(a => Is(a, SparsityAttribute));
                if (group is null && sparsity is null) continue;

                var isLinear = field.Type.ToDisplayString() == LinearType;
                if (!isLinear)
                {
                    var attributeName = group is not null ? "ParticipationGroup" : "Sparsity";
                    var location = AttributeLocation(group ?? sparsity!, cancellationToken) ?? FirstLocation(field);
                    diagnostics.Add(Diagnostic(DiagnosticCatalog.UnsupportedMemberType, location,
                        attributeName, field.Name, field.Type.ToDisplayString()));
                    canGenerate = false;
                    continue;
                }

                if (group is not null)
                {
                    var fieldCost = attributes.FirstOrDefault(a => Is(a, CostAttribute));
                    var fieldDynamics = attributes.FirstOrDefault(a => Is(a, SelectionDynamicsAttribute));
                    var (cost, source) = MergeCost(classCost, fieldCost);
                    // The field's own choice wins; a class-level [SelectionDynamics] applies to groups without a [Cost] of their own.
                    var dynamics = fieldDynamics is not null ? ReadDynamics(fieldDynamics)
                        : fieldCost is null && classDynamics is not null ? ReadDynamics(classDynamics)
                        : null;
                    var position = linearFields.IndexOf(field.Name);
                    var next = position >= 0 && position + 1 < linearFields.Count ? linearFields[position + 1] : null;
                    var prune = MergePrune(classPrune, attributes.FirstOrDefault(a => Is(a, PruneAttribute)));
                    groups.Add(new GroupLayerModel(field.Name, cost, source, next, dynamics, prune));
                }

                if (sparsity is not null
                    && sparsity.ConstructorArguments.Length == 1
                    && sparsity.ConstructorArguments[0].Value is string text
                    && SparsityPattern.TryParse(text, out var pattern, out _))
                {
                    // A malformed pattern is the analyzers' to report (on the attribute argument); nothing is generated for it.
                    sparse.Add(new SparseLayerModel(field.Name, pattern.N, pattern.M));
                }
            }

            InferenceModel? inference = null;
            if (canGenerate)
            {
                inference = InferenceModelBuilder.TryBuild(type, compilation, linearFields, cancellationToken, out var reason);
                if (inference is null)
                    diagnostics.Add(Diagnostic(DiagnosticCatalog.NoInferenceModule, typeLocation, name, reason ?? "of its shape"));
            }

            return new PruneModel(
                type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                name,
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty),
                canGenerate,
                new EquatableArray<GroupLayerModel>(groups),
                new EquatableArray<SparseLayerModel>(sparse),
                inference,
                new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>Class-level [Cost] first, then the field's own named arguments override it.</summary>
        private static (CostSpec Cost, string Source) MergeCost(AttributeData? classCost, AttributeData? fieldCost)
        {
            var cost = CostSpec.Default;
            var overridden = new List<string>();
            cost = Apply(cost, classCost, null);
            cost = Apply(cost, fieldCost, overridden);
            var source = classCost is null && fieldCost is null
                ? "defaults"
                : overridden.Count == 0
                    ? (classCost is null ? "defaults" : "the class's [Cost]")
                    : (classCost is null ? "defaults" : "the class's [Cost]") + ", with " + string.Join(", ", overridden) + " from the field's [Cost]";
            return (cost, source);
        }

        private static CostSpec Apply(CostSpec cost, AttributeData? attribute, List<string>? named)
        {
            if (attribute is null) return cost;
            foreach (var argument in attribute.NamedArguments)
            {
                named?.Add(argument.Key);
                cost = CostRules.WithSetting(cost, argument.Key, argument.Value.Value);
            }
            return cost;
        }

        /// <summary>Class-level [Prune] first, then the field's own [Prune] (its criterion and threshold, and the named values it sets).</summary>
        private static PruneSpec? MergePrune(AttributeData? classPrune, AttributeData? fieldPrune)
        {
            if (classPrune is null && fieldPrune is null) return null;
            var spec = ApplyPrune(null, classPrune);
            return ApplyPrune(spec, fieldPrune);
        }

        private static PruneSpec? ApplyPrune(PruneSpec? spec, AttributeData? attribute)
        {
            if (attribute is null) return spec;
            var args = attribute.ConstructorArguments;
            var criterion = args.Length > 0 && args[0].Value is int c ? (Criterion)c : spec?.Criterion ?? Criterion.Gate;
            var threshold = args.Length > 1 && args[1].Value is int t ? (PruneThreshold)t : PruneThreshold.Effective;
            var result = spec is null ? new PruneSpec(criterion, threshold) : spec with { Criterion = criterion, Threshold = threshold };
            foreach (var argument in attribute.NamedArguments)
            {
                result = result.WithSetting(argument.Key, argument.Value.Value);
            }
            return result;
        }

        private static DynamicsSpec ReadDynamics(AttributeData attribute)
        {
            var spec = DynamicsSpec.Default;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int kind)
                spec = spec with { Kind = (Dynamics)kind };
            foreach (var argument in attribute.NamedArguments)
                spec = spec.WithSetting(argument.Key, argument.Value.Value);
            return spec;
        }

        private static bool Is(AttributeData attribute, string metadataName) =>
            attribute.AttributeClass?.ToDisplayString() == metadataName;

        private static bool IsGenerated(ISymbol symbol) =>
            symbol.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal));

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
                if (b.OriginalDefinition.ToDisplayString() == baseName) return true;
            return false;
        }

        private static LocationInfo? ClassIdentifierLocation(INamedTypeSymbol type, CancellationToken cancellationToken)
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

        private static DiagnosticInfo Diagnostic(DiagnosticEntry entry, LocationInfo? location, params string[] arguments) =>
            new(entry.Id, location, new EquatableArray<string>(arguments));
    }
}
