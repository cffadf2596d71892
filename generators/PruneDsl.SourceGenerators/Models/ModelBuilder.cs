using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Graph;
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
                ? new ModelResult(null, EquatableArray<DiagnosticInfo>.Empty, null)
                : Build(type, identity, compilation, cancellationToken);
        }

        private static ModelResult Build(INamedTypeSymbol type, string identity, Compilation compilation, CancellationToken cancellationToken)
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
                if (field.Group is null && field.Sparsity is null && field.Reconstruct is null) continue;
                var supported = true;
                foreach (var (attribute, attributeName) in new[]
                         {
                             (field.Group, AttributeNames.ParticipationGroup), (field.Sparsity, AttributeNames.Sparsity), (field.Reconstruct, AttributeNames.Reconstruct),
                         })
                {
                    if (attribute is null || AttributeNames.Supports(attributeName, field.Field.Type)) continue;
                    supported = false;
                    canGenerate = false;
                    // A type the compiler could not resolve is the compiler's to report (CS0246 names what is missing).
                    if (!field.TypeResolves) continue;
                    var location = AttributeLocation(attribute, cancellationToken) ?? FirstLocation(field.Field);
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.UnsupportedMemberType, location,
                        attributeName.Substring("PruneDsl.".Length, attributeName.Length - "PruneDsl.".Length - "Attribute".Length),
                        field.Field.Name, field.Field.Type.ToDisplayString(), AttributeNames.SupportedTypes(attributeName),
                        AttributeNames.IsSequential(field.Field.Type) ? SequentialAdvice : string.Empty));
                }
                if (!supported) continue;

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
                    groups.Add(new GroupLayerModel(field.Field.Name, cost.Spec, cost.Source, field.MergedDynamics, field.MergedPrune,
                        field.Budget is null ? null : SettingsReader.ReadBudget(field.Budget)));
                }

                // A malformed pattern is the analyzer's to report (on the attribute argument); nothing is generated for it.
                if (field.Sparsity is not null
                    && SettingsReader.TryReadPattern(field.Sparsity, out var text)
                    && SparsityPattern.TryParse(text, out var pattern, out _))
                    sparse.Add(new SparseLayerModel(field.Field.Name, pattern.N, pattern.M));
            }

            var reconstruct = canGenerate ? ReconstructCandidates(configuration, name, diagnostics, ref canGenerate) : new List<Candidate>();

            // Two members of one name (CS0102, the compiler's to report): the layers cannot be told apart, nothing is generated.
            if (type.GetMembers().OfType<IFieldSymbol>().GroupBy(f => f.Name).Any(g => g.Count() > 1)) canGenerate = false;

            PruneModel? model = null;
            ClassGraph? graph = null;
            if (canGenerate && (groups.Count > 0 || sparse.Count > 0 || reconstruct.Count > 0))
            {
                // forward, read into the channel graph (Graph/): its layers' sizes and the data flow of forward, bound once per class.
                var layers = LayerReader.Read(type, groups.ToDictionary(g => g.FieldName), sparse.ToDictionary(l => l.FieldName), compilation, cancellationToken);
                graph = ForwardReader.Read(type, identity, layers, compilation, cancellationToken);
                var inference = InferenceModelBuilder.TryBuild(type, graph.Layers.ToList(), cancellationToken, out var reason);
                if (inference is null)
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.NoInferenceModule, TypeLocation(), name, reason ?? "of its shape"));
                graph = graph with { HasInference = inference is not null };
                model = new PruneModel(
                    type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                    new EquatableArray<ContainingTypeModel>(Containers(type).Reverse().Select(Declaration)),
                    name,
                    type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty),
                    new EquatableArray<GroupLayerModel>(groups),
                    new EquatableArray<SparseLayerModel>(sparse),
                    inference,
                    ReconstructTargets(type, identity, configuration, graph, reconstruct, sparse, diagnostics),
                    configuration.Budget is null ? null : SettingsReader.ReadBudget(configuration.Budget));
            }
            return new ModelResult(model, new EquatableArray<DiagnosticInfo>(diagnostics), graph);
        }

        /// <summary>A Linear field with [Reconstruct] settings that do something (a method other than None, or Bits).</summary>
        private sealed record Candidate(string Field, ReconstructionSpec Spec, string Source, bool OwnAttribute, AttributeData? MethodSource);

        /// <summary>
        /// Every instance Linear field the class's or its own [Reconstruct] applies to, merged (<see cref="FieldConfiguration.MergedReconstruction"/>),
        /// in declaration order; fields whose settings do nothing (method None, Bits 0) are left out. PD0009 when two of
        /// them generate the same settings field.
        /// </summary>
        private static List<Candidate> ReconstructCandidates(ModelConfiguration configuration, string className, List<DiagnosticInfo> diagnostics, ref bool canGenerate)
        {
            var candidates = new List<Candidate>();
            var names = new Dictionary<string, string>();
            foreach (var linear in configuration.LinearFields)
            {
                var field = configuration.Fields.FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.Field, linear));
                var spec = field?.MergedReconstruction ?? ConfigurationMerger.Reconstruction(configuration.Reconstruct, null, null);
                if (spec is null || (spec.Method == ReconstructionMethod.None && !spec.Quantizes)) continue;
                var own = field?.Reconstruct;
                var pascal = Emit.Names.Pascal(linear.Name);
                if (names.TryGetValue(pascal, out var first))
                {
                    diagnostics.Add(Diagnostic(DiagnosticDescriptors.GeneratedNamesCollide, FirstLocation(linear), first, linear.Name, className, pascal));
                    canGenerate = false;
                    continue;
                }
                names.Add(pascal, linear.Name);
                var source = configuration.Reconstruct is null ? "its [Reconstruct]"
                    : own is null ? "the class's [Reconstruct]" : "the class's [Reconstruct], then its own";
                if (spec.Pattern is not null) source += ", the pattern from its [Sparsity]";
                candidates.Add(new Candidate(linear.Name, spec, source, own is not null,
                    ConfigurationMerger.ReconstructionSource(configuration.Reconstruct, own, nameof(ReconstructionSpec.Method))));
            }
            return candidates;
        }

        /// <summary>
        /// The targets of the generated Reconstruct method, in the order forward calls them (<see cref="ReconstructionChain"/>),
        /// with the consumer of each OBS layer; PD0032 (OBS without a consumer), PD0033 (OBS into an N:M consumer) and
        /// PD0034 (a layer the method cannot include) on the [Reconstruct] that applies.
        /// </summary>
        private static EquatableArray<ReconstructLayerModel> ReconstructTargets(INamedTypeSymbol type, string identity, ModelConfiguration configuration,
            ClassGraph graph, List<Candidate> candidates, List<SparseLayerModel> sparse, List<DiagnosticInfo> diagnostics)
        {
            if (candidates.Count == 0) return EquatableArray<ReconstructLayerModel>.Empty;
            var byName = candidates.ToDictionary(c => c.Field);
            SourceAnchor Own(Candidate c) => Anchors.ReconstructAttribute(identity, c.OwnAttribute ? c.Field : string.Empty);
            void LeftOut(Candidate c, string why) =>
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.ReconstructLayerLeftOut.Id, null, new EquatableArray<string>(new[] { c.Field, why }), Own(c)));

            string? classProblem = null;
            if (!AttributeNames.IsTensorModule(type))
                classProblem = "'" + type.Name + "' does not derive from Module<Tensor, Tensor>, the model OneShot.Run calibrates through forward";
            else if (!graph.HasForward)
                classProblem = "'" + type.Name + "' declares no Tensor forward(Tensor) with a body for the calibration to run";
            if (classProblem is not null)
            {
                foreach (var c in candidates) LeftOut(c, classProblem);
                return EquatableArray<ReconstructLayerModel>.Empty;
            }

            var targets = new List<ReconstructLayerModel>();
            foreach (var position in ReconstructionChain.Read(graph, candidates.Select(c => c.Field)))
            {
                var c = byName[position.Name];
                if (position.FirstCall < 0)
                {
                    LeftOut(c, position.NoConsumer + ", so the calibration would never see its inputs");
                    continue;
                }
                if (c.Spec.Method == ReconstructionMethod.Obs)
                {
                    var anchor = Anchors.ReconstructAttribute(identity,
                        c.MethodSource is { } m && !ReferenceEquals(m, configuration.Reconstruct) ? c.Field : string.Empty);
                    if (position.Consumer is null)
                    {
                        diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.ObsWithoutConsumer.Id, null,
                            new EquatableArray<string>(new[] { c.Field, position.NoConsumer! }), anchor));
                        continue;
                    }
                    if (sparse.FirstOrDefault(l => l.FieldName == position.Consumer) is { } nm)
                        diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.ObsDensifiesConsumer.Id, null,
                            new EquatableArray<string>(new[] { c.Field, position.Consumer, nm.N + ":" + nm.M }), anchor));
                }
                targets.Add(new ReconstructLayerModel(c.Field, c.Spec, c.Source, c.Spec.Method == ReconstructionMethod.Obs ? position.Consumer : null));
            }
            return new EquatableArray<ReconstructLayerModel>(targets);
        }

        /// <summary>PD0002's advice for a Sequential field: README ("Models built from Sequential") says the same.</summary>
        internal const string SequentialAdvice =
            "; a Sequential's children are followed through forward, but groups are declared on fields: make each layer to prune a field "
            + "([ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 20, 5);) and call the fields in forward, keeping Sequential for the parts without groups";

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
