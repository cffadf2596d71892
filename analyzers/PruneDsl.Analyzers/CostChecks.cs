using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using PruneDsl.Spec;

namespace PruneDsl.Analyzers
{
    /// <summary>
    /// PD0010-PD0016: the cost rules of <see cref="CostRules"/> applied to every <c>[ParticipationGroup]</c> Linear field,
    /// with the costs merged as the generator merges them (class-level [Cost], then the field's named settings).
    /// </summary>
    internal static class CostChecks
    {
        private sealed class PendingGamma
        {
            public PendingGamma(AttributeData anchor, Location location, DiagnosticEntry entry, string[] arguments, double gamma)
            {
                Anchor = anchor;
                Location = location;
                Entry = entry;
                Arguments = arguments;
                Gamma = gamma;
            }

            public AttributeData Anchor { get; }
            public Location Location { get; }
            public DiagnosticEntry Entry { get; }
            public string[] Arguments { get; }
            public double Gamma { get; }
        }

        public static void Run(ClassFacts facts, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            if (facts.Cost is not null) Validate(facts.Cost, report, cancellationToken);
            foreach (var field in facts.Fields)
                if (field.Cost is not null) Validate(field.Cost, report, cancellationToken);
            var declared = facts.TrainingLength is null ? null : ValidateSchedule(facts.TrainingLength, report, cancellationToken);
            ValidateDynamicsAndPrune(facts.Type, report, cancellationToken);

            var pending = new List<PendingGamma>();
            foreach (var field in facts.Fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!field.PlaysGame) continue; // evolving layers have no costs to check
                var spec = Merge(facts.Cost, field.Cost);
                if (spec.Validate().Count > 0) continue; // PD0010 said why; the numbers below would mean nothing.
                var anchor = field.Cost ?? facts.Cost ?? field.Group!;
                var location = AttributeSyntaxLookup.Location(anchor, cancellationToken);
                if (location is null) continue;
                var shape = shapes.TryGetValue(field.Field, out var s) ? s : LayerShape.Unknown;
                CheckPruning(field, spec, shape, declared, anchor, location, pending);
                CheckStep(field, spec, shape, location, report);
                CheckCompetition(field, spec, shape, location, report);
            }

            // One suggestion per attribute: the largest any of its fields needs, so that the fix clears all of them.
            var suggestion = new Dictionary<AttributeData, double>();
            foreach (var p in pending)
                suggestion[p.Anchor] = suggestion.TryGetValue(p.Anchor, out var g) ? Math.Max(g, p.Gamma) : p.Gamma;
            foreach (var p in pending)
            {
                var gamma = Format.Setting(suggestion[p.Anchor]);
                var arguments = p.Arguments.Concat(new[] { gamma }).ToArray<object>();
                var properties = ImmutableDictionary<string, string?>.Empty.Add(FixProperties.Gamma, gamma);
                report(Diagnostic.Create(Descriptors.For(p.Entry), p.Location, properties, arguments));
            }
        }

        /// <summary>The settings of one group: defaults, then the class-level [Cost], then the field's own [Cost].</summary>
        public static CostSpec Merge(AttributeData? classCost, AttributeData? fieldCost)
        {
            var spec = CostSpec.Default;
            if (classCost is not null) spec = Apply(spec, classCost);
            if (fieldCost is not null) spec = Apply(spec, fieldCost);
            return spec;
        }

        private static CostSpec Apply(CostSpec spec, AttributeData attribute)
        {
            foreach (var argument in attribute.NamedArguments)
                if (argument.Value.Kind != TypedConstantKind.Error)
                    spec = CostRules.WithSetting(spec, argument.Key, argument.Value.Value);
            return spec;
        }

        /// <summary>PD0010 for one [Cost]: its own named settings over the defaults, validated by <see cref="CostSpec.Validate"/>.</summary>
        private static void Validate(AttributeData cost, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            foreach (var problem in Apply(CostSpec.Default, cost).Validate())
                ReportInvalid("Cost", cost, problem, report, cancellationToken);
        }

        /// <summary>
        /// PD0010 for every [SelectionDynamics] and [Prune] of the class and its fields: their named settings over the
        /// defaults, read and validated by the same Spec rules the generator and the runtime use.
        /// </summary>
        private static void ValidateDynamicsAndPrune(INamedTypeSymbol type, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var attributes = type.GetAttributes()
                .Concat(type.GetMembers().OfType<IFieldSymbol>().SelectMany(f => f.GetAttributes()));
            foreach (var attribute in attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var named = attribute.NamedArguments.Where(a => a.Value.Kind != TypedConstantKind.Error).ToList();
                switch (attribute.AttributeClass?.ToDisplayString())
                {
                    case "PruneDsl.SelectionDynamicsAttribute":
                        var dynamics = DynamicsSpec.Default;
                        foreach (var argument in named) dynamics = dynamics.WithSetting(argument.Key, argument.Value.Value);
                        foreach (var problem in dynamics.Validate())
                            ReportInvalid("SelectionDynamics", attribute, problem, report, cancellationToken);
                        break;
                    case "PruneDsl.PruneAttribute":
                        var prune = new PruneSpec(Criterion.Gate, PruneThreshold.Effective);
                        foreach (var argument in named) prune = prune.WithSetting(argument.Key, argument.Value.Value);
                        foreach (var problem in prune.Validate())
                            ReportInvalid("Prune", attribute, problem, report, cancellationToken);
                        break;
                }
            }
        }

