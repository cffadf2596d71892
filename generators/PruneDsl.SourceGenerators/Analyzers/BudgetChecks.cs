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
    /// PD0029-PD0031 and PD0010 for <c>[Budget]</c>: invalid values (<see cref="BudgetSpec.Validate"/>), a budget that cannot
    /// be met (<see cref="BudgetCost.Infeasibility"/>, the rule the runtime throws on), a budget whose price replaces an
    /// explicit <c>Gamma</c>, and a budget that covers no game layer. The scope rule is the runtime's: a field's own budget
    /// covers its layer, the class's covers every other game layer (<see cref="FieldConfiguration.GoverningBudget"/>).
    /// </summary>
    internal static class BudgetChecks
    {
        public static void Run(ModelConfiguration model, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var budgets = new[] { model.Budget }.Concat(model.Fields.Select(f => f.Budget)).Where(b => b is not null).Select(b => b!).ToList();
            if (budgets.Count == 0) return;
            var valid = new HashSet<AttributeData>();
            foreach (var attribute in budgets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var problems = SettingsReader.ReadBudget(attribute).Validate();
                foreach (var problem in problems)
                {
                    var location = AttributeSyntaxLookup.NamedArgument(attribute, problem.Property, cancellationToken)?.GetLocation()
                                   ?? AttributeSyntaxLookup.Location(attribute, cancellationToken);
                    if (location is not null)
                        report(Diagnostic.Create(DiagnosticDescriptors.InvalidSetting, location, "Budget", problem.Property, Format.Setting(problem.Value), problem.Requirement));
                }
                if (problems.Count == 0) valid.Add(attribute);
            }

            var game = model.Fields.Where(f => f.PlaysGame).ToList();
            // PD0031: a budget that covers no game layer.
            foreach (var field in model.Fields.Where(f => f.Budget is not null && !f.PlaysGame))
            {
                var why = field.IsGatedLinear
                    ? "it evolves under [SelectionDynamics], and a budget prices the game's participations"
                    : "it has no [ParticipationGroup], so it has no groups to keep or prune";
                Report(report, DiagnosticDescriptors.BudgetWithoutGroups, field.Budget!, cancellationToken, field.Field.Name, why);
            }
            if (model.Budget is not null && !game.Any(f => f.Budget is null))
            {
                var why = game.Count == 0
                    ? "the class has no [ParticipationGroup] layer that plays the game"
                    : "every game layer has a [Budget] of its own";
                Report(report, DiagnosticDescriptors.BudgetWithoutGroups, model.Budget, cancellationToken, model.Type.Name, why);
            }

            // PD0030: an explicit Gamma that a budget's price replaces, once per [Cost] that names it, listing the layers.
            var overridden = new Dictionary<AttributeData, List<string>>();
            foreach (var field in game)
            {
                if (field.GoverningBudget is null) continue;
                var cost = field.Cost is not null && NamesGamma(field.Cost) ? field.Cost
                    : model.Cost is not null && NamesGamma(model.Cost) ? model.Cost : null;
                if (cost is null) continue;
                if (!overridden.TryGetValue(cost, out var layers)) overridden[cost] = layers = new List<string>();
                layers.Add("'" + field.Field.Name + "'");
            }
            foreach (var pair in overridden)
            {
                var location = AttributeSyntaxLookup.NamedArgument(pair.Key, nameof(CostSpec.Gamma), cancellationToken)?.GetLocation();
                if (location is not null) report(Diagnostic.Create(DiagnosticDescriptors.BudgetOverridesGamma, location, string.Join(", ", pair.Value)));
            }

            // PD0029: a budget below the least the model can keep.
            // Read here for the Linear chain only; a model with channel groups on convolutions is checked by the runtime
            // (BudgetController.Create, the same rule), where the convolutions' output sizes are known. So is a class-level
            // budget in MACs or parameters on a model with other weighted layers: their cost belongs to the whole model's.
            var index = model.LinearFields.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, SymbolEqualityComparer.Default);
            if (game.Any(f => !index.ContainsKey(f.Field))) return;
            var chainIsTheModel = !HasWeightsBesideLinears(model);
            var chain = Chain(model, shapes);
            if (chain is null) return;
            if (model.Budget is not null && valid.Contains(model.Budget))
            {
                var covered = game.Where(f => f.Budget is null && index.ContainsKey(f.Field)).Select(f => index[f.Field]).ToList();
                if (covered.Count > 0 && (chainIsTheModel || SettingsReader.ReadBudget(model.Budget).Unit == BudgetUnit.Groups))
                    CheckFeasible(model.Budget, chain, covered, -1, report, cancellationToken);
            }
            foreach (var field in game.Where(f => f.Budget is not null && valid.Contains(f.Budget) && index.ContainsKey(f.Field)))
                CheckFeasible(field.Budget!, chain, new[] { index[field.Field] }, index[field.Field], report, cancellationToken);
        }

        private static void CheckFeasible(AttributeData attribute, IReadOnlyList<BudgetLayer> chain, IReadOnlyList<int> covered, int only,
            Action<Diagnostic> report, CancellationToken cancellationToken)
        {
            var spec = SettingsReader.ReadBudget(attribute);
            var inScope = chain.Select((_, i) => covered.Contains(i)).ToArray();
            if (BudgetCost.Infeasibility(spec, BudgetGraph.FromChain(chain), inScope, only) is not string why) return;
            var property = spec.Keep != 0 ? nameof(BudgetSpec.Keep) : nameof(BudgetSpec.KeepFraction);
            var location = AttributeSyntaxLookup.NamedArgument(attribute, property, cancellationToken)?.GetLocation()
                           ?? AttributeSyntaxLookup.Location(attribute, cancellationToken);
            if (location is not null) report(Diagnostic.Create(DiagnosticDescriptors.BudgetCannotBeMet, location, why));
        }

        private static void Report(Action<Diagnostic> report, DiagnosticDescriptor descriptor, AttributeData attribute,
            CancellationToken cancellationToken, params object[] arguments)
        {
            var location = AttributeSyntaxLookup.Location(attribute, cancellationToken);
            if (location is not null) report(Diagnostic.Create(descriptor, location, arguments));
        }

        /// <summary>
        /// Whether the runtime's cost model would count layers the Linear chain does not hold: a Conv2d field, or a field
        /// that may hold one (a Sequential, a module list or dictionary, a module class of the user's).
        /// </summary>
        private static bool HasWeightsBesideLinears(ModelConfiguration model) =>
            model.Type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic).Any(f =>
                f.Type is INamedTypeSymbol type && !AttributeNames.IsLinear(type)
                && (AttributeNames.IsConv2d(type) || AttributeNames.IsSequential(type) || type.Name is "ModuleList" or "ModuleDict"
                    || (AttributeNames.IsModule(type) && type.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal) != true)));

        private static bool NamesGamma(AttributeData cost) =>
            SettingsReader.NamedSettings(cost).Any(a => a.Key == nameof(CostSpec.Gamma));

        /// <summary>The Linear chain with known sizes (null when any layer's sizes are not compile-time constants).</summary>
        private static IReadOnlyList<BudgetLayer>? Chain(ModelConfiguration model, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes)
        {
            var gated = new HashSet<IFieldSymbol>(model.Fields.Where(f => f.PlaysGame).Select(f => f.Field), SymbolEqualityComparer.Default);
            var chain = new List<BudgetLayer>();
            foreach (var field in model.LinearFields)
            {
                if (!shapes.TryGetValue(field, out var shape) || shape.In is not long fanIn || shape.Out is not long fanOut) return null;
                chain.Add(new BudgetLayer(field.Name, fanIn, fanOut, shape.HasBias ?? true, gated.Contains(field)));
            }
            return chain;
        }
    }
}
