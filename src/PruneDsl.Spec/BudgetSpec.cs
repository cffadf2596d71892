using System;
using System.Collections.Generic;
using System.Globalization;

namespace PruneDsl
{
    /// <summary>What a <c>[Budget]</c> counts.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum BudgetUnit
    {
        /// <summary>Kept groups (hidden neurons): every group costs 1.</summary>
        Groups = 0,

        /// <summary>Parameters of the Linear chain at the kept widths (weights and biases).</summary>
        Parameters = 1,

        /// <summary>Multiply-accumulates of one example through the Linear chain at the kept widths.</summary>
        Macs = 2,
    }
}

namespace PruneDsl.Spec
{
    /// <summary>The defaults of every <see cref="BudgetSpec"/> setting (one home: attribute, generator, analyzers, runtime).</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class BudgetDefaults
    {
        /// <summary>
        /// rho, the step of the price's dual ascent in log space per participation step: the price moves by at most a factor
        /// <c>e^rho</c> per step (docs/equations.md, section 1b). 0.002 lets it grow about 2.5 times per MNIST epoch of 469 steps.
        /// </summary>
        public const double PriceStep = 0.002;

        /// <summary>Epochs (fractions allowed) the kept set must stay unchanged, with the budget met, before the game ends.</summary>
        public const double SettleEpochs = 1.0;

        /// <summary>Epochs reserved for the fine-tune: if the game has not settled by <c>Epochs - FineTuneEpochs</c>, it is ended there.</summary>
        public const int FineTuneEpochs = 0;

        /// <summary>
        /// How far ahead the price looks, in epochs: a kept group whose participation, moved on by its recent drift for this
        /// long, falls below Epsilon no longer counts against the budget (the lead that keeps the price from overshooting
        /// while groups are still on their way out).
        /// </summary>
        public const double LookaheadEpochs = 0.5;

        /// <summary>The weight of the newest step in the exponential average of each participation's drift.</summary>
        public const double VelocitySmoothing = 0.02;

        /// <summary>The lowest price the dual ascent may reach (its projection's lower end).</summary>
        public const double MinPrice = 1e-7;

        /// <summary>The highest price the dual ascent may reach (its projection's upper end).</summary>
        public const double MaxPrice = 1.0;
    }

