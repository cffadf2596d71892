using System;
using System.Collections.Generic;
using System.Collections.Immutable;
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
    /// PD0010-PD0016 and PD0024: the rules of <see cref="CostRules"/> applied to every <c>[ParticipationGroup]</c> Linear
    /// field that plays the game, with its settings merged by <see cref="ConfigurationMerger"/> (the generator's merge).
    /// </summary>
    internal static class CostChecks
    {
        /// <summary>A diagnostic whose suggested settings are decided once every group of its attribute is known.</summary>
        private sealed class PendingFix
        {
            public PendingFix(AttributeData anchor, Location location, DiagnosticDescriptor descriptor, string[] arguments, CostSuggestion suggestion)
            {
                Anchor = anchor;
                Location = location;
                Descriptor = descriptor;
                Arguments = arguments;
                Suggestion = suggestion;
            }

            public AttributeData Anchor { get; }
            public Location Location { get; }
            public DiagnosticDescriptor Descriptor { get; }
            public string[] Arguments { get; }
            public CostSuggestion Suggestion { get; }
        }

        public static void Run(ModelConfiguration model, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            if (model.Cost is not null) Validate(model.Cost, report, cancellationToken);
            foreach (var field in model.Fields)
                if (field.Cost is not null) Validate(field.Cost, report, cancellationToken);
            var declared = model.TrainingLength is null ? null : ValidateSchedule(model.TrainingLength, report, cancellationToken);
            ValidateDynamicsAndPrune(model, report, cancellationToken);

            var pending = new List<PendingFix>();
            foreach (var field in model.Fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!field.PlaysGame) continue; // evolving layers have no costs to check
                var spec = field.MergedCost.Spec;
                if (spec.Validate().Count > 0) continue; // PD0010 said why; the numbers below would mean nothing.
                var anchor = field.Cost ?? model.Cost ?? field.Group!;
                var location = AttributeSyntaxLookup.Location(anchor, cancellationToken);
                if (location is null) continue;
                var shape = shapes.TryGetValue(field.Field, out var s) ? s : LayerShape.Unknown;
                // An unstable step (PD0013, PD0014) is the failure to report; what the costs would do over the training
                // assumes steps that move s by little.
                // Under a [Budget] Gamma is the price the runtime finds (PD0030 says a declared one is only its start), so
                // what a fixed Gamma would do over the training (PD0011, PD0012, PD0024) does not apply.
                if (!CheckStep(field, spec, shape, location, report) && field.GoverningBudget is null)
                    CheckPruning(field, spec, shape, declared, anchor, location, pending);
                CheckCompetition(field, spec, shape, location, report);
            }

            // One suggestion per attribute, good for every group it configures: the largest Gamma and LearningRate any of
            // them needs, and Beta 0 if any needs it, so that the fix clears all of them.
            var merged = new Dictionary<AttributeData, CostSuggestion>();
            foreach (var p in pending)
                merged[p.Anchor] = merged.TryGetValue(p.Anchor, out var m) ? Merge(m, p.Suggestion) : p.Suggestion;
            foreach (var p in pending)
            {
                var settings = merged[p.Anchor].Settings
                    .Select(x => new KeyValuePair<string, string>(x.Key, Format.Setting(x.Value)))
                    .ToList();
                var arguments = p.Arguments.Concat(new[] { FixProperties.Describe(settings) }).ToArray<object>();
                var properties = ImmutableDictionary<string, string?>.Empty.Add(FixProperties.CostSettings, FixProperties.Encode(settings));
                report(Diagnostic.Create(p.Descriptor, p.Location, properties, arguments));
            }
        }

        private static CostSuggestion Merge(CostSuggestion a, CostSuggestion b) => new(
            Beta: a.Beta is { } x ? (b.Beta is { } y ? Math.Min(x, y) : x) : b.Beta,
            Gamma: a.Gamma is { } g ? (b.Gamma is { } h ? Math.Max(g, h) : g) : b.Gamma,
            LearningRate: a.LearningRate is { } r ? (b.LearningRate is { } q ? Math.Max(r, q) : r) : b.LearningRate);

        /// <summary>PD0010 for one [Cost]: its own named settings over the defaults, validated by <see cref="CostSpec.Validate"/>.</summary>
        private static void Validate(AttributeData cost, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            foreach (var problem in SettingsReader.ApplyCost(CostSpec.Default, cost).Validate())
                ReportInvalid("Cost", cost, problem, report, cancellationToken);
        }

        /// <summary>
        /// PD0010 for every [SelectionDynamics] and [Prune] of the class and its fields, read by the same
        /// <see cref="SettingsReader"/> as the generator's and validated by the same Spec rules the runtime uses.
        /// </summary>
        private static void ValidateDynamicsAndPrune(ModelConfiguration model, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var dynamics = new[] { model.Dynamics }.Concat(model.Fields.Select(f => f.Dynamics));
            foreach (var attribute in dynamics)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute is null) continue;
                foreach (var problem in SettingsReader.ReadDynamics(attribute).Validate())
                    ReportInvalid("SelectionDynamics", attribute, problem, report, cancellationToken);
            }
            var prunes = new[] { model.Prune }.Concat(model.Fields.Select(f => f.Prune));
            foreach (var attribute in prunes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute is null) continue;
                foreach (var problem in SettingsReader.ApplyPrune(null, attribute).Validate())
                    ReportInvalid("Prune", attribute, problem, report, cancellationToken);
            }
        }

        /// <summary>PD0010 for [TrainingLength]; returns the schedule when it is valid.</summary>
        private static TrainingSchedule? ValidateSchedule(AttributeData attribute, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var schedule = SettingsReader.ReadSchedule(attribute);
            var problems = schedule.Validate();
            foreach (var problem in problems)
                ReportInvalid("TrainingLength", attribute, problem, report, cancellationToken);
            return problems.Count == 0 ? schedule : null;
        }

        private static void ReportInvalid(string attributeName, AttributeData attribute, SpecProblem problem,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var location = AttributeSyntaxLookup.NamedArgument(attribute, problem.Property, cancellationToken)?.GetLocation()
                           ?? AttributeSyntaxLookup.Location(attribute, cancellationToken);
            if (location is null) return;
            report(Diagnostic.Create(DiagnosticDescriptors.InvalidSetting, location,
                attributeName, problem.Property, Format.Setting(problem.Value), problem.Requirement));
        }

        /// <summary>
        /// PD0011 (nothing can be pruned), PD0012 (L1 budget too small for the declared training) and PD0024 (every
        /// participation collapses), from <see cref="CostRules.AssessPruning"/>.
        /// </summary>
        private static void CheckPruning(FieldConfiguration field, CostSpec spec, LayerShape shape, TrainingSchedule? declared,
            AttributeData anchor, Location location, List<PendingFix> pending)
        {
            var norm = NormEstimate.For(shape);
            var schedule = declared ?? TrainingSchedule.Paper;
            var updates = schedule.Updates;
            var assessment = CostRules.AssessPruning(spec, norm.Value, updates);
            var lengthText = declared is null
                ? "T assumed: the paper's " + Describe(schedule) + "; declare [TrainingLength] for yours"
                : "T from [TrainingLength]: " + Describe(schedule);
            var name = field.Field.Name;
            switch (assessment.Outcome)
            {
                case PruneOutcome.Collapse:
                    pending.Add(new PendingFix(anchor, location, DiagnosticDescriptors.CostCollapsesLayer, new[]
                    {
                        name,
                        Format.Number(assessment.Pull),
                        Format.Setting(CostRules.BenefitCeiling),
                        Format.Setting(spec.Epsilon),
                        Format.Count((long)Math.Ceiling(assessment.UpdatesToEpsilon)),
                        Format.Count(updates),
                        norm.Description + "; " + lengthText,
                    }, CostRules.SuggestSelective(spec, norm.Value, updates)));
                    break;
                case PruneOutcome.UniformDrift:
                case PruneOutcome.CannotPrune:
                    var what = assessment.Outcome == PruneOutcome.UniformDrift
                        ? "the cost pull Gamma + 2*Beta*||theta_i||^2 = " + Format.Number(assessment.Pull)
                          + " outweighs every group's benefit (at most about Alpha*" + Format.Setting(CostRules.BenefitCeiling)
                          + " under a mean-reduced loss), so every participation drifts down together, and with the weights growing to hold s_i*theta_i the drift"
                        : "with Gamma = 0 and Eta = 0 no cost term reaches s = 0, and under an L2 pull 2*LearningRate*Beta*||theta_i||^2*T of "
                          + Format.Number(assessment.L2Pull) + " a group with no benefit";
                    pending.Add(new PendingFix(anchor, location, DiagnosticDescriptors.CostCannotPrune, new[]
                    {
                        name,
                        what,
                        Format.Number(assessment.EndParticipation),
                        Format.Setting(spec.Epsilon),
                        Format.Count(updates),
                        norm.Description + "; " + lengthText,
                    }, CostRules.SuggestSelective(spec, norm.Value, updates)));
                    break;
                case PruneOutcome.L1BudgetTooSmall when declared is not null:
                    pending.Add(new PendingFix(anchor, location, DiagnosticDescriptors.L1BudgetTooSmall, new[]
                    {
                        name,
                        Format.Number(CostRules.L1Budget(spec, updates)),
                        Format.Count(updates),
                        Format.Number(assessment.EndParticipation),
                        Format.Setting(spec.Epsilon),
                        norm.Description,
                    }, CostRules.SuggestSelective(spec, norm.Value, updates)));
                    break;
            }
        }

        /// <summary>PD0013 (overshoot) and PD0014 (divergence) of the participation step; true when one was reported.</summary>
        private static bool CheckStep(FieldConfiguration field, CostSpec spec, LayerShape shape, Location location, Action<Diagnostic> report)
        {
            var norm = NormEstimate.For(shape);
            var ratio = CostRules.StepRatio(spec, norm.Value);
            var limit = Format.Number(CostRules.StableLearningRateLimit(spec, norm.Value));
            switch (CostRules.ClassifyStep(ratio))
            {
                case StepStability.Overshoots:
                    report(Diagnostic.Create(DiagnosticDescriptors.StepOvershoots, location,
                        field.Field.Name, Format.Number(ratio), norm.Description, limit));
                    return true;
                case StepStability.Diverges:
                    report(Diagnostic.Create(DiagnosticDescriptors.StepDiverges, location,
                        field.Field.Name, Format.Number(ratio), Format.Number(Math.Abs(1.0 - ratio)), norm.Description, limit));
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>PD0015 (no unique equilibrium) and PD0016 (cost per update) of the competition term.</summary>
        private static void CheckCompetition(FieldConfiguration field, CostSpec spec, LayerShape shape, Location location, Action<Diagnostic> report)
        {
            if (!(spec.Eta > 0)) return;
            var sized = shape.Out is { } n && n >= 1 && shape.GroupWidth is { } d && d >= 1;
            var assessment = sized ? CostRules.AssessCompetition(spec, shape.Out!.Value, shape.GroupWidth!.Value) : (CompetitionAssessment?)null;
            var unique = assessment?.UniqueEquilibriumGuaranteed ?? spec.Eta < 2.0 * spec.Beta;
            if (!unique)
            {
                string detail;
                if (assessment is { } a)
                {
                    var sizes = "N = " + Format.Count(shape.Out!.Value) + " groups of width d = " + Format.Count(shape.GroupWidth!.Value);
                    if (a.GramSingular)
                        detail = "with " + sizes + " < N the Gram matrix of the groups is singular, so some directions of s have negative curvature for any weights";
                    else if (spec.Eta >= a.InitEtaLimit)
                        detail = "with " + sizes + " the curvature is negative in some directions already at initialisation, where it stays positive only for Eta < " + Format.Number(a.InitEtaLimit);
                    else
                        detail = "with " + sizes + " the curvature is still positive at initialisation (for Eta < " + Format.Number(a.InitEtaLimit) + "), but that limit falls to 2*Beta as the trained groups become correlated";
                }
                else
                {
                    detail = "the curvature (2*Beta - Eta)*||theta_i||^2 + Eta*lambda_min(Gram) turns negative once the groups are correlated";
                }
                report(Diagnostic.Create(DiagnosticDescriptors.CompetitionNotUnique, location,
                    field.Field.Name, Format.Setting(spec.Eta), Format.Setting(2.0 * spec.Beta), detail));
            }

            if (assessment is { } cost)
                report(Diagnostic.Create(DiagnosticDescriptors.CompetitionCost, location,
                    field.Field.Name, Format.Count(cost.MultiplyAddsPerUpdate), Format.Count(shape.Out!.Value), Format.Count(shape.GroupWidth!.Value)));
        }

        private static string Describe(TrainingSchedule schedule) =>
            Format.Count(schedule.Epochs) + " epochs x " + Format.Count(schedule.StepsPerEpoch) + " steps";
    }
}