        /// <summary>PD0010 for [TrainingLength]; returns the schedule when it is valid.</summary>
        private static TrainingSchedule? ValidateSchedule(AttributeData attribute, Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            int epochs = 0, steps = 0;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Value is not int value) continue;
                if (argument.Key == nameof(TrainingSchedule.Epochs)) epochs = value;
                else if (argument.Key == nameof(TrainingSchedule.StepsPerEpoch)) steps = value;
            }
            var schedule = new TrainingSchedule(epochs, steps);
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
            report(Diagnostic.Create(Descriptors.For(DiagnosticCatalog.InvalidSetting), location,
                attributeName, problem.Property, Format.Setting(problem.Value), problem.Requirement));
        }

        /// <summary>PD0011 (cannot prune) and PD0012 (L1 budget too small for the declared training).</summary>
        private static void CheckPruning(FieldFacts field, CostSpec spec, LayerShape shape, TrainingSchedule? declared,
            AttributeData anchor, Location location, List<PendingGamma> pending)
        {
            var norm = NormEstimate.For(shape);
            var schedule = declared ?? TrainingSchedule.Paper;
            var updates = schedule.Updates;
            var assessment = CostRules.AssessPruning(spec, norm.Value, updates);
            if (!assessment.CanPrune)
            {
                var lengthText = declared is null
                    ? "T assumed: the paper's " + Describe(schedule) + "; declare [TrainingLength] for yours"
                    : "T from [TrainingLength]: " + Describe(schedule);
                pending.Add(new PendingGamma(anchor, location, DiagnosticCatalog.CostCannotPrune, new[]
                {
                    field.Field.Name,
                    Format.Number(assessment.L2Pull),
                    Format.Count(updates),
                    Format.Number(CostRules.ZeroBenefitParticipation(spec, norm.Value, updates)),
                    Format.Setting(spec.Epsilon),
                    norm.Description + "; " + lengthText,
                }, CostRules.SuggestGamma(spec, norm.Value, updates)));
                return;
            }

            if (declared is null || !CostRules.L1BudgetTooSmall(spec, norm.Value, updates)) return;
            pending.Add(new PendingGamma(anchor, location, DiagnosticCatalog.L1BudgetTooSmall, new[]
            {
                field.Field.Name,
                Format.Number(CostRules.L1Budget(spec, updates)),
                Format.Count(updates),
                Format.Number(CostRules.ZeroBenefitParticipation(spec, norm.Value, updates)),
                Format.Setting(spec.Epsilon),
                norm.Description,
            }, CostRules.SuggestGamma(spec, norm.Value, updates, spec.Gamma)));
        }

        /// <summary>PD0013 (overshoot) and PD0014 (divergence) of the participation step.</summary>
        private static void CheckStep(FieldFacts field, CostSpec spec, LayerShape shape, Location location, Action<Diagnostic> report)
        {
            var norm = NormEstimate.For(shape);
            var ratio = CostRules.StepRatio(spec, norm.Value);
            var limit = Format.Number(CostRules.StableLearningRateLimit(spec, norm.Value));
            switch (CostRules.ClassifyStep(ratio))
            {
                case StepStability.Overshoots:
                    report(Diagnostic.Create(Descriptors.For(DiagnosticCatalog.StepOvershoots), location,
                        field.Field.Name, Format.Number(ratio), norm.Description, limit));
                    break;
                case StepStability.Diverges:
                    report(Diagnostic.Create(Descriptors.For(DiagnosticCatalog.StepDiverges), location,
                        field.Field.Name, Format.Number(ratio), Format.Number(Math.Abs(1.0 - ratio)), norm.Description, limit));
                    break;
            }
        }

        /// <summary>PD0015 (no unique equilibrium) and PD0016 (cost per update) of the competition term.</summary>
        private static void CheckCompetition(FieldFacts field, CostSpec spec, LayerShape shape, Location location, Action<Diagnostic> report)
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
                report(Diagnostic.Create(Descriptors.For(DiagnosticCatalog.CompetitionNotUnique), location,
                    field.Field.Name, Format.Setting(spec.Eta), Format.Setting(2.0 * spec.Beta), detail));
            }

            if (assessment is { } cost)
                report(Diagnostic.Create(Descriptors.For(DiagnosticCatalog.CompetitionCost), location,
                    field.Field.Name, Format.Count(cost.MultiplyAddsPerUpdate), Format.Count(shape.Out!.Value), Format.Count(shape.GroupWidth!.Value)));
        }

        private static string Describe(TrainingSchedule schedule) =>
            Format.Count(schedule.Epochs) + " epochs x " + Format.Count(schedule.StepsPerEpoch) + " steps";
    }
}
