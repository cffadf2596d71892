using System;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// Effective Model Pruning (arXiv 2509.25606; docs/equations.md section 3): keeps the top <c>nu = floor(beta N_eff)</c>
    /// components, where <c>N_eff = 1 / sum_i omega_i^2</c> is the effective sample size of the normalized scores
    /// <c>omega_i = |s_i| / sum_j |s_j|</c>. Works for any score vector.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Signed scores: when any score is negative every score is shifted by the minimum first
    /// (<c>s_i - min_j s_j</c>), so the lowest score gets mass 0; the ranking is unchanged.</item>
    /// <item>The count: <c>nu</c> is clamped to <c>[1, N]</c> (at least one component is always kept; beta &gt; 1 never
    /// asks for more than N). Exactly <c>nu</c> components are kept, ties going to the lower index (the reference code's
    /// quick start keeps <c>nu + 1</c>: threshold = <c>sorted_desc[nu]</c> with <c>&gt;=</c>; this class does not).</item>
    /// <item>The certificate: every call computes the retained mass <c>s_eff</c> and checks it against the corrected
    /// Theorem 4.2 bound (<see cref="EffectiveModelPruningMath.RetainedMassLowerBound"/>); a violation throws, since it
    /// would mean a bug. The published bound is false when <c>nu = 1</c>; the result says when the scores are such a
    /// case (<see cref="EffectiveModelPruningResult.PublishedBoundViolated"/>).</item>
    /// <item>All-zero scores (or all-equal signed scores, which the shift turns into zeros) have no effective sample
    /// size and throw an <see cref="ArgumentException"/>.</item>
    /// </list>
    /// </remarks>
    public sealed class EffectiveModelPruning : IPruningThreshold
    {
        /// <summary>Absolute slack allowed between the retained mass and the bound (floating-point rounding only).</summary>
        public const double BoundTolerance = 1e-9;

        /// <summary>EMP with beta = 1, the paper's setting.</summary>
        public static EffectiveModelPruning Default { get; } = new EffectiveModelPruning();

        /// <summary>Creates the threshold.</summary>
        /// <param name="beta">Multiplier of <c>N_eff</c> in the keep count; finite and greater than 0 (default 1).</param>
        public EffectiveModelPruning(double beta = EffectiveModelPruningMath.DefaultBeta)
        {
            var problem = EffectiveModelPruningMath.CheckBeta(beta);
            if (problem.HasValue)
                throw new ArgumentOutOfRangeException(nameof(beta), beta, $"EffectiveModelPruning: {problem.Value}.");
            Beta = beta;
        }

        /// <summary>Multiplier of <c>N_eff</c> in the keep count.</summary>
        public double Beta { get; }

        /// <inheritdoc />
        public string Name => FormattableString.Invariant($"emp(beta={Beta:R})");

        /// <summary>Runs EMP on <paramref name="scores"/> and returns the kept components with the bound certificate.</summary>
        /// <param name="scores">One finite score per component (at least one), not all equal to zero after the shift.</param>
        public EffectiveModelPruningResult Select(ReadOnlySpan<double> scores)
        {
            ScoreRanking.EnsureValid(scores, Name);
            var n = scores.Length;

            var min = double.PositiveInfinity;
            foreach (var s in scores) min = Math.Min(min, s);
            var shift = min < 0 ? min : 0.0;

            // Shifted, non-negative scores, rescaled by their maximum so that the sums cannot overflow.
            var x = new double[n];
            var max = 0.0;
            for (var i = 0; i < n; i++)
            {
                x[i] = scores[i] - shift;
                max = Math.Max(max, x[i]);
            }
            if (!(max > 0))
                throw new ArgumentException(
                    shift < 0
                        ? $"{Name}: all {n} scores are equal ({min}); after the shift s - min they are all zero, so nothing tells the components apart. Use a criterion that distinguishes them, or keep everything."
                        : $"{Name}: all {n} scores are zero, so the effective sample size is undefined. Check the criterion (e.g. gradients were zeroed before Observe, or no batch was observed).",
                    nameof(scores));
            double sum = 0, sumSquares = 0;
            for (var i = 0; i < n; i++)
            {
                x[i] /= max;
                sum += x[i];
                sumSquares += x[i] * x[i];
            }

            var effective = EffectiveModelPruningMath.EffectiveSampleSize(sum, sumSquares);
            var keep = EffectiveModelPruningMath.KeepCount(effective, Beta, n);
            // Rank the raw scores: the order is shift-invariant, and shifting can merge scores that differ only far below
            // the shift's magnitude.
            var mask = ScoreRanking.TopMask(scores, keep);

            double keptSum = 0;
            for (var i = 0; i < n; i++) if (mask[i]) keptSum += x[i];
            var retained = Math.Min(1.0, keptSum / sum);

            var bound = EffectiveModelPruningMath.RetainedMassLowerBound(keep, effective, n);
            var published = EffectiveModelPruningMath.PublishedRetainedMassLowerBound(keep, effective, n);
            if (retained < bound - BoundTolerance)
                throw new InvalidOperationException(
                    FormattableString.Invariant(
                        $"{Name}: retained mass {retained:R} is below the corrected Theorem 4.2 bound {bound:R} (N = {n}, N_eff = {effective:R}, nu = {keep}). This is a bug in PruneDsl; please report it with the scores."));

            return new EffectiveModelPruningResult(
                mask,
                effectiveSampleSize: effective,
                beta: Beta,
                theoremKeepCount: EffectiveModelPruningMath.KeepCount(effective, EffectiveModelPruningMath.DefaultBeta, n),
                retainedMass: retained,
                lowerBound: bound,
                publishedLowerBound: published,
                publishedBoundViolated: retained < published - BoundTolerance,
                shift: shift);
        }

        /// <summary>Runs EMP on the elements of a tensor (any shape, dtype and device; flattened, read as float64).</summary>
        /// <param name="scores">The scores; at least one element.</param>
        public EffectiveModelPruningResult Select(Tensor scores) => Select(ScoreRanking.ToArray(scores));

        KeepDecision IPruningThreshold.Select(ReadOnlySpan<double> scores) => Select(scores);
    }
}
