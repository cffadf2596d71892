using System;
using System.Collections.Generic;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Pruning
{
    /// <summary>
    /// Applies <c>[Prune]</c> settings to several gated layers, including accumulating criteria: create it, run a few
    /// calibration batches through the model (forward via <c>model.call(x)</c>, <c>loss.backward()</c>) calling
    /// <see cref="Observe"/> after each backward, then <see cref="Apply"/>. Wanda's input recording is hooked in from
    /// construction until <see cref="Dispose"/>. <see cref="Run"/> does all of this on labeled data.
    /// </summary>
    public sealed class CriterionPruner : IDisposable
    {
        private readonly List<PruneTarget> _targets;
        private readonly TaylorCriterion _taylor = new();
        private readonly FisherCriterion _fisher = new();
        private readonly WandaCriterion _wanda = new();
        private long _observed;

        /// <summary>Prepares pruning of <paramref name="targets"/>; validates every spec and hooks Wanda's layers.</summary>
        /// <param name="targets">The gated layers and their settings.</param>
        public CriterionPruner(IEnumerable<PruneTarget> targets)
        {
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            _targets = new List<PruneTarget>(targets);
            foreach (var t in _targets)
            {
                if (t?.Gate is null || t.Spec is null)
                    throw new ArgumentException("Every PruneTarget needs a gate and a spec.", nameof(targets));
                t.Spec.EnsureValid(t.Gate.Name);
                if (t.Spec.Criterion == Criterion.Wanda) _wanda.Attach(t.Gate.Layer);
            }
        }

        /// <summary>The layers and their settings.</summary>
        public IReadOnlyList<PruneTarget> Targets => _targets;

        /// <summary>Whether any layer uses an accumulating criterion (Taylor, Fisher or Wanda).</summary>
        public bool NeedsObservation => _targets.Exists(t => t.Spec.NeedsObservation);

        /// <summary>How many times <see cref="Observe"/> ran.</summary>
        public long ObservedBatches => _observed;

        /// <summary>
        /// Records the current batch for Taylor and Fisher layers from the gradients on their weights; call it after
        /// <c>loss.backward()</c> and before the gradients are zeroed. (Wanda records inputs during the forward pass.)
        /// </summary>
        public void Observe()
        {
            foreach (var t in _targets)
            {
                if (t.Spec.Criterion == Criterion.Taylor) _taylor.Observe(t.Gate.Layer);
                else if (t.Spec.Criterion == Criterion.Fisher) _fisher.Observe(t.Gate.Layer);
            }
            _observed++;
        }

        /// <summary>Scores every layer, decides and records its keep set, and reports it (one report per layer, in order).</summary>
        public IReadOnlyList<LayerPruneReport> Apply()
        {
            var reports = new List<LayerPruneReport>(_targets.Count);
            foreach (var t in _targets)
            {
                IImportanceCriterion? observed = t.Spec.Criterion switch
                {
                    Criterion.Taylor => _taylor,
                    Criterion.Fisher => _fisher,
                    Criterion.Wanda => _wanda,
                    _ => null,
                };
                if (observed is IAccumulatingCriterion acc && acc.ObservedBatches(t.Gate.Layer) == 0
                    || observed is WandaCriterion w && w.ObservedBatches(t.Gate.Layer) == 0)
                    throw new InvalidOperationException(
                        $"Layer '{t.Gate.Name}': the {t.Spec.Criterion} criterion has observed no batch. Run calibration batches (forward through model.call, loss.backward(), then Observe()) before Apply().");
                reports.Add(CriterionPruning.Apply(t.Gate, t.Spec, CriterionPruning.Score(t.Gate, t.Spec, observed)));
            }
            return reports;
        }

        /// <summary>
        /// Runs up to <paramref name="batches"/> batches of <paramref name="data"/> through <paramref name="model"/>
        /// (forward, <paramref name="loss"/>, backward, <see cref="Observe"/>) when any layer needs observation, then
        /// applies every layer's settings. The weights are not updated; gradients are zeroed before and after.
        /// </summary>
        /// <param name="model">The model (its layers are the targets' layers).</param>
        /// <param name="targets">The gated layers and their settings.</param>
        /// <param name="data">Calibration data.</param>
        /// <param name="loss">Loss of (outputs, labels), e.g. cross-entropy.</param>
        /// <param name="batchSize">Rows per batch; at least 1.</param>
        /// <param name="batches">How many batches to observe; at least 1.</param>
        public static IReadOnlyList<LayerPruneReport> Run(
            nn.Module<Tensor, Tensor> model,
            IEnumerable<PruneTarget> targets,
            LabeledData data,
            Func<Tensor, Tensor, Tensor> loss,
            int batchSize = 64,
            int batches = 4)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (data is null) throw new ArgumentNullException(nameof(data));
            if (loss is null) throw new ArgumentNullException(nameof(loss));
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "At least one batch must be observed.");
            using var pruner = new CriterionPruner(targets);
            if (pruner.NeedsObservation)
            {
                if (data.Count < 1) throw new ArgumentException("The calibration data is empty; accumulating criteria need at least one batch.", nameof(data));
                model.zero_grad();
                for (long start = 0, b = 0; b < batches && start < data.Count; b++, start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    var end = Math.Min(start + batchSize, data.Count);
                    var x = data.Inputs[TensorIndex.Slice(start, end)];
                    var y = data.Labels[TensorIndex.Slice(start, end)];
                    var output = model.call(x);
                    var l = loss(output, y);
                    l.backward();
                    pruner.Observe();
                    model.zero_grad();
                }
            }
            return pruner.Apply();
        }

        /// <summary>
        /// What the generated <c>PruneByCriteria</c> calls: without <paramref name="calibration"/> it applies the
        /// non-accumulating criteria directly (and throws when a layer needs observed batches); with it, it runs
        /// <see cref="Run"/>.
        /// </summary>
        /// <param name="model">The model; a <c>Module&lt;Tensor, Tensor&gt;</c> when calibration batches are run.</param>
        /// <param name="modelName">The model class, for messages.</param>
        /// <param name="targets">The gated layers and their settings.</param>
        /// <param name="calibration">Calibration data, or null.</param>
        /// <param name="loss">Loss of (outputs, labels); required with <paramref name="calibration"/>.</param>
        /// <param name="batchSize">Rows per batch.</param>
        /// <param name="batches">How many batches to observe.</param>
        public static IReadOnlyList<LayerPruneReport> Prune(
            nn.Module model,
            string modelName,
            IEnumerable<PruneTarget> targets,
            LabeledData? calibration,
            Func<Tensor, Tensor, Tensor>? loss,
            int batchSize,
            int batches)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (calibration is null)
            {
                using var pruner = new CriterionPruner(targets);
                if (pruner.NeedsObservation)
                {
                    var names = string.Join(", ", pruner._targets.FindAll(t => t.Spec.NeedsObservation).ConvertAll(t => $"{t.Gate.Name} ({t.Spec.Criterion})"));
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
            return Run(forward, targets, calibration, loss, batchSize, batches);
        }

        /// <summary>Removes Wanda's hooks and frees the accumulated statistics.</summary>
        public void Dispose()
        {
            _taylor.Reset();
            _fisher.Reset();
            _wanda.Dispose();
        }
    }
}
