using System;
using System.Globalization;
using PruneDsl.Spec;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// What a one-shot weight pruner removes from a layer: a fraction of its weights (unstructured), or all but N of every
    /// M consecutive input weights of each row (N:M; the same groups as <see cref="Sparsity.NmSparsity"/>).
    /// </summary>
    public readonly record struct PruneTarget
    {
        private PruneTarget(double sparsity, SparsityPattern? pattern)
        {
            Sparsity = sparsity;
            Pattern = pattern;
        }

        /// <summary>The fraction of weights removed (for N:M, <c>1 - N/M</c>).</summary>
        public double Sparsity { get; }

        /// <summary>The N:M pattern, or null for unstructured.</summary>
        public SparsityPattern? Pattern { get; }

        /// <summary>True when nothing is removed (unstructured at 0).</summary>
        public bool IsNone => Pattern is null && Sparsity == 0;

        /// <summary>Unstructured: remove <c>round(sparsity * count)</c> weights (half to even), the rest kept.</summary>
        /// <param name="sparsity">The fraction to remove, in [0, 1).</param>
        public static PruneTarget Unstructured(double sparsity)
        {
            if (double.IsNaN(sparsity) || sparsity < 0 || sparsity >= 1)
                throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "The unstructured sparsity is the fraction of weights removed and must lie in [0, 1).");
            return new PruneTarget(sparsity, null);
        }

        /// <summary>N:M: keep N of every M consecutive input weights of each row.</summary>
        /// <param name="pattern">The pattern.</param>
        public static PruneTarget NM(SparsityPattern pattern) => new(pattern.Sparsity, pattern);

        /// <summary>N:M from its text, e.g. <c>"2:4"</c>.</summary>
        /// <param name="pattern">The pattern.</param>
        public static PruneTarget NM(string pattern) => NM(SparsityPattern.Parse(pattern));

        /// <summary>The target a <see cref="ReconstructionSpec"/> declares: its <c>Pattern</c> when set, else its <c>Sparsity</c>.</summary>
        /// <param name="spec">A valid spec.</param>
        public static PruneTarget From(ReconstructionSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            return spec.Pattern is null ? Unstructured(spec.Sparsity) : NM(spec.Pattern);
        }

        /// <summary>
        /// How many weights of <paramref name="count"/> an unstructured target removes: the rule of
        /// <see cref="Thresholds.TargetSparsity"/> (<c>round(sparsity * count)</c>, half to even, at least one kept).
        /// </summary>
        /// <param name="count">Number of weights, 1 .. int.MaxValue.</param>
        public long PruneCount(long count) =>
            count - new Thresholds.TargetSparsity(Sparsity).KeepCount(checked((int)count));

        /// <inheritdoc />
        public override string ToString() =>
            Pattern is { } p ? p.ToString() : (Sparsity * 100).ToString("0.##", CultureInfo.InvariantCulture) + "% unstructured";
    }
}
