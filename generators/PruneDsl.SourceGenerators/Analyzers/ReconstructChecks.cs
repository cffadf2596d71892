using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// PD0010 for [Reconstruct]: the problems of <see cref="ReconstructionSpec.Validate(long)"/> (the rule the runtime's
    /// <c>OneShot.Run</c> enforces before it changes anything), each on the attribute argument that set the value. The
    /// class-level attribute is checked on its own (its values over the defaults: it is every layer's starting point); then
    /// every layer it or a field-level one applies to is checked with its merged settings (<see cref="ConfigurationMerger.Reconstruction"/>,
    /// the generator's merge), its [Sparsity] pattern and its input width, which finds what only the combination breaks
    /// (a GroupSize that does not divide the layer's width, a BlockSize that is no multiple of the field's M). A problem is
    /// reported once per place; one found on the class-level attribute for one layer names the layer. Problems of the
    /// pattern itself are PD0018/PD0019's, on the [Sparsity]. Also PD0021 for a class-level [Reconstruct] on a class
    /// without Linear fields.
    /// </summary>
    internal static class ReconstructChecks
    {
        private const string AttributeName = "Reconstruct";

        public static void Run(ModelConfiguration model, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes, Action<Diagnostic> report,
            CancellationToken cancellationToken)
        {
            var reported = new HashSet<(Location, string, string)>();
            if (model.Reconstruct is { } classAttribute)
            {
                foreach (var problem in SettingsReader.ApplyReconstruction(ReconstructionSpec.Default, classAttribute).Validate())
                    Report(classAttribute, problem, null, reported, report, cancellationToken);
                // PD0021: the class-level attribute applies to Linear fields only.
                if (model.LinearFields.IsEmpty && AttributeSyntaxLookup.Location(classAttribute, cancellationToken) is { } location)
                    report(Diagnostic.Create(DiagnosticDescriptors.AttributeHasNoEffect, location, AttributeName, model.Type.Name,
                        "the class has no Linear field for it to prune or quantize"));
            }

            var fields = model.LinearFields.Select(f => (Field: f, Configuration: model.Fields.FirstOrDefault(c => SymbolEqualityComparer.Default.Equals(c.Field, f))))
                .Concat(model.Fields.Where(f => f.Reconstruct is not null && !model.LinearFields.Contains(f.Field, SymbolEqualityComparer.Default)).Select(f => (f.Field, (FieldConfiguration?)f)));
            foreach (var (field, configuration) in fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var own = configuration?.Reconstruct;
                if (own is null && model.Reconstruct is null) continue;
                var isLinear = configuration?.IsLinear ?? true;
                var spec = ConfigurationMerger.Reconstruction(model.Reconstruct, own, isLinear ? configuration?.Sparsity : null)!;
                IReadOnlyList<SpecProblem> problems;
                if (spec.Method == ReconstructionMethod.None && !spec.Quantizes)
                    problems = (spec with { Pattern = null }).Validate(); // opted out: nothing runs on this layer's width
                else if (isLinear && shapes.TryGetValue(field, out var shape) && shape.In is { } width)
                    problems = spec.Validate(width);
                else
                    problems = spec.Validate();
                foreach (var problem in problems)
                {
                    if (problem.Property == nameof(ReconstructionSpec.Pattern)) continue;
                    var source = ConfigurationMerger.ReconstructionSource(model.Reconstruct, own, problem.Property) ?? own ?? model.Reconstruct!;
                    Report(source, problem, ReferenceEquals(source, own) ? null : field.Name, reported, report, cancellationToken);
                }
            }
        }

        /// <summary>PD0010 on the argument that sets the property (the constructor argument for Method), else on the attribute.</summary>
        private static void Report(AttributeData attribute, SpecProblem problem, string? layer, HashSet<(Location, string, string)> reported,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var argument = problem.Property == nameof(ReconstructionSpec.Method)
                ? AttributeSyntaxLookup.FirstPositional(attribute, cancellationToken)
                : AttributeSyntaxLookup.NamedArgument(attribute, problem.Property, cancellationToken);
            var location = argument?.GetLocation() ?? AttributeSyntaxLookup.Location(attribute, cancellationToken);
            if (location is null || !reported.Add((location, problem.Property, problem.Requirement))) return;
            var requirement = layer is null ? problem.Requirement : problem.Requirement + " (layer '" + layer + "')";
            report(Diagnostic.Create(DiagnosticDescriptors.InvalidSetting, location,
                AttributeName, problem.Property, Format.Setting(problem.Value), requirement));
        }
    }
}
