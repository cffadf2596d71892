using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Rules;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// PD0017-PD0022 and PD0028: where the attributes are (output layer, attributes that configure nothing, repeated
    /// values) and what the [Sparsity] patterns say (on a Linear, and how their groups fall on a Conv2d's filters). PD0023
    /// (forward() on a gated layer) is reported as the invocations are seen.
    /// </summary>
    internal static class StructureChecks
    {
        public static void Run(ModelConfiguration facts, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes,
            IReadOnlyCollection<IFieldSymbol> forwardOutputs, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            CheckOutputLayer(facts, shapes, forwardOutputs, report, cancellationToken);
            foreach (var field in facts.Fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var shape = shapes.TryGetValue(field.Field, out var s) ? s : LayerShape.Unknown;
                if (field.Sparsity is not null && field.IsLinear)
                    CheckSparsity(field, shape, report, cancellationToken);
                else if (field.Sparsity is not null && field.IsConv2d)
                    CheckConvolutionGroups(field, shape, report, cancellationToken);
            }
            CheckNoEffect(facts, report, cancellationToken);
            CheckRedundant(facts, report, cancellationToken);
        }

        /// <summary>PD0017.</summary>
        private static void CheckOutputLayer(ModelConfiguration facts, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes,
            IReadOnlyCollection<IFieldSymbol> forwardOutputs, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            IEnumerable<IFieldSymbol> outputs;
            Func<IFieldSymbol, string> reason;
            if (forwardOutputs.Count > 0)
            {
                outputs = forwardOutputs;
                reason = _ => "forward() returns its output";
            }
            else if (OutputLayer.BySize(facts.LinearFields, shapes) is { } last)
            {
                outputs = new[] { last };
                reason = f => "it is the last Linear field and has the fewest outputs, " + Format.Count(shapes[f].Out!.Value);
            }
            else
            {
                return;
            }

            foreach (var output in outputs)
            {
                var field = facts.Fields.FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.Field, output));
                if (field is null || !field.IsGatedLinear) continue;
                var location = AttributeSyntaxLookup.Location(field.Group, cancellationToken);
                if (location is null) continue;
                report(Diagnostic.Create(DiagnosticDescriptors.GroupOnOutputLayer, location, field.Field.Name, reason(output)));
            }
        }

        /// <summary>PD0018, PD0019, PD0020.</summary>
        private static void CheckSparsity(FieldConfiguration field, LayerShape shape, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var attribute = field.Sparsity!;
            if (!SettingsReader.TryReadPattern(attribute, out var text)) return;
            var argumentLocation = AttributeSyntaxLookup.FirstPositional(attribute, cancellationToken)?.GetLocation()
                                   ?? AttributeSyntaxLookup.Location(attribute, cancellationToken);
            if (argumentLocation is null) return;

            if (!SparsityPattern.TryParse(text, out var pattern, out var error))
            {
                var nearest = SparsityRepair.Nearest(text).ToString();
                report(Diagnostic.Create(DiagnosticDescriptors.InvalidSparsityPattern, argumentLocation,
                    ImmutableDictionary<string, string?>.Empty.Add(FixProperties.Pattern, nearest),
                    field.Field.Name, error, nearest));
                return;
            }

            if (shape.In is { } width && !pattern.Divides(width))
            {
                var location = AttributeSyntaxLookup.Location(attribute, cancellationToken);
                if (location is not null)
                    report(Diagnostic.Create(DiagnosticDescriptors.SparsityWidthNotDivisible, location,
                        field.Field.Name, Format.Count(width), Format.Count(pattern.M), pattern.ToString()));
            }

            if (!(pattern.M == 4 && pattern.N <= 2))
                report(Diagnostic.Create(DiagnosticDescriptors.SparsityNotTensorCorePattern, argumentLocation,
                    field.Field.Name, pattern.ToString(),
                    (pattern.Sparsity * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%"));
        }

        /// <summary>
        /// PD0028: N:M groups run along a filter's weights (in_channels/groups * kh * kw of them), M at a time. A fan-in that
        /// M does not divide makes the last group of a filter take weights of the next; a fan-in M divides but
        /// in_channels/groups it does not makes groups cross kernel positions in the channels-last layout N:M hardware uses
        /// (M consecutive input channels at one kernel position). (The generator does not run [Sparsity] on a Conv2d yet:
        /// PD0002; this says whether the declared geometry could work.)
        /// </summary>
        private static void CheckConvolutionGroups(FieldConfiguration field, LayerShape shape, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            if (shape.In is not { } fanIn || shape.Sizes is not { In: { } channels, Groups: { } groups } || groups <= 0) return;
            if (!SettingsReader.TryReadPattern(field.Sparsity!, out var text) || !SparsityPattern.TryParse(text, out var pattern, out _)) return;
            var perGroup = channels / groups;
            string state, consequence;
            if (fanIn % pattern.M != 0)
            {
                state = "not a multiple of M = " + Format.Count(pattern.M);
                consequence = "the last group of every filter would take weights of the next filter; choose a pattern whose M divides " + Format.Count(fanIn)
                              + ", or channel counts that make in_channels/groups a multiple of M";
            }
            else if (perGroup % pattern.M != 0)
            {
                state = "a multiple of M = " + Format.Count(pattern.M) + ", but in_channels/groups = " + Format.Count(perGroup) + " is not";
                consequence = "in the channels-last layout N:M hardware uses (M consecutive input channels at one kernel position) groups would straddle kernel positions; make in_channels/groups a multiple of M";
            }
            else
            {
                return;
            }
            var location = AttributeSyntaxLookup.Location(field.Sparsity, cancellationToken);
            if (location is not null)
                report(Diagnostic.Create(DiagnosticDescriptors.SparsityStraddlesFilters, location, field.Field.Name, shape.Display, Format.Count(fanIn), state, consequence));
        }

        /// <summary>PD0021: a [Cost] with no group to configure, a [TrainingLength] with no group to check.</summary>
        private static void CheckNoEffect(ModelConfiguration facts, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            void Report(AttributeData attribute, string attributeName, string owner, string why)
            {
                var location = AttributeSyntaxLookup.Location(attribute, cancellationToken);
                if (location is not null)
                    report(Diagnostic.Create(DiagnosticDescriptors.AttributeHasNoEffect, location, attributeName, owner, why));
            }

            foreach (var field in facts.Fields)
            {
                if (field.Cost is not null && field.Group is null)
                    Report(field.Cost, "Cost", field.Field.Name,
                        "the field has no [ParticipationGroup], so there is no participation for these costs to configure");
                else if (field.Cost is not null && field.Dynamics is not null)
                    Report(field.Cost, "Cost", field.Field.Name,
                        "the field's [SelectionDynamics] makes the layer evolve instead of playing the game; keep one of the two");
                if (field.Dynamics is not null && field.Group is null)
                    Report(field.Dynamics, "SelectionDynamics", field.Field.Name,
                        "the field has no [ParticipationGroup], so there are no populations to evolve");
            }

            // A class-level [Cost] next to a class-level [SelectionDynamics] configures only the groups with a [Cost] of
            // their own and no [SelectionDynamics]: every other group evolves.
            if (facts.Cost is not null && facts.Dynamics is not null && !facts.Fields.Any(f => f.PlaysGame))
                Report(facts.Cost, "Cost", facts.Type.Name,
                    "the class's [SelectionDynamics] makes every group layer evolve, so no layer plays the game these costs configure");

            if (facts.HasAnyGroup) return;
            var name = facts.Type.Name;
            if (facts.Cost is not null)
                Report(facts.Cost, "Cost", name,
                    "the class has no [ParticipationGroup] field, so there is no participation for these costs to configure");
            if (facts.TrainingLength is not null)
                Report(facts.TrainingLength, "TrainingLength", name,
                    "the class has no [ParticipationGroup] field, so there is no participation whose pruning it could check");
        }

        /// <summary>PD0022: a field-level [Cost] setting equal to the class-level one.</summary>
        private static void CheckRedundant(ModelConfiguration facts, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            if (facts.Cost is null) return;
            var classValues = new Dictionary<string, object?>();
            foreach (var argument in SettingsReader.NamedSettings(facts.Cost))
                classValues[argument.Key] = argument.Value.Value;

            foreach (var field in facts.Fields)
            {
                if (field.Cost is null || !field.IsGatedLayer) continue;
                foreach (var argument in SettingsReader.NamedSettings(field.Cost))
                {
                    if (!classValues.TryGetValue(argument.Key, out var classValue) || !Equals(classValue, argument.Value.Value)) continue;
                    var syntax = AttributeSyntaxLookup.NamedArgument(field.Cost, argument.Key, cancellationToken);
                    if (syntax is null) continue;
                    var shown = argument.Value.Value is double d ? Format.Setting(d) : syntax.Expression.ToString();
                    report(Diagnostic.Create(DiagnosticDescriptors.RedundantCostOverride, syntax.GetLocation(),
                        field.Field.Name, argument.Key, shown));
                }
            }
        }
    }
}
