using System;
using static TorchSharp.torch;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// Keeps a fixed fraction: prunes the <c>round(p N)</c> lowest-scoring components (rounding half to even, as
    /// PyTorch's <c>torch.nn.utils.prune</c> does for a float amount) and keeps the rest, but always at least one.
    /// Ties go to the lower index. Signed scores need no shift: only their order matters.
    /// </summary>
    public sealed class TargetSparsity : IPruningThreshold
    {
        /// <summary>Creates the threshold.</summary>
        /// <param name="sparsity">p, the fraction to prune, in [0, 1).</param>
        public TargetSparsity(double sparsity)
        {
            if (double.IsNaN(sparsity) || sparsity < 0 || sparsity >= 1)
                throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity,
                    "TargetSparsity: the sparsity is the fraction of components to prune and must lie in [0, 1) (e.g. 0.5 prunes half).");
            Sparsity = sparsity;
        }

        /// <summary>p, the fraction of components to prune.</summary>
        public double Sparsity { get; }

        /// <inheritdoc />
        public string Name => FormattableString.Invariant($"target-sparsity({Sparsity:R})");

        /// <summary>How many of <paramref name="count"/> components are kept: <c>max(1, N - round(p N))</c>.</summary>
        /// <param name="count">N, at least 1.</param>
        public int KeepCount(int count)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "TargetSparsity needs at least one scored component.");
            var pruned = (int)Math.Round(Sparsity * count, MidpointRounding.ToEven);
            return Math.Max(1, count - pruned);
        }

        /// <inheritdoc />
        public KeepDecision Select(ReadOnlySpan<double> scores)
        {
            ScoreRanking.EnsureValid(scores, Name);
            return new KeepDecision(ScoreRanking.TopMask(scores, KeepCount(scores.Length)));
        }

        /// <summary>Selects from the elements of a tensor (any shape, dtype and device; flattened).</summary>
        /// <param name="scores">The scores; at least one element.</param>
        public KeepDecision Select(Tensor scores) => Select(ScoreRanking.ToArray(scores));
    }
}
