using System;
using System.Collections.Generic;
using PruneDsl.Evolution;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Pruning
{
    /// <summary>
    /// The one entry point of criterion-based pruning (as <c>torch.nn.utils.prune</c> has one per method, this class is
    /// the one that applies them all): every <see cref="PruneTarget"/> names a layer, the
    /// <see cref="IImportanceCriterion"/> that scores its groups and the <see cref="IPruningThreshold"/> that keeps some
    /// of them. Create it; when a criterion accumulates (Taylor, Fisher, Wanda), run a few batches through the model with
    /// <c>model.call(x)</c> and <c>loss.backward()</c>, calling <see cref="Observe"/> after each backward (or let
    /// <see cref="Calibrate"/> do it); then <see cref="Apply"/> (or <see cref="Plan"/> to decide without changing
    /// anything). Wanda's input hooks are installed from construction until <see cref="Dispose"/>.
    /// </summary>
    public sealed class CriterionPruner : IDisposable
    {
        private readonly List<PruneTarget> _targets;
        private readonly List<IDisposable> _hooks = new();
        private long _observed;

        /// <summary>Prepares pruning of <paramref name="targets"/> and hooks the layers whose criterion records inputs.</summary>
        /// <param name="targets">The layers, their criteria and thresholds; names unique.</param>
        /// <param name="scope">
        /// Per layer (default), or global: the threshold ranks all layers' scores together, which needs every target to
        /// share one threshold instance and scores that are comparable across layers.
        /// </param>
        /// <param name="minKeptPerLayer">
        /// The fewest groups any layer keeps (default 1, so no layer is emptied): a layer the threshold would leave with fewer
        /// keeps its highest-scoring groups up to that number (<see cref="MinimumKept"/>), which the report and
        /// <see cref="Warnings"/> say, or the pruner stops (<see cref="WhenLayerWouldBeEmpty"/>). 0 applies the threshold alone.
        /// </param>
        public CriterionPruner(IEnumerable<PruneTarget> targets, ThresholdScope scope = ThresholdScope.PerLayer, int minKeptPerLayer = 1)
        {
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (scope != ThresholdScope.PerLayer && scope != ThresholdScope.Global)
                throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown ThresholdScope.");
            if (minKeptPerLayer < 0)
                throw new ArgumentOutOfRangeException(nameof(minKeptPerLayer), minKeptPerLayer, "The fewest kept per layer cannot be negative.");
            _targets = new List<PruneTarget>(targets);
            if (_targets.Count == 0) throw new ArgumentException("Pass at least one layer to prune.", nameof(targets));
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in _targets)
            {
                if (t is null) throw new ArgumentException("A PruneTarget is null.", nameof(targets));
                if (!names.Add(t.Name))
                    throw new ArgumentException($"The layer name '{t.Name}' appears twice; every target needs its own name.", nameof(targets));
                if (scope == ThresholdScope.Global && !ReferenceEquals(t.Threshold, _targets[0].Threshold))
                    throw new ArgumentException(
                        $"Global ranking applies one threshold to every layer, but '{t.Name}' has {t.Threshold.Name} and '{_targets[0].Name}' has {_targets[0].Threshold.Name}. Give every target the same IPruningThreshold instance, or prune per layer.",
                        nameof(targets));
            }
            Scope = scope;
            MinKeptPerLayer = minKeptPerLayer;
            foreach (var t in _targets)
                if (t.Criterion is IAccumulatingCriterion accumulating) _hooks.Add(accumulating.Attach(t.Groups));
        }

        /// <summary>The layers, their criteria and thresholds.</summary>
        public IReadOnlyList<PruneTarget> Targets => _targets;

        /// <summary>Per layer or global ranking.</summary>
        public ThresholdScope Scope { get; }

        /// <summary>The fewest groups any layer keeps (per layer and global).</summary>
        public int MinKeptPerLayer { get; }

        /// <summary>
        /// What happens when a layer's threshold would keep fewer than <see cref="MinKeptPerLayer"/> groups: keep its best
        /// ones and warn (default), or throw an <see cref="EmptyLayerException"/> before anything is applied.
        /// </summary>
        public FaultAction WhenLayerWouldBeEmpty { get; set; } = FaultAction.Warn;

        /// <summary>Receives a <see cref="TrainingWarning"/> for every layer that kept groups only because of <see cref="MinKeptPerLayer"/> (may be null).</summary>
        public IProgress<TrainingWarning>? Warnings { get; set; }

        /// <summary>Whether any layer uses an accumulating criterion (Taylor, Fisher, Wanda), so batches must be observed.</summary>
        public bool NeedsObservation => _targets.Exists(t => t.Criterion is IAccumulatingCriterion);

        /// <summary>How many times <see cref="Observe"/> ran.</summary>
        public long ObservedBatches => _observed;

        /// <summary>
        /// Records the current batch for every layer with an accumulating criterion; call it after <c>loss.backward()</c>
        /// and before the gradients are zeroed.
        /// </summary>
        public void Observe()
        {
            foreach (var t in _targets)
                if (t.Criterion is IAccumulatingCriterion accumulating) accumulating.Observe(t.Groups);
            _observed++;
        }

        /// <summary>
        /// When any layer needs observation, runs up to <paramref name="batches"/> batches of <paramref name="data"/>
        /// through <paramref name="model"/> (forward, <paramref name="loss"/>, backward, <see cref="Observe"/>). The
        /// weights are not updated; gradients are zeroed before and after.
        /// </summary>
        /// <param name="model">The model the targets' layers belong to.</param>
        /// <param name="data">Calibration data.</param>
        /// <param name="loss">Loss of (outputs, labels), e.g. cross-entropy.</param>
        /// <param name="batchSize">Rows per batch; at least 1.</param>
        /// <param name="batches">How many batches to observe; at least 1.</param>
        /// <param name="progress">Receives the batches observed after each one (and may be null).</param>
        /// <returns>How many batches were observed (0 when no criterion accumulates).</returns>
        /// <remarks>
        /// The data is checked before any batch counts: it must not be empty, the model must run its inputs and every label
        /// must be one of the model's outputs. When the first batch fails these checks, whatever it left in criteria that
        /// had observed nothing before is forgotten, so the pruner can be calibrated again with fixed data.
        /// </remarks>
        public long Calibrate(nn.Module<Tensor, Tensor> model, LabeledData data, Func<Tensor, Tensor, Tensor> loss, int batchSize = 64, int batches = 4,
            IProgress<WorkProgress>? progress = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (loss is null) throw new ArgumentNullException(nameof(loss));
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "At least one batch must be observed.");
            DataChecks.EnsureNotEmpty(data, nameof(data), "calibration data", "CriterionPruner.Calibrate");
            if (!NeedsObservation) return 0;
            var before = _observed;
            var fresh = _targets.FindAll(t => t.Criterion is IAccumulatingCriterion a && a.ObservedBatches(t.Groups) == 0);
            var total = Math.Min(batches, (data.Count + batchSize - 1) / batchSize);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            model.zero_grad();
            for (long start = 0, b = 0; b < batches && start < data.Count; b++, start += batchSize)
            {
                using var scope = NewDisposeScope();
                var end = Math.Min(start + batchSize, data.Count);
                if (b == 0)
                {
                    try
                    {
                        Tensor output;
                        try
                        {
                            output = model.call(data.Inputs[TensorIndex.Slice(start, end)]);
                        }
                        catch (Exception e) when (DataChecks.IsTorchError(e))
                        {
                            throw DataChecks.ForwardFailed(model, data, "calibration data", "CriterionPruner.Calibrate", e);
                        }
                        DataChecks.EnsureLabelsInRange(data, output.shape[1], "calibration data", "CriterionPruner.Calibrate");
                        loss(output, data.Labels[TensorIndex.Slice(start, end)]).backward();
                    }
                    catch (ArgumentException)
                    {
                        model.zero_grad();
                        foreach (var t in fresh) ((IAccumulatingCriterion)t.Criterion).Reset();
                        throw;
                    }
                }
                else
                {
                    var output = model.call(data.Inputs[TensorIndex.Slice(start, end)]);
                    loss(output, data.Labels[TensorIndex.Slice(start, end)]).backward();
                }
                Observe();
                model.zero_grad();
                progress?.Report(new WorkProgress("calibration", b + 1, total, clock.Elapsed));
            }
            return _observed - before;
        }

        /// <summary>Scores every layer and decides its keep set without changing anything.</summary>
        public PruneReport Plan() => Decide(apply: false);

        /// <summary>
        /// Scores every layer, decides its keep set and applies it: a gated layer records it (its <c>HardPrune</c> and
        /// compaction honour it), a plain layer gets its pruned rows and biases zeroed (<see cref="ZeroPruned(Linear, KeepDecision)"/>).
        /// </summary>
        public PruneReport Apply() => Decide(apply: true);

        /// <summary>
        /// Zeroes the weight rows and bias entries of the neurons <paramref name="decision"/> prunes (in place, without
        /// recording gradients). Zeroing does not shrink the layer and an optimizer can regrow zeroed weights: call it again
        /// after optimizer steps, or compact the model, if they must stay zero.
        /// </summary>
        /// <param name="layer">The layer.</param>
        /// <param name="decision">A decision with one entry per output neuron of the layer.</param>
        public static void ZeroPruned(Linear layer, KeepDecision decision)
        {
            var weight = LinearGroups.Weight(layer, nameof(ZeroPruned));
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (decision.Count != weight.shape[0])
                throw new ArgumentException(
                    $"The decision covers {decision.Count} neurons but the layer has {weight.shape[0]} output neurons.", nameof(decision));
            using var _ = no_grad();
            using var mask = decision.ToTensor(weight.device);
            using var keep = mask.to(weight.dtype);
            using var rows = keep.unsqueeze(1);
            weight.mul_(rows);
            if (layer.bias is not null)
            {
                using var biasKeep = keep.to(layer.bias.dtype);
                layer.bias.mul_(biasKeep);
            }
        }

        /// <summary>
        /// Zeroes slice c of every member tensor of the channels <paramref name="decision"/> prunes (for one Linear's rows,
        /// <see cref="ZeroPruned(Linear, KeepDecision)"/>).
        /// </summary>
        /// <param name="groups">The groups.</param>
        /// <param name="decision">A decision with one entry per channel.</param>
        public static void ZeroPruned(ChannelGroups groups, KeepDecision decision)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear)
            {
                ZeroPruned(linear, decision);
                return;
            }
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (decision.Count != groups.Count)
                throw new ArgumentException($"The decision covers {decision.Count} channels but the space '{groups.Name}' has {groups.Count}.", nameof(decision));
            using var _ = no_grad();
            using var mask = decision.ToTensor(groups.Members[0].Weight!.device);
            groups.Scale(mask);
        }

        /// <summary>
        /// What the generated <c>PruneByCriteria</c> calls: applies every target's settings, first observing up to
        /// <paramref name="batches"/> batches of <paramref name="calibration"/> when a layer uses an accumulating criterion
        /// (and throwing, naming those layers, when no calibration data is given).
        /// </summary>
        /// <param name="model">The model; a <c>Module&lt;Tensor, Tensor&gt;</c> when calibration batches are run.</param>
        /// <param name="modelName">The model class, for messages.</param>
        /// <param name="targets">The gated layers and their settings.</param>
        /// <param name="calibration">Calibration data, or null.</param>
        /// <param name="loss">Loss of (outputs, labels); required with <paramref name="calibration"/>.</param>
        /// <param name="batchSize">Rows per batch.</param>
        /// <param name="batches">How many batches to observe.</param>
        public static PruneReport Prune(
            nn.Module model,
            string modelName,
            IEnumerable<PruneTarget> targets,
            LabeledData? calibration,
            Func<Tensor, Tensor, Tensor>? loss,
            int batchSize,
            int batches)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            using var pruner = new CriterionPruner(targets);
            if (calibration is null)
            {
                if (pruner.NeedsObservation)
                {
                    var names = string.Join(", ", pruner._targets.FindAll(t => t.Criterion is IAccumulatingCriterion).ConvertAll(t => $"{t.Name} ({t.Criterion.Name})"));
                    throw new InvalidOperationException(
                        $"{modelName}.PruneByCriteria: the layers {names} use accumulating criteria; pass calibration data and a loss so that a few batches can be observed.");
                }
                return pruner.Apply();
            }
            if (loss is null)
                throw new ArgumentNullException(nameof(loss), $"{modelName}.PruneByCriteria: calibration data was given without a loss; pass e.g. (o, y) => functional.cross_entropy(o, y).");
            if (model is not nn.Module<Tensor, Tensor> forward)
                throw new ArgumentException(
                    $"{modelName}.PruneByCriteria: observing calibration batches needs a Module<Tensor, Tensor>; {model.GetType().Name} is not one. Use CriterionPruner with Observe() after your own backward passes.",
                    nameof(model));
            pruner.Calibrate(forward, calibration, loss, batchSize, batches);
            return pruner.Apply();
        }

        /// <summary>Removes the hooks this pruner installed and frees the statistics of the criteria made from <c>[Prune]</c> settings.</summary>
        public void Dispose()
        {
            foreach (var hook in _hooks) hook.Dispose();
            _hooks.Clear();
            foreach (var t in _targets)
                if (t.OwnsCriterion && t.Criterion is IAccumulatingCriterion accumulating) accumulating.Reset();
        }

        private PruneReport Decide(bool apply)
        {
            var scores = new List<LayerScores>(_targets.Count);
            foreach (var t in _targets)
            {
                if (t.Criterion is IAccumulatingCriterion accumulating && accumulating.ObservedBatches(t.Groups) == 0)
                    throw new InvalidOperationException(
                        $"Layer '{t.Name}': the {t.Criterion.Name} criterion has observed no batch. Run calibration batches (forward through model.call(x), loss.backward(), then Observe()) before Apply(), or let CriterionPruner.Calibrate run them.");
                using var score = t.Criterion.Score(t.Groups);
                var values = ScoreRanking.ToArray(score);
                var groups = t.Groups.Count;
                if (values.Length != groups)
                    throw new InvalidOperationException(
                        $"Criterion '{t.Criterion.Name}' returned {values.Length} scores for layer '{t.Name}', which has {groups} output neurons.");
                scores.Add(new LayerScores(t.Name, values));
            }

            var decisions = new KeepDecision[_targets.Count];
            var floors = new int[_targets.Count];
            KeepDecision? global = null;
            if (Scope == ThresholdScope.Global)
            {
                var all = _targets[0].Threshold.Apply(scores, ThresholdScope.Global, MinKeptPerLayer);
                for (var i = 0; i < decisions.Length; i++)
                {
                    decisions[i] = all.Layers[i].Decision;
                    floors[i] = all.Layers[i].KeptByFloor;
                }
                global = all.Global;
            }
            else
            {
                for (var i = 0; i < decisions.Length; i++)
                {
                    var layer = _targets[i].Threshold.Apply(new[] { scores[i] }, ThresholdScope.PerLayer, MinKeptPerLayer).Layers[0];
                    decisions[i] = layer.Decision;
                    floors[i] = layer.KeptByFloor;
                }
            }

            var layers = new List<LayerPruneReport>(_targets.Count);
            for (var i = 0; i < _targets.Count; i++)
            {
                var t = _targets[i];
                layers.Add(new LayerPruneReport(t.Name, t.Criterion.Name, t.Threshold.Name, Array.AsReadOnly(scores[i].Scores), decisions[i]) { KeptByFloor = floors[i] });
            }
            var floored = layers.FindAll(l => l.KeptByFloor > 0);
            if (floored.Count > 0 && WhenLayerWouldBeEmpty == FaultAction.Stop)
            {
                var first = floored[0];
                throw new EmptyLayerException(
                    $"Layer '{first.Layer}': the {first.Threshold} threshold on {first.Criterion} scores would keep {first.Kept - first.KeptByFloor} of {first.Count} groups, " +
                    $"fewer than MinKeptPerLayer = {MinKeptPerLayer}; nothing was applied (WhenLayerWouldBeEmpty = Stop). Choose a threshold that keeps more, or set WhenLayerWouldBeEmpty = Warn to keep the best groups.",
                    first.Layer);
            }
            if (apply)
                for (var i = 0; i < _targets.Count; i++) Record(_targets[i], decisions[i]);
            foreach (var l in floored)
                Warnings?.Report(new TrainingWarning(WarningKind.LayerKeptBestGroup,
                    $"Layer '{l.Layer}': the {l.Threshold} threshold on {l.Criterion} scores would keep {l.Kept - l.KeptByFloor} of {l.Count} groups; " +
                    $"it keeps its {l.KeptByFloor} highest-scoring one(s) as well so that it keeps at least MinKeptPerLayer = {MinKeptPerLayer}.", Layer: l.Layer));
            return new PruneReport(Scope, apply, layers, global);
        }

        private static void Record(PruneTarget target, KeepDecision decision)
        {
            switch (target.Gate)
            {
                case ParticipationLayer participation: participation.Keep(decision); break;
                case PopulationLayer population: population.Keep(decision); break;
                default: ZeroPruned(target.Groups, decision); break;
            }
        }
    }
}
