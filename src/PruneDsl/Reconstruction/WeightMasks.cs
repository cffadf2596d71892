using System;
using PruneDsl.Sparsity;
using PruneDsl.Thresholds;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// Turns per-weight scores into a keep-mask for a <see cref="PruneTarget"/>, with the rules the library already has:
    /// N:M keeps the N largest scores of every group of M consecutive inputs (<see cref="NmSparsity.ComputeMask"/>),
    /// unstructured keeps all but the <c>round(p N)</c> smallest (<see cref="TargetSparsity"/>); ties always keep the lower
    /// index. Used by SparseGPT (score <c>w^2 / [H^-1]_jj^2</c>) and by the magnitude (<c>|w|</c>) and Wanda
    /// (<c>|w| ||x_j||</c>) baselines, so the three differ only in their score and their update.
    /// </summary>
    public static class WeightMasks
    {
        /// <summary>
        /// The keep-mask of <paramref name="scores"/> <c>[rows, columns]</c> (higher = more important, non-negative):
        /// N:M per group of M columns, or unstructured over the whole matrix (<paramref name="perRow"/> false, magnitude
        /// pruning's comparison group) or within each row (true, Wanda's).
        /// </summary>
        /// <param name="scores">Non-negative scores, 2-D, any floating dtype (CPU).</param>
        /// <param name="target">What to remove.</param>
        /// <param name="perRow">Unstructured only: compare within each row instead of over the whole matrix.</param>
        /// <param name="layerName">The layer, for messages.</param>
        /// <returns>A new bool CPU tensor of the scores' shape, true where a weight is kept.</returns>
        public static Tensor Select(Tensor scores, PruneTarget target, bool perRow = false, string layerName = "weight")
        {
            if (scores is null) throw new ArgumentNullException(nameof(scores));
            if (scores.dim() != 2)
                throw new ArgumentException($"Layer '{layerName}': scores must be 2-D [out, in], got [{string.Join(", ", scores.shape)}].", nameof(scores));
            if (target.Pattern is { } pattern) return NmSparsity.ComputeMask(scores.cpu(), pattern, layerName);
            long rows = scores.shape[0], columns = scores.shape[1];
            if (!perRow) return KeepAllButSmallest(scores, target.PruneCount(rows * columns));
            using var scope = NewDisposeScope();
            var prune = target.PruneCount(columns);
            var mask = empty(rows, columns, dtype: ScalarType.Bool);
            for (long r = 0; r < rows; r++) mask[r].copy_(KeepAllButSmallest(scores[r].unsqueeze(0), prune).squeeze(0));
            return mask.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Keeps every element but the <paramref name="prune"/> smallest scores (ties: the lower flat index is kept), as a
        /// new bool CPU tensor of the scores' shape.
        /// </summary>
        /// <param name="scores">The scores, any shape.</param>
        /// <param name="prune">How many to remove, 0 .. numel.</param>
        public static Tensor KeepAllButSmallest(Tensor scores, long prune)
        {
            if (scores is null) throw new ArgumentNullException(nameof(scores));
            var count = scores.numel();
            if (prune < 0 || prune > count)
                throw new ArgumentOutOfRangeException(nameof(prune), prune, $"Cannot remove {prune} of {count} weights.");
            var keep = ScoreRanking.TopMask(ScoreRanking.ToArray(scores), checked((int)(count - prune)));
            return tensor(keep, scores.shape);
        }

        /// <summary>
        /// The keep-mask of a managed block of scores, row-major <c>[rows, columns]</c>: all but the <paramref name="prune"/>
        /// smallest (ties keep the lower index), as the SparseGPT sweep needs it without a tensor round trip.
        /// </summary>
        internal static bool[] KeepAllButSmallest(double[] scores, long prune) =>
            ScoreRanking.TopMask(scores, checked((int)(scores.Length - prune)));
    }
}
