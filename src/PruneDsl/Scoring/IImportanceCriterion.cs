using System;
using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// The one contract of the importance criteria: scores the output neurons of a Linear layer for structured pruning,
    /// one score per row of the weight (the neuron's fan-in row and its bias form the group). Higher means more
    /// important. One class per method: <see cref="MagnitudeCriterion"/> (L1, L2), <see cref="TaylorCriterion"/>,
    /// <see cref="FisherCriterion"/>, <see cref="WandaCriterion"/>, <see cref="MovementCriterion"/> and
    /// <see cref="GateCriterion"/>. <see cref="PruneDsl.Pruning.CriterionPruner"/> turns the scores into a keep decision
    /// with an <see cref="PruneDsl.Thresholds.IPruningThreshold"/> and applies it.
    /// </summary>
    public interface IImportanceCriterion
    {
        /// <summary>A short name for reports, e.g. <c>magnitude-l2</c>.</summary>
        string Name { get; }

        /// <summary>
        /// The scores of <paramref name="layer"/>'s output neurons: a new detached float64 tensor of shape
        /// [out_features] on the layer's device (the caller disposes it). Does not change the layer.
        /// </summary>
        /// <param name="layer">The layer to score.</param>
        Tensor Score(Linear layer);

        /// <summary>
        /// The scores of the groups (channels) of a channel space: a new detached float64 tensor of shape [channels], from
        /// slice c of the groups' member tensors. The built-in criteria score every shape of space; the default
        /// implementation scores one Linear's rows with <see cref="Score(Linear)"/> and refuses anything else.
        /// </summary>
        /// <param name="groups">The groups to score.</param>
        Tensor Score(ChannelGroups groups) => groups?.SingleLinear is { } linear
            ? Score(linear)
            : throw ChannelScoring.NotSupported(Name, groups);
    }

    /// <summary>
    /// A criterion that accumulates statistics over calibration or training batches before it can score: Taylor and
    /// Fisher read the gradients after each backward pass (<see cref="Observe(Linear)"/>), Wanda records the inputs during each
    /// forward pass (through the hook <see cref="Attach(Linear)"/> installs). The caller attaches every scored layer once, runs
    /// the batches, calls <see cref="Observe(Linear)"/> for each layer after <c>loss.backward()</c> and before the gradients are
    /// zeroed, and then scores; <see cref="PruneDsl.Pruning.CriterionPruner"/> does all of this.
    /// </summary>
    public interface IAccumulatingCriterion : IImportanceCriterion
    {
        /// <summary>
        /// Prepares <paramref name="layer"/> for observation and returns the handle that ends it: Wanda installs a forward
        /// pre-hook that records the layer's inputs (hooks run only through <c>module.call(x)</c>); criteria that read
        /// gradients need no hook and return a handle that does nothing.
        /// </summary>
        /// <param name="layer">The layer to observe.</param>
        IDisposable Attach(Linear layer);

        /// <summary>
        /// Records the current batch's statistics for <paramref name="layer"/> from its gradients (Taylor, Fisher); call it
        /// after <c>loss.backward()</c> and before the gradients are zeroed. Wanda records inputs in the forward pass
        /// instead, so its <see cref="Observe(Linear)"/> does nothing.
        /// </summary>
        /// <param name="layer">A layer whose parameters hold this batch's gradients.</param>
        void Observe(Linear layer);

        /// <summary>How many batches have been observed for <paramref name="layer"/> since the last <see cref="Reset"/>.</summary>
        /// <param name="layer">The layer.</param>
        long ObservedBatches(Linear layer);

        /// <summary>Forgets everything observed, for every layer, and frees the accumulators.</summary>
        void Reset();

        /// <summary>
        /// <see cref="Attach(Linear)"/> for the groups of a channel space (hooks on every module whose inputs matter). The
        /// default handles one Linear's rows.
        /// </summary>
        /// <param name="groups">The groups to observe.</param>
        IDisposable Attach(ChannelGroups groups) => groups?.SingleLinear is { } linear ? Attach(linear) : throw ChannelScoring.NotSupported(Name, groups);

        /// <summary><see cref="Observe(Linear)"/> for the groups of a channel space. The default handles one Linear's rows.</summary>
        /// <param name="groups">Groups whose member tensors hold this batch's gradients.</param>
        void Observe(ChannelGroups groups)
        {
            if (groups?.SingleLinear is { } linear) Observe(linear);
            else throw ChannelScoring.NotSupported(Name, groups);
        }

        /// <summary><see cref="ObservedBatches(Linear)"/> for the groups of a channel space.</summary>
        /// <param name="groups">The groups.</param>
        long ObservedBatches(ChannelGroups groups) => groups?.SingleLinear is { } linear ? ObservedBatches(linear) : 0;
    }
}
