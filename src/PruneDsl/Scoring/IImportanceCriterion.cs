using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Scores the output neurons of a Linear layer for structured pruning: one score per row of the weight (the
    /// neuron's fan-in row and its bias form the group). Higher means more important. Feed the scores to an
    /// <see cref="PruneDsl.Thresholds.IPruningThreshold"/>, or let <see cref="StructuredPruner"/> do both.
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
    }

    /// <summary>
    /// A criterion that accumulates statistics over training batches (gradients). The trainer calls
    /// <see cref="Observe"/> for each scored layer once per batch, after <c>loss.backward()</c> and before the
    /// optimizer zeroes the gradients; <see cref="IImportanceCriterion.Score"/> then uses everything observed.
    /// </summary>
    public interface IAccumulatingCriterion : IImportanceCriterion
    {
        /// <summary>Records the current batch's statistics for <paramref name="layer"/> (reads its gradients).</summary>
        /// <param name="layer">A layer whose parameters hold this batch's gradients.</param>
        void Observe(Linear layer);

        /// <summary>How many batches have been observed for <paramref name="layer"/> since the last <see cref="Reset"/>.</summary>
        /// <param name="layer">The layer.</param>
        long ObservedBatches(Linear layer);

        /// <summary>Forgets everything observed, for every layer, and frees the accumulators.</summary>
        void Reset();
    }
}
