using System;
using static TorchSharp.torch;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// Decides which scored components to keep from a score vector (higher score = more important). Implementations:
    /// <see cref="EffectiveModelPruning"/> (adaptive, from the score distribution) and <see cref="TargetSparsity"/>
    /// (a fixed fraction). Any importance criterion can be used with either; apply one across several layers with
    /// <see cref="LayerwiseThreshold.Apply"/>.
    /// </summary>
    public interface IPruningThreshold
    {
        /// <summary>A short name for reports, e.g. <c>emp(beta=1)</c> or <c>target-sparsity(0.5)</c>.</summary>
        string Name { get; }

        /// <summary>
        /// Chooses the components to keep. Ties are broken deterministically: among equal scores the lower index is kept.
        /// </summary>
        /// <param name="scores">One finite score per component; at least one.</param>
        KeepDecision Select(ReadOnlySpan<double> scores);
    }

    /// <summary>Conveniences for every <see cref="IPruningThreshold"/>.</summary>
    public static class PruningThresholdExtensions
    {
        /// <summary>Selects from the elements of a tensor with any threshold (any shape, dtype and device; flattened, read as float64).</summary>
        /// <param name="threshold">The threshold.</param>
        /// <param name="scores">The scores; at least one element.</param>
        public static KeepDecision Select(this IPruningThreshold threshold, Tensor scores)
        {
            if (threshold is null) throw new ArgumentNullException(nameof(threshold));
            return threshold.Select(ScoreRanking.ToArray(scores));
        }
    }
}
