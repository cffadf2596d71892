using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// One budget constraint <c>cost(kept) &lt;= K</c> over some game layers, and its price lambda (the constraint's
    /// multiplier, docs/equations.md section 1b). Each layer's <c>Gamma</c> is <c>lambda c_l</c>, with <c>c_l</c> the cost of
    /// one more kept group of that layer (<see cref="BudgetCost.Marginal"/>) in the model's <see cref="BudgetGraph"/>.
    /// </summary>
    public sealed class BudgetConstraint
    {
        internal BudgetConstraint(string scope, BudgetSpec spec, IReadOnlyList<int> layers, IReadOnlyList<ParticipationLayer> priced, IReadOnlyList<bool> inScope,
            int only, double dense, double target, double logPrice, double scale)
        {
            Scale = scale;
            Scope = scope;
            Spec = spec;
            LayerIndices = layers;
            Priced = priced;
            InScope = inScope;
            Only = only;
            Dense = dense;
            Target = target;
            LogPrice = logPrice;
        }

        /// <summary>What the budget covers: <c>model</c> for a class-level budget, else the layer's field name.</summary>
        public string Scope { get; }

        /// <summary>The declared budget.</summary>
        public BudgetSpec Spec { get; }

        /// <summary>The game layers this constraint prices, in the order of <see cref="LayerIndices"/>.</summary>
        internal IReadOnlyList<ParticipationLayer> Priced { get; }

        /// <summary>Per space of the budget graph: whether this constraint prices it (its <see cref="LayerIndices"/>).</summary>
        internal IReadOnlyList<bool> InScope { get; }

        /// <summary>Indices into the budget graph's spaces of the gated layers this constraint prices.</summary>
        internal IReadOnlyList<int> LayerIndices { get; }

        /// <summary>The space of a field-level budget's layer, or -1 for the class-level budget.</summary>
        internal int Only { get; }

        /// <summary>The scope's cost with every group kept.</summary>
        public double Dense { get; }

        /// <summary>
        /// The unit scale c: the mean cost of one more kept group of the priced layers at the dense widths (1 for groups). The
        /// price's bounds are <c>MinPrice / c .. MaxPrice / c</c>, so they bound the Gamma of an average group in any unit.
        /// </summary>
        public double Scale { get; }

        /// <summary>K, the budget in <see cref="BudgetSpec.Unit"/>s.</summary>
        public double Target { get; }

        /// <summary>U, the cost of the groups kept at the last step.</summary>
        public double Used { get; internal set; }

        /// <summary>The cost of the groups that will still be kept one lookahead ahead (what the price responds to).</summary>
        public double Projected { get; internal set; }

        /// <summary>log lambda.</summary>
        internal double LogPrice { get; set; }

        /// <summary>lambda, the price of one unit of the budget.</summary>
        public double Price => Math.Exp(LogPrice);

        /// <summary>Whether the kept groups fit the budget.</summary>
        public bool Met => Used <= Target;
    }

    /// <summary>The price and the cost of one budget at the end of an epoch.</summary>
    /// <param name="Epoch">The epoch.</param>
    /// <param name="Scope">The budget's scope (<c>model</c> or a layer).</param>
    /// <param name="Price">lambda.</param>
    /// <param name="Used">U, the cost of the kept groups.</param>
    /// <param name="Target">K.</param>
    public sealed record BudgetPricePoint(int Epoch, string Scope, double Price, double Used, double Target);

    /// <summary>What a budget did in a run.</summary>
    /// <param name="Constraints">Per budget: its target, what the kept set costs at the end and the final price.</param>
    /// <param name="SettledEpoch">The epoch in which the game ended (NaN if it never did).</param>
    /// <param name="SettledStep">The participation step at which it ended (-1 if it never did).</param>
    /// <param name="Forced">Whether the deadline ended it (<see cref="BudgetSpec.FineTuneEpochs"/>) rather than settling.</param>
    /// <param name="AccuracyAtSettle">Test accuracy right after the game ended (hard-pruned, folded), before the fine-tune.</param>
    /// <param name="Prices">Every budget's price and cost at the end of each epoch.</param>
    public sealed record BudgetOutcome(
        IReadOnlyList<BudgetConstraintOutcome> Constraints,
        double SettledEpoch,
        long SettledStep,
        bool Forced,
        double AccuracyAtSettle,
        IReadOnlyList<BudgetPricePoint> Prices)
    {
        internal const string AccuracyKey = "budget.accuracy_at_settle";
        internal const string EpochKey = "budget.settled_epoch";

        internal static BudgetOutcome From(BudgetController controller, IReadOnlyDictionary<string, double> values) => new(
            controller.Constraints.Select(c => new BudgetConstraintOutcome(c.Scope, c.Spec, c.Target, c.Used, c.Price)).ToList(),
            values.TryGetValue(EpochKey, out var e) ? e : double.NaN,
            controller.SettledAt ?? -1,
            controller.Forced,
            values.TryGetValue(AccuracyKey, out var a) ? a : double.NaN,
            controller.Prices.ToList());
    }

    /// <summary>One budget at the end of a run.</summary>
    /// <param name="Scope"><c>model</c> or the layer's field name.</param>
    /// <param name="Spec">The declared budget.</param>
    /// <param name="Target">K.</param>
    /// <param name="Used">What the kept groups cost at the end.</param>
    /// <param name="FinalPrice">lambda at the end.</param>
    public sealed record BudgetConstraintOutcome(string Scope, BudgetSpec Spec, double Target, double Used, double FinalPrice);

    /// <summary>
    /// The game's price controller: enforces the budgets of a model (<see cref="IBudgetedModel"/>, or one given in the
    /// options) by projected dual ascent on each budget's price (<see cref="GameEquations.PriceStep"/>), tracks whether the
    /// kept set has settled, and ends the game (<see cref="Settle"/>): hard pruning, the kept participations folded into
    /// the weights, participations frozen.
    /// </summary>
    public sealed class BudgetController
    {
        private readonly IReadOnlyList<ParticipationLayer> _layers;
        private readonly BudgetGraph _graph;
        private readonly int[] _spaceOf; // per game layer: the index of its space in the graph
        private readonly long _stepsPerEpoch;
        private Tensor[]? _reference;
        private readonly List<BudgetPricePoint> _prices = new();

        private BudgetController(IReadOnlyList<ParticipationLayer> layers, BudgetGraph graph, int[] spaceOf,
            IReadOnlyList<BudgetConstraint> constraints, long stepsPerEpoch)
        {
            _layers = layers;
            _graph = graph;
            _spaceOf = spaceOf;
            Constraints = constraints;
            _stepsPerEpoch = Math.Max(1, stepsPerEpoch);
            Measure();
            ApplyPrices();
        }

        /// <summary>The budgets, the class-level one (if any) first.</summary>
        public IReadOnlyList<BudgetConstraint> Constraints { get; }

        /// <summary>Every budget's price and cost at the end of each epoch so far.</summary>
        public IReadOnlyList<BudgetPricePoint> Prices => _prices;

        /// <summary>Whether every budget is met by the groups kept now.</summary>
        public bool Met => Constraints.All(c => c.Met);

        /// <summary>The step since which the kept set has not changed.</summary>
        public long StableSince { get; internal set; }

        /// <summary>The step at which the game ended, or null while it runs.</summary>
        public long? SettledAt { get; internal set; }

        /// <summary>Whether the game was ended by the deadline (<see cref="BudgetSpec.FineTuneEpochs"/>) rather than by settling.</summary>
        public bool Forced { get; internal set; }

        /// <summary>Epochs the kept set must stay unchanged (the largest any budget declares).</summary>
        public double SettleEpochs => Constraints.Max(c => c.Spec.SettleEpochs);

        /// <summary>Epochs reserved for the fine-tune (the largest any budget declares).</summary>
        public int FineTuneEpochs => Constraints.Max(c => c.Spec.FineTuneEpochs);

        /// <summary>
        /// The controller for <paramref name="game"/>'s budgets, or null when it has none: the class-level budget
        /// (<paramref name="modelBudget"/> when given, which replaces it) over every game layer without a budget of its own,
        /// and each field-level budget over its layer. What a budget counts is read from the model's channel plan
        /// (Linear and Conv2d layers, through adds, concatenations and flattens; a model without a plan: its Linear
        /// children as a chain). Throws an <see cref="ArgumentException"/> for an invalid budget, one that cannot be met
        /// (<see cref="BudgetCost.Infeasibility"/>, the rule of PD0029), one that covers no layer, or a MAC budget on
        /// convolutions without <paramref name="exampleShape"/>.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="game">Its game view.</param>
        /// <param name="modelBudget">A class-level budget that replaces the model's own, or null.</param>
        /// <param name="stepsPerEpoch">Participation steps per epoch (for <see cref="BudgetSpec.SettleEpochs"/>).</param>
        /// <param name="exampleShape">One example's shape (without the batch dimension), for the probe pass that finds each
        /// convolution's output size; null for models whose plan declares its input shape, or without convolutions.</param>
        public static BudgetController? Create(nn.Module model, IParticipationModel game, BudgetSpec? modelBudget, long stepsPerEpoch, long[]? exampleShape = null)
        {
            var budgeted = game as IBudgetedModel;
            var classBudget = modelBudget ?? budgeted?.ModelBudget;
            var layers = game.ParticipationLayers;
            var own = layers.Select(l => budgeted?.LayerBudget(l.Name)).ToArray();
            if (classBudget is null && own.All(b => b is null)) return null;
            var name = model.GetType().Name;

            int[] spaceOf;
            BudgetGraph graph;
            if (model is Graph.IChannelPlanModel planned)
            {
                var macs = new[] { classBudget }.Concat(own).Any(b => b?.Unit == BudgetUnit.Macs);
                graph = PlanBudgetGraph.Build(planned.ChannelPlan, model, layers, macs, exampleShape, out spaceOf);
                if (macs && !PlanBudgetGraph.CountsMacs(graph))
                    throw new ArgumentException($"A budget of '{name}' counts MACs, and its convolutions' output sizes are unknown: pass the shape of one example (GameTrainer does), or declare the input shape in the channel plan.", nameof(exampleShape));
            }
            else
            {
                var chain = new List<BudgetLayer>();
                var linears = new List<Linear>();
                foreach (var (childName, child) in model.named_children())
                {
                    if (child is not Linear linear) continue;
                    var gated = layers.Any(l => ReferenceEquals(l.Layer, linear));
                    chain.Add(new BudgetLayer(childName, linear.weight!.shape[1], linear.weight.shape[0], linear.bias is not null, gated));
                    linears.Add(linear);
                }
                spaceOf = layers.Select(l => linears.FindIndex(x => ReferenceEquals(x, l.Layer))).ToArray();
                for (var i = 0; i < layers.Count; i++)
                    if (spaceOf[i] < 0)
                        throw new ArgumentException($"The game layer '{layers[i].Name}' of '{name}' is not a direct Linear child of the model, so a budget cannot count it.");
                graph = BudgetGraph.FromChain(chain);
            }

            var constraints = new List<BudgetConstraint>();
            if (classBudget is not null)
            {
                classBudget.EnsureValid(name);
                var covered = Enumerable.Range(0, layers.Count).Where(i => own[i] is null).Select(i => spaceOf[i]).ToList();
                if (covered.Count == 0)
                    throw new ArgumentException($"The class-level budget of '{name}' covers no layer: every game layer has a [Budget] of its own. Remove one of them.");
                constraints.Add(NewConstraint("model", classBudget, graph, covered, -1, layers, spaceOf, name));
            }
            for (var i = 0; i < layers.Count; i++)
            {
                if (own[i] is not BudgetSpec spec) continue;
                spec.EnsureValid(layers[i].Name);
                constraints.Add(NewConstraint(layers[i].Name, spec, graph, new[] { spaceOf[i] }, spaceOf[i], layers, spaceOf, name));
            }
            return new BudgetController(layers, graph, spaceOf, constraints, stepsPerEpoch);
        }

        private static BudgetConstraint NewConstraint(string scope, BudgetSpec spec, BudgetGraph graph, IReadOnlyList<int> covered, int only,
            IReadOnlyList<ParticipationLayer> layers, int[] spaceOf, string model)
        {
            var inScope = graph.Spaces.Select((_, s) => covered.Contains(s)).ToArray();
            if (BudgetCost.Infeasibility(spec, graph, inScope, only) is string why)
                throw new ArgumentException($"The budget of '{(only < 0 ? model : scope)}' cannot be met: {why}. Raise it (PD0029).");
            var dense = BudgetCost.Dense(graph, spec.Unit, inScope, only);
            var target = spec.Target(dense);
            // Start where the declared costs are: the mean Gamma of the covered layers, per mean unit of marginal cost.
            var widths = graph.DenseWidths();
            var gammas = Enumerable.Range(0, layers.Count).Where(i => covered.Contains(spaceOf[i])).Select(i => layers[i].Cost.Gamma).ToList();
            var marginals = covered.Select(s => BudgetCost.Marginal(graph, widths, spec.Unit, s, only < 0)).ToList();
            var scale = marginals.Average();
            var start = Math.Max(gammas.Average(), CostDefaults.Gamma * 1e-3) / scale;
            var priced = covered.Select(s => layers[Array.IndexOf(spaceOf, s)]).ToList();
            return new BudgetConstraint(scope, spec, covered, priced, inScope, only, dense, target, GameEquations.ProjectPrice(Math.Log(start), scale), scale);
        }

        /// <summary>
        /// After a participation step (<paramref name="step"/> steps done): measures what the kept groups cost, moves every
        /// price one dual-ascent step (<see cref="GameEquations.PriceStep"/>), sets each layer's <c>Gamma</c> to its price and
        /// notes whether the kept set changed.
        /// </summary>
        /// <param name="step">Participation steps done.</param>
        public void Step(long step)
        {
            UpdateVelocity();
            var changed = Measure();
            if (changed) StableSince = step;
            var projected = ProjectedWidths();
            foreach (var c in Constraints)
            {
                c.Projected = BudgetCost.Of(_graph, projected, c.Spec.Unit, c.InScope, c.Only);
                c.LogPrice = GameEquations.PriceStep(c.LogPrice, c.Projected, c.Target, c.Spec.PriceStep, c.Scale);
            }
            Leaving = Constraints.Any(c => c.Projected < c.Used);
            ApplyPrices();
        }

        /// <summary>
        /// The drift of every participation, an exponential average of its change per step (rate
        /// <see cref="BudgetDefaults.VelocitySmoothing"/>): what the lookahead extrapolates.
        /// </summary>
        private void UpdateVelocity()
        {
            using var _ = no_grad();
            if (_previous is null || _velocity is null)
            {
                _previous = _layers.Select(l => l.Participation.detach().clone().DetachFromDisposeScope()).ToArray();
                _velocity = _layers.Select(l => zeros_like(l.Participation).DetachFromDisposeScope()).ToArray();
                return;
            }
            for (var i = 0; i < _layers.Count; i++)
            {
                using var delta = _layers[i].Participation - _previous[i];
                _velocity[i].mul_(1 - BudgetDefaults.VelocitySmoothing).add_(delta, alpha: BudgetDefaults.VelocitySmoothing);
                _previous[i].copy_(_layers[i].Participation);
            }
        }

        /// <summary>
        /// The kept widths one lookahead ahead: a kept group counts only if its participation, moved on by its drift for
        /// <see cref="BudgetDefaults.LookaheadEpochs"/> epochs, is still at or above Epsilon (a layer keeps at least one group).
        /// The price reacts to where the kept set is going, not to where it is: the groups already on their way out no longer
        /// call for a higher price, so it stops rising before they have crossed Epsilon (docs/equations.md, section 1b).
        /// </summary>
        private long[] ProjectedWidths()
        {
            var widths = (long[])_widths.Clone();
            if (_velocity is null) return widths;
            using var _ = no_grad();
            var horizon = BudgetDefaults.LookaheadEpochs * _stepsPerEpoch;
            for (var i = 0; i < _layers.Count; i++)
            {
                // The kept masks of this step, from Measure (which ran just before).
                using var ahead = _layers[i].Participation + _velocity[i] * horizon;
                using var stays = ahead.ge(_layers[i].Cost.Epsilon).logical_and_(_reference![i]);
                using var sum = stays.sum();
                widths[_spaceOf[i]] = Math.Max(Math.Min(1, widths[_spaceOf[i]]), sum.ToInt64());
            }
            return widths;
        }

        private Tensor[]? _previous;
        private Tensor[]? _velocity;

        /// <summary>
        /// Whether a kept group is on its way out at the last step: its participation, moved on by its drift for the lookahead,
        /// falls below Epsilon (what <see cref="BudgetConstraint.Projected"/> no longer counts).
        /// </summary>
        public bool Leaving { get; private set; }

        /// <summary>
        /// Whether the game should end now: every budget met, and either the kept set unchanged for <see cref="SettleEpochs"/>
        /// or a kept group on its way out (<see cref="Leaving"/>). Once the budget is met a departure only costs accuracy, and
        /// s = 0 is absorbing: a group that crosses Epsilon while the game waits for stability does not come back, however
        /// far the price falls (the overshoot the settle window alone let through: docs/equations.md, section 1b).
        /// </summary>
        /// <param name="step">Participation steps done.</param>
        public bool ReadyToSettle(long step) => SettledAt is null && Met && (Leaving || step - StableSince >= SettleEpochs * _stepsPerEpoch);

        /// <summary>Records every budget's price and cost at the end of <paramref name="epoch"/>.</summary>
        /// <param name="epoch">The epoch.</param>
        public void RecordEpoch(int epoch)
        {
            foreach (var c in Constraints) _prices.Add(new BudgetPricePoint(epoch, c.Scope, c.Price, c.Used, c.Target));
        }

        /// <summary>
        /// Makes the kept set fit every budget: while a budget is exceeded, its kept group with the lowest participation (in a
        /// layer that keeps more than one) is set to 0. What the deadline does when the price has not done it in time.
        /// </summary>
        public void ForceWithin()
        {
            using var _ = no_grad();
            foreach (var c in Constraints)
            {
                Measure();
                while (c.Used > c.Target)
                {
                    ParticipationLayer? weakest = null;
                    var weakestIndex = -1L;
                    var weakestValue = double.PositiveInfinity;
                    foreach (var layer in c.Priced)
                    {
                        using var keep = layer.KeepMask();
                        if (keep.sum().ToInt64() <= 1) continue;
                        using var masked = where(keep, layer.Participation, double.PositiveInfinity);
                        var index = masked.argmin().ToInt64();
                        var value = masked[index].ToDouble();
                        if (value < weakestValue) (weakest, weakestIndex, weakestValue) = (layer, index, value);
                    }
                    if (weakest is null) break;
                    weakest.Participation[weakestIndex] = 0;
                    Measure();
                }
            }
        }

        /// <summary>
        /// Ends the game: hard-prunes every game layer, folds the kept participations into the weights (each layer then
        /// computes the same function with its kept participations at 1) and records the step. The trainer stops stepping
        /// participations from here on.
        /// </summary>
        /// <param name="game">The model's game view.</param>
        /// <param name="step">Participation steps done.</param>
        /// <param name="forced">Whether the deadline ended it.</param>
        public void Settle(IParticipationModel game, long step, bool forced)
        {
            game.HardPrune();
            foreach (var layer in _layers) layer.FoldIntoWeights();
            Measure();
            SettledAt = step;
            Forced = forced;
        }

        /// <summary>Writes the controller's state into the numbers a checkpoint keeps.</summary>
        /// <param name="values">The session's values.</param>
        internal void WriteTo(IDictionary<string, double> values)
        {
            foreach (var c in Constraints) values["budget.log_price." + c.Scope] = c.LogPrice;
            values["budget.stable_since"] = StableSince;
            values["budget.settled_at"] = SettledAt ?? -1;
            values["budget.forced"] = Forced ? 1 : 0;
            for (var k = _pricesWritten; k < _prices.Count; k++)
            {
                var p = _prices[k];
                var key = string.Create(CultureInfo.InvariantCulture, $"{PricePrefix}{p.Epoch}.{p.Scope}.");
                values[key + "price"] = p.Price;
                values[key + "used"] = p.Used;
                values[key + "target"] = p.Target;
            }
            _pricesWritten = _prices.Count;
        }

        private int _pricesWritten; // price points already in the session's values (they never change once recorded)

        private const string PricePrefix = "budget.epoch.";

        /// <summary>The price points <see cref="WriteTo"/> wrote, in epoch order.</summary>
        private static IEnumerable<BudgetPricePoint> ReadPrices(IReadOnlyDictionary<string, double> values)
        {
            foreach (var (key, price) in values.Where(v => v.Key.StartsWith(PricePrefix, StringComparison.Ordinal) && v.Key.EndsWith(".price", StringComparison.Ordinal))
                         .Select(v => (v.Key, v.Value)).ToList())
            {
                var rest = key.Substring(PricePrefix.Length, key.Length - PricePrefix.Length - ".price".Length);
                var dot = rest.IndexOf('.');
                if (dot <= 0 || !int.TryParse(rest.Substring(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)) continue;
                var stem = key.Substring(0, key.Length - "price".Length);
                yield return new BudgetPricePoint(epoch, rest.Substring(dot + 1), price,
                    values.TryGetValue(stem + "used", out var used) ? used : double.NaN,
                    values.TryGetValue(stem + "target", out var target) ? target : double.NaN);
            }
        }

        /// <summary>Restores the state <see cref="WriteTo"/> wrote (after a checkpoint's tensors were loaded).</summary>
        /// <param name="values">The checkpoint's values.</param>
        internal void ReadFrom(IReadOnlyDictionary<string, double> values)
        {
            foreach (var c in Constraints)
                if (values.TryGetValue("budget.log_price." + c.Scope, out var p)) c.LogPrice = p;
            if (values.TryGetValue("budget.stable_since", out var since)) StableSince = (long)since;
            if (values.TryGetValue("budget.settled_at", out var at) && at >= 0) SettledAt = (long)at;
            if (values.TryGetValue("budget.forced", out var forced)) Forced = forced != 0;
            var order = Constraints.Select(c => c.Scope).ToList();
            _prices.Clear();
            _prices.AddRange(ReadPrices(values).OrderBy(p => p.Epoch).ThenBy(p => order.IndexOf(p.Scope)));
            _pricesWritten = _prices.Count;
            _reference = null;
            Measure();
            ApplyPrices();
        }

        /// <summary>
        /// The drift state of the lookahead (each participation at the last step and its averaged change per step), for a
        /// checkpoint: with it a resumed run prices exactly as the uninterrupted one. Empty before the first step.
        /// </summary>
        internal IEnumerable<(string Name, Tensor Tensor)> StateTensors()
        {
            if (_previous is null || _velocity is null) yield break;
            for (var i = 0; i < _layers.Count; i++)
            {
                yield return (StateName(i, "previous"), _previous[i]);
                yield return (StateName(i, "velocity"), _velocity[i]);
            }
        }

        /// <summary>Refuses a checkpoint whose drift state does not fit the game layers (before anything is loaded).</summary>
        /// <param name="contents">The checkpoint.</param>
        internal void ValidateState(Checkpoints.CheckpointContents contents)
        {
            var names = Enumerable.Range(0, _layers.Count).SelectMany(i => new[] { StateName(i, "previous"), StateName(i, "velocity") }).ToList();
            var present = names.Count(contents.Tensors.ContainsKey);
            if (present != 0 && present != names.Count)
                throw new Checkpoints.CheckpointException(contents.Path,
                    $"the budget's drift state is incomplete: it has {present} of the {names.Count} tensors 'budget/<layer>/previous|velocity' the game layers need ({string.Join(", ", names.Where(n => !contents.Tensors.ContainsKey(n)).Take(3))} missing).");
            for (var i = 0; i < _layers.Count; i++)
                foreach (var part in new[] { "previous", "velocity" })
                    if (contents.Tensors.TryGetValue(StateName(i, part), out var t) && !t.shape.SequenceEqual(_layers[i].Participation.shape))
                        throw new Checkpoints.CheckpointException(contents.Path,
                            $"the budget's drift state '{StateName(i, part)}' has shape [{string.Join(", ", t.shape)}], but layer '{_layers[i].Name}' has {_layers[i].Participation.shape[0]} groups.");
        }

        /// <summary>Restores the drift state <see cref="StateTensors"/> wrote (none: the drift average starts afresh, as at step 0).</summary>
        /// <param name="contents">The checkpoint.</param>
        internal void RestoreState(Checkpoints.CheckpointContents contents)
        {
            if (!contents.Tensors.ContainsKey(StateName(0, "previous")))
            {
                _previous = _velocity = null;
                return;
            }
            using var _ = no_grad();
            _previous = _layers.Select((l, i) => contents.Tensor(StateName(i, "previous")).to(l.Participation.dtype, l.Participation.device).clone().DetachFromDisposeScope()).ToArray();
            _velocity = _layers.Select((l, i) => contents.Tensor(StateName(i, "velocity")).to(l.Participation.dtype, l.Participation.device).clone().DetachFromDisposeScope()).ToArray();
        }

        private string StateName(int layer, string part) => $"budget/{_layers[layer].Name}/{part}";

        /// <summary>The budgets as invariant text, for the checkpoint's settings (a run resumes only under the same budgets).</summary>
        public string Describe() => string.Join("; ", Constraints.Select(c => string.Create(CultureInfo.InvariantCulture,
            $"{c.Scope}: {c.Spec.Describe()}, PriceStep {c.Spec.PriceStep:R}, SettleEpochs {c.Spec.SettleEpochs:R}, FineTuneEpochs {c.Spec.FineTuneEpochs}")));

        /// <summary>The kept widths per space of the budget graph.</summary>
        private long[] KeptWidths(out bool changed)
        {
            var widths = _graph.DenseWidths();
            changed = false;
            var masks = new Tensor[_layers.Count];
            for (var i = 0; i < _layers.Count; i++)
            {
                masks[i] = _layers[i].KeepMask().DetachFromDisposeScope();
                using var sum = masks[i].sum();
                widths[_spaceOf[i]] = sum.ToInt64();
                if (_reference is null || !Same(masks[i], _reference[i])) changed = true;
            }
            if (changed || _reference is null)
            {
                if (_reference is not null) foreach (var r in _reference) r.Dispose();
                _reference = masks;
            }
            else
            {
                foreach (var m in masks) m.Dispose();
            }
            return widths;
        }

        private static bool Same(Tensor a, Tensor b)
        {
            using var eq = a.eq(b);
            using var all = eq.all();
            return all.item<bool>();
        }

        private bool Measure()
        {
            var first = _reference is null;
            var widths = KeptWidths(out var changed);
            foreach (var c in Constraints)
            {
                c.Used = BudgetCost.Of(_graph, widths, c.Spec.Unit, c.InScope, c.Only);
            }
            _widths = widths;
            return changed && !first;
        }

        private long[] _widths = Array.Empty<long>();

        private void ApplyPrices()
        {
            foreach (var c in Constraints)
            {
                for (var k = 0; k < c.Priced.Count; k++)
                {
                    var layer = c.Priced[k];
                    layer.Cost = layer.Cost with { Gamma = c.Price * BudgetCost.Marginal(_graph, _widths, c.Spec.Unit, c.LayerIndices[k], c.Only < 0) };
                }
            }
        }
    }
}
