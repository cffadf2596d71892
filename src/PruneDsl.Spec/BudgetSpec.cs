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

        /// <summary>Parameters of the model's Linear and Conv2d layers at the kept widths (weights, biases, BatchNorm affine parameters).</summary>
        Parameters = 1,

        /// <summary>Multiply-accumulates of one example through the model's Linear and Conv2d layers at the kept widths.</summary>
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

        /// <summary>
        /// Epochs (fractions allowed) the kept set must stay unchanged, with the budget met, before the game ends; it ends at
        /// once when, with the budget met, a kept group is on its way out (the lookahead no longer counts it).
        /// </summary>
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

        /// <summary>
        /// The lowest Gamma the dual ascent may give an average group (its projection's lower end: the price itself is bounded
        /// by this over the budget's unit scale, the mean marginal cost of a group at the dense widths).
        /// </summary>
        public const double MinPrice = 1e-7;

        /// <summary>The highest Gamma the dual ascent may give an average group (its projection's upper end, over the unit scale).</summary>
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
    /// <param name="SettleEpochs">Epochs the kept set must stay unchanged with the budget met before the game ends (it ends at once
    /// when a kept group is on its way out with the budget met); at least 0.</param>
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
    /// One channel space a budget counts: the outputs of a layer (or of layers coupled by an add), with its dense width and
    /// whether the game gates it (only then can its kept width shrink).
    /// </summary>
    /// <param name="Name">The space's name (the field name of its first producer).</param>
    /// <param name="Width">Its channels (or features) in the dense model.</param>
    /// <param name="Gated">Whether the game gates it.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    readonly record struct BudgetSpace(string Name, long Width, bool Gated);

    /// <summary>
    /// One weighted layer (Linear or Conv2d) as a budget counts it: its input width is the kept channels of
    /// <see cref="InSpaces"/> (summed: a concatenation) times <see cref="ColumnsPerChannel"/> (a flatten into a Linear), or the
    /// fixed <see cref="In"/> when it reads no space a budget can shrink; its output width is the kept channels of
    /// <see cref="OutSpace"/>, or the fixed <see cref="Out"/>. Then <c>MACs = in * out * MacsPerPair</c> and
    /// <c>parameters = in * out * ParamsPerPair + out * ParamsPerOut</c>.
    /// </summary>
    /// <param name="Name">The layer's field name.</param>
    /// <param name="In">Its input width when <see cref="InSpaces"/> is empty.</param>
    /// <param name="InSpaces">The spaces its input is made of, in order (empty: fixed input).</param>
    /// <param name="ColumnsPerChannel">Input columns per channel of <see cref="InSpaces"/> (H*W for a flatten into a Linear, else 1).</param>
    /// <param name="Out">Its output width when <see cref="OutSpace"/> is -1.</param>
    /// <param name="OutSpace">The space its outputs belong to, or -1.</param>
    /// <param name="MacsPerPair">Multiply-accumulates per (input, output) pair per example: 1 for a Linear on one position, kh*kw*H_out*W_out for a Conv2d.</param>
    /// <param name="ParamsPerPair">Weights per (input, output) pair: 1 for a Linear, kh*kw for a Conv2d.</param>
    /// <param name="ParamsPerOut">Parameters per output channel besides the weights: a bias, a BatchNorm's weight and bias.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record BudgetTerm(string Name, long In, IReadOnlyList<int> InSpaces, long ColumnsPerChannel, long Out, int OutSpace,
        double MacsPerPair, double ParamsPerPair, double ParamsPerOut);

    /// <summary>What a budget counts in a model: its channel spaces and its weighted layers.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed class BudgetGraph
    {
        /// <summary>A graph of spaces and layers.</summary>
        /// <param name="spaces">The channel spaces (a term names them by index).</param>
        /// <param name="terms">The weighted layers.</param>
        public BudgetGraph(IReadOnlyList<BudgetSpace> spaces, IReadOnlyList<BudgetTerm> terms)
        {
            Spaces = spaces;
            Terms = terms;
        }

        /// <summary>The channel spaces.</summary>
        public IReadOnlyList<BudgetSpace> Spaces { get; }

        /// <summary>The weighted layers.</summary>
        public IReadOnlyList<BudgetTerm> Terms { get; }

        /// <summary>Every space at its dense width.</summary>
        public long[] DenseWidths()
        {
            var widths = new long[Spaces.Count];
            for (var s = 0; s < widths.Length; s++) widths[s] = Spaces[s].Width;
            return widths;
        }

        /// <summary>
        /// The MLP chain as a graph: one space per layer (its outputs); a layer reads the space of the layer before it when
        /// that layer's outputs are its inputs (<c>Out == In</c>: the chain compaction assumes), else a fixed input.
        /// </summary>
        /// <param name="chain">The Linear layers in declaration order.</param>
        public static BudgetGraph FromChain(IReadOnlyList<BudgetLayer> chain)
        {
            var spaces = new List<BudgetSpace>();
            var terms = new List<BudgetTerm>();
            for (var l = 0; l < chain.Count; l++)
            {
                var layer = chain[l];
                spaces.Add(new BudgetSpace(layer.Name, layer.Out, layer.Gated));
                var feeds = l > 0 && chain[l - 1].Out == layer.In;
                terms.Add(new BudgetTerm(layer.Name, layer.In, feeds ? new[] { l - 1 } : new int[0], 1, layer.Out, l,
                    MacsPerPair: 1, ParamsPerPair: 1, ParamsPerOut: layer.HasBias ? 1 : 0));
            }
            return new BudgetGraph(spaces, terms);
        }
    }

    /// <summary>
    /// The cost model of a budget, written once: the cost of a model at given kept widths (<see cref="BudgetGraph"/>), its
    /// marginal cost per group, and whether a budget can be met at all. The analyzers (PD0029, on the Linear chain they can
    /// read) and the runtime's price controller (on the model's channel plan: convolutions, concatenations, flattens) use it.
    /// </summary>
    /// <remarks>
    /// Groups: the kept channels of the spaces in scope. Parameters and MACs: the sum over the layers in scope of
    /// <see cref="BudgetTerm"/>'s formulas at the kept widths. A class-level budget counts every layer (ungated layers
    /// included: their cost is fixed unless a gated space feeds them); a field-level budget (<c>only</c> = its space) counts
    /// the layers that produce that space.
    /// </remarks>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class BudgetCost
    {
        /// <summary>The cost of the graph (or of the producers of space <paramref name="only"/>) at the kept widths.</summary>
        /// <param name="graph">The spaces and layers.</param>
        /// <param name="kept">Kept channels per space (ignored for ungated spaces, which keep their width).</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">For <see cref="BudgetUnit.Groups"/>: which spaces' groups count.</param>
        /// <param name="only">A field-level budget's space, or -1 for the whole model.</param>
        public static double Of(BudgetGraph graph, IReadOnlyList<long> kept, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1)
        {
            double total = 0;
            if (unit == BudgetUnit.Groups)
            {
                for (var s = 0; s < graph.Spaces.Count; s++)
                    if (graph.Spaces[s].Gated && inScope[s] && (only < 0 || s == only)) total += kept[s];
                return total;
            }
            foreach (var term in graph.Terms)
            {
                if (only >= 0 && term.OutSpace != only) continue;
                double inWidth = InputWidth(graph, kept, term), outWidth = OutputWidth(graph, kept, term);
                total += unit == BudgetUnit.Macs
                    ? inWidth * outWidth * term.MacsPerPair
                    : inWidth * outWidth * term.ParamsPerPair + outWidth * term.ParamsPerOut;
            }
            return total;
        }

        /// <summary>
        /// <c>c_s</c>, the cost of one more kept channel of space <paramref name="space"/> at the current widths (the derivative
        /// of <see cref="Of"/> in that space's width): 1 for groups; for parameters and MACs, what its producers pay per output
        /// and, for a class-level budget, what every layer reading it pays per input channel.
        /// </summary>
        /// <param name="graph">The spaces and layers.</param>
        /// <param name="kept">Kept channels per space.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="space">The gated space.</param>
        /// <param name="wholeModel">True for a class-level budget (the readers' input channels count too).</param>
        public static double Marginal(BudgetGraph graph, IReadOnlyList<long> kept, BudgetUnit unit, int space, bool wholeModel)
        {
            if (unit == BudgetUnit.Groups) return 1;
            double c = 0;
            foreach (var term in graph.Terms)
            {
                var perPair = unit == BudgetUnit.Macs ? term.MacsPerPair : term.ParamsPerPair;
                if (term.OutSpace == space)
                    c += InputWidth(graph, kept, term) * perPair + (unit == BudgetUnit.Parameters ? term.ParamsPerOut : 0);
                // The readers of the space: every one for a class-level budget; for a field-level budget only its own
                // producers (a layer whose input is its own space, as in y = x + conv(x)).
                if (!wholeModel && term.OutSpace != space) continue;
                foreach (var part in term.InSpaces)
                    if (part == space) c += term.ColumnsPerChannel * OutputWidth(graph, kept, term) * perPair;
            }
            return c;
        }

        /// <summary>
        /// The least cost the budget's scope can reach: every gated space in scope down to one channel (a space is never
        /// emptied), every other space as declared. A budget below it cannot be met (PD0029).
        /// </summary>
        /// <param name="graph">The spaces and layers.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">Which spaces the budget prices.</param>
        /// <param name="only">A field-level budget's space, or -1.</param>
        public static double Minimum(BudgetGraph graph, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1)
        {
            var kept = graph.DenseWidths();
            for (var s = 0; s < kept.Length; s++) if (graph.Spaces[s].Gated && inScope[s]) kept[s] = 1;
            return Of(graph, kept, unit, inScope, only);
        }

        /// <summary>The scope's cost with every channel kept.</summary>
        /// <param name="graph">The spaces and layers.</param>
        /// <param name="unit">What is counted.</param>
        /// <param name="inScope">Which spaces the budget prices.</param>
        /// <param name="only">A field-level budget's space, or -1.</param>
        public static double Dense(BudgetGraph graph, BudgetUnit unit, IReadOnlyList<bool> inScope, int only = -1) =>
            Of(graph, graph.DenseWidths(), unit, inScope, only);

        /// <summary>
        /// Why <paramref name="budget"/> cannot be met on this model, or null when it can: its target <c>K</c> lies below
        /// <see cref="Minimum"/>. The one feasibility rule: PD0029 reports it, the runtime throws it.
        /// </summary>
        /// <param name="budget">The budget.</param>
        /// <param name="graph">The spaces and layers.</param>
        /// <param name="inScope">Which spaces the budget prices.</param>
        /// <param name="only">A field-level budget's space, or -1.</param>
        public static string? Infeasibility(BudgetSpec budget, BudgetGraph graph, IReadOnlyList<bool> inScope, int only = -1)
        {
            var minimum = Minimum(graph, budget.Unit, inScope, only);
            var target = budget.Target(Dense(graph, budget.Unit, inScope, only));
            if (target >= minimum) return null;
            var gated = 0;
            for (var s = 0; s < graph.Spaces.Count; s++) if (graph.Spaces[s].Gated && inScope[s] && (only < 0 || s == only)) gated++;
            var unit = budget.Unit.ToString().ToLowerInvariant();
            return string.Format(CultureInfo.InvariantCulture,
                "{0} allows {1:G} {2}, but the least the model can keep is {3:G} {2} (one group in each of its {4} priced layer(s), every other layer as declared)",
                budget.Describe(), target, unit, minimum, gated);
        }

        private static double InputWidth(BudgetGraph graph, IReadOnlyList<long> kept, BudgetTerm term)
        {
            if (term.InSpaces.Count == 0) return term.In;
            double width = 0;
            foreach (var part in term.InSpaces) width += Width(graph, kept, part);
            return width * term.ColumnsPerChannel;
        }

        private static double OutputWidth(BudgetGraph graph, IReadOnlyList<long> kept, BudgetTerm term) =>
            term.OutSpace < 0 ? term.Out : Width(graph, kept, term.OutSpace);

        private static long Width(BudgetGraph graph, IReadOnlyList<long> kept, int space) =>
            graph.Spaces[space].Gated ? kept[space] : graph.Spaces[space].Width;
    }
}