    /// <summary>
    /// A budget: how much of the model the game may keep, what it counts, and how the game ends. On a class it covers every
    /// game layer without a budget of its own; on a field, that layer alone. Exactly one of <see cref="Keep"/> and
    /// <see cref="KeepFraction"/> is set (greater than 0). The budget's price replaces the layers' <c>Gamma</c>: it is the
    /// multiplier of the constraint <c>cost(kept) &lt;= K</c>, found by projected dual ascent (docs/equations.md, section 1b).
    /// </summary>
    /// <param name="Keep">The most the pruned model may keep, in <see cref="Unit"/>s (0: unset).</param>
    /// <param name="KeepFraction">The most it may keep as a fraction of the dense model's cost, in (0, 1) (0: unset).</param>
    /// <param name="Unit">What is counted.</param>
    /// <param name="PriceStep">rho, the dual ascent's step in log space per participation step, in (0, 1].</param>
    /// <param name="SettleEpochs">Epochs the kept set must stay unchanged with the budget met before the game ends; at least 0.</param>
    /// <param name="FineTuneEpochs">Epochs reserved for the fine-tune (the game ends by <c>Epochs - FineTuneEpochs</c>); at least 0.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record BudgetSpec(
        double Keep = 0,
        double KeepFraction = 0,
        BudgetUnit Unit = BudgetUnit.Groups,
        double PriceStep = BudgetDefaults.PriceStep,
        double SettleEpochs = BudgetDefaults.SettleEpochs,
        int FineTuneEpochs = BudgetDefaults.FineTuneEpochs)
    {
        /// <summary>One <see cref="SpecProblem"/> per invalid value (empty when valid).</summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            var keepSet = Keep != 0;
            var fractionSet = KeepFraction != 0;
            if (keepSet && fractionSet)
                problems.Add(new SpecProblem(nameof(KeepFraction), KeepFraction, "cannot be set together with Keep (set one of them)"));
            else if (!keepSet && !fractionSet)
                problems.Add(new SpecProblem(nameof(Keep), Keep, "or KeepFraction must be set (neither is)"));
            if (keepSet && (double.IsNaN(Keep) || double.IsInfinity(Keep) || Keep < 1))
                problems.Add(new SpecProblem(nameof(Keep), Keep, "must be a finite number of at least 1"));
            if (fractionSet && (double.IsNaN(KeepFraction) || KeepFraction <= 0 || KeepFraction >= 1))
                problems.Add(new SpecProblem(nameof(KeepFraction), KeepFraction, "must lie in the open interval (0, 1)"));
            if (Unit < BudgetUnit.Groups || Unit > BudgetUnit.Macs)
                problems.Add(new SpecProblem(nameof(Unit), (double)Unit, "is not a defined BudgetUnit"));
            if (double.IsNaN(PriceStep) || PriceStep <= 0 || PriceStep > 1)
                problems.Add(new SpecProblem(nameof(PriceStep), PriceStep, "must lie in (0, 1]"));
            if (double.IsNaN(SettleEpochs) || double.IsInfinity(SettleEpochs) || SettleEpochs < 0)
                problems.Add(new SpecProblem(nameof(SettleEpochs), SettleEpochs, "must be a finite number of at least 0"));
            if (FineTuneEpochs < 0)
                problems.Add(new SpecProblem(nameof(FineTuneEpochs), FineTuneEpochs, "must be at least 0"));
            return problems;
        }

        /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid value, if there is one.</summary>
        /// <param name="owner">What the budget belongs to (a class or layer name), for the message.</param>
        public void EnsureValid(string owner) => SpecProblem.ThrowIfAny(Validate(), "budget", owner, "[Budget] attribute (or the BudgetSpec)");

        /// <summary>
        /// K, the budget in <see cref="Unit"/>s: <see cref="Keep"/>, or <c>floor(KeepFraction * dense)</c> where
        /// <paramref name="dense"/> is the cost of the unpruned scope.
        /// </summary>
        /// <param name="dense">The scope's cost with every group kept.</param>
        public double Target(double dense) => Keep != 0 ? Keep : Math.Floor(KeepFraction * dense + 1e-9);

        /// <summary>How the budget reads in messages, e.g. <c>Keep = 15 (groups)</c>.</summary>
        public string Describe() => (Keep != 0
            ? "Keep = " + Keep.ToString("G", CultureInfo.InvariantCulture)
            : "KeepFraction = " + KeepFraction.ToString("G", CultureInfo.InvariantCulture)) + " (" + Unit.ToString().ToLowerInvariant() + ")";
    }

    /// <summary>One Linear layer of the chain a budget counts: its sizes and whether it has groups in the budget's scope.</summary>
    /// <param name="Name">The field name.</param>
    /// <param name="In">Input features.</param>
    /// <param name="Out">Output features (its groups when gated).</param>
    /// <param name="HasBias">Whether it has a bias.</param>
    /// <param name="Gated">Whether its groups are gated (its kept width can shrink).</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    readonly record struct BudgetLayer(string Name, long In, long Out, bool HasBias, bool Gated);

    /// <summary>
    /// The cost model of a budget, written once: the cost of a Linear chain at given kept widths, its marginal cost per
    /// group, and whether a budget can be met at all. The analyzers (PD0029) and the runtime's price controller use it.
    /// </summary>
    /// <remarks>
    /// A layer's input width is the kept width of the layer before it when that layer's outputs are its inputs
    /// (<c>Out == In</c>: the MLP chain that compaction assumes), else its declared <c>In</c>. Parameters of a layer:
    /// <c>in * out + out</c> (with a bias); MACs: <c>in * out</c>. A class-level budget counts the whole chain (ungated layers
    /// included: their cost is fixed unless a gated layer feeds them); a field-level budget counts the layer alone.
    /// </remarks>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class BudgetCost
    {
        /// <summary>The cost of the chain (or of layer <paramref name="only"/>) at the kept widths.</summary>
        /// <param name="chain">The Linear layers in declaration order.</param>
        /// <param name="kept">Kept width per layer (ignored for ungated layers, which keep <c>Out</c>).</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">For <see cref="BudgetUnit.Groups"/>: which layers' groups count.</param>
        /// <param name="only">A field-level budget's layer index, or -1 for the whole chain.</param>
        public static double Of(IReadOnlyList<BudgetLayer> chain, IReadOnlyList<long> kept, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1)
        {
            double total = 0;
            for (var l = 0; l < chain.Count; l++)
            {
                if (only >= 0 && l != only) continue;
                var layer = chain[l];
                var outWidth = Width(chain, kept, l);
                if (unit == BudgetUnit.Groups)
                {
                    if (layer.Gated && inScope[l]) total += outWidth;
                    continue;
                }
                var inWidth = InputWidth(chain, kept, l);
                total += (double)inWidth * outWidth + (unit == BudgetUnit.Parameters && layer.HasBias ? outWidth : 0);
            }
            return total;
        }

        /// <summary>
        /// <c>c_l</c>, the cost of one more kept group of layer <paramref name="layer"/> at the current widths (the derivative of
        /// <see cref="Of"/> in that layer's width): 1 for groups; its input width (plus 1 for a bias) and, for a class-level
        /// budget, the output width of the layer it feeds, for parameters and MACs.
        /// </summary>
        /// <param name="chain">The Linear layers in declaration order.</param>
        /// <param name="kept">Kept width per layer.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="layer">The gated layer's index.</param>
        /// <param name="wholeChain">True for a class-level budget (the consumer's columns count too).</param>
        public static double Marginal(IReadOnlyList<BudgetLayer> chain, IReadOnlyList<long> kept, BudgetUnit unit, int layer, bool wholeChain)
        {
            if (unit == BudgetUnit.Groups) return 1;
            double c = InputWidth(chain, kept, layer) + (unit == BudgetUnit.Parameters && chain[layer].HasBias ? 1 : 0);
            if (wholeChain && layer + 1 < chain.Count && Feeds(chain, layer)) c += Width(chain, kept, layer + 1);
            return c;
        }

        /// <summary>
        /// The least cost the budget's scope can reach: every gated layer in scope down to one group (a layer is never emptied),
        /// every other layer as declared. A budget below it cannot be met (PD0029).
        /// </summary>
        /// <param name="chain">The Linear layers in declaration order.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">Which layers the budget prices.</param>
        /// <param name="only">A field-level budget's layer index, or -1.</param>
        public static double Minimum(IReadOnlyList<BudgetLayer> chain, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1)
        {
            var kept = new long[chain.Count];
            for (var l = 0; l < chain.Count; l++) kept[l] = chain[l].Gated && inScope[l] ? 1 : chain[l].Out;
            return Of(chain, kept, unit, inScope, only);
        }

        /// <summary>The scope's cost with every group kept.</summary>
        /// <param name="chain">The Linear layers in declaration order.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">Which layers the budget prices.</param>
        /// <param name="only">A field-level budget's layer index, or -1.</param>
        public static double Dense(IReadOnlyList<BudgetLayer> chain, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1)
        {
            var kept = new long[chain.Count];
            for (var l = 0; l < chain.Count; l++) kept[l] = chain[l].Out;
            return Of(chain, kept, unit, inScope, only);
        }

        /// <summary>
        /// Why <paramref name="budget"/> cannot be met on this chain, or null when it can: its target <c>K</c> lies below
        /// <see cref="Minimum"/>. The one feasibility rule: PD0029 reports it, the runtime throws it.
        /// </summary>
        /// <param name="budget">The budget.</param>
        /// <param name="chain">The Linear layers in declaration order.</param>
        /// <param name="inScope">Which layers the budget prices.</param>
        /// <param name="only">A field-level budget's layer index, or -1.</param>
        public static string? Infeasibility(BudgetSpec budget, IReadOnlyList<BudgetLayer> chain, IReadOnlyList<bool> inScope, int only = -1)
        {
            var minimum = Minimum(chain, budget.Unit, inScope, only);
            var target = budget.Target(Dense(chain, budget.Unit, inScope, only));
            if (target >= minimum) return null;
            var gated = 0;
            for (var l = 0; l < chain.Count; l++) if (chain[l].Gated && inScope[l] && (only < 0 || l == only)) gated++;
            var unit = budget.Unit.ToString().ToLowerInvariant();
            return string.Format(CultureInfo.InvariantCulture,
                "{0} allows {1:G} {2}, but the least the model can keep is {3:G} {2} (one group in each of its {4} priced layer(s), every other layer as declared)",
                budget.Describe(), target, unit, minimum, gated);
        }

        private static bool Feeds(IReadOnlyList<BudgetLayer> chain, int layer) =>
            layer + 1 < chain.Count && chain[layer].Out == chain[layer + 1].In;

        private static long Width(IReadOnlyList<BudgetLayer> chain, IReadOnlyList<long> kept, int layer) =>
            chain[layer].Gated ? kept[layer] : chain[layer].Out;

        private static long InputWidth(IReadOnlyList<BudgetLayer> chain, IReadOnlyList<long> kept, int layer) =>
            layer > 0 && Feeds(chain, layer - 1) ? Width(chain, kept, layer - 1) : chain[layer].In;
    }
}
