using System;

namespace PruneDsl.Spec
{
    /// <summary>
    /// The scalar arithmetic of Effective Model Pruning (EMP, arXiv 2509.25606; docs/equations.md section 3), written once:
    /// the effective sample size, the keep count and the Theorem 4.2 lower bound on the retained mass, with the
    /// correction the published bound needs when one component is kept. Plain doubles only (no tensors), so the
    /// runtime thresholds and the analyzers share it.
    /// </summary>
    /// <remarks>
    /// <para>
    /// With normalized scores <c>omega_i = |s_i| / sum_j |s_j|</c>, the effective sample size is
    /// <c>N_eff = 1 / sum_i omega_i^2</c> (inverse Simpson index), EMP keeps <c>nu = floor(beta N_eff)</c> components,
    /// and the retained mass <c>s_eff</c> is the sum of the kept <c>omega_i</c>.
    /// </para>
    /// <para>
    /// Theorem 4.2 as published: for <c>nu = floor(N_eff)</c>,
    /// <c>s_eff &gt;= nu/N + ((N - nu)/N) sqrt((N - nu - 1) / ((nu + 1)(N - 1)))</c>. The statement is false for
    /// <c>nu = 1</c> and <c>N &gt;= 3</c>: <c>omega = (1/2 + d, 1/2 - d, 0, ...)</c> has <c>N_eff &lt; 2</c> and
    /// <c>s_eff = 1/2 + d</c>, below the formula (0.683 at N = 4, tending to 0.707). For <c>nu = 1</c> the tight bound is
    /// 1/2, because <c>max_i omega_i &gt;= sum_i omega_i^2 &gt; 1/2</c>. <see cref="LowerBound"/> is the corrected bound;
    /// <see cref="PublishedLowerBound"/> keeps the published formula for comparison. For <c>nu &gt;= 2</c> the formula
    /// is approached by one large entry <c>a = (1 + sqrt((N - 1)(N - nu - 1)/(nu + 1)))/N</c> and <c>N - 1</c> equal
    /// entries <c>(1 - a)/(N - 1)</c>, whose <c>N_eff</c> is exactly <c>nu + 1</c>; scores just below that edge
    /// (<c>N_eff &lt; nu + 1</c>) keep mass arbitrarily close to the bound.
    /// </para>
    /// </remarks>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class EffectiveModelPruningMath
    {
        /// <summary>The default multiplier of <c>N_eff</c> in the keep count (the paper's choice).</summary>
        public const double DefaultBeta = 1.0;

        /// <summary>
        /// Relative distance within which <c>beta N_eff</c> is taken to be the integer it is next to before the floor,
        /// so that rounding (e.g. uniform scores giving <c>N_eff = 2.9999999999999996</c> for N = 3) never loses a
        /// component. Snapping can only raise the count by one from just below an integer, which keeps every bound
        /// below valid (they hold whenever <c>N_eff &lt; nu + 1</c>).
        /// </summary>
        public const double IntegerSnapTolerance = 1e-9;

        /// <summary>
        /// <c>N_eff = 1 / sum_i omega_i^2</c> computed as <c>(sum_i x_i)^2 / sum_i x_i^2</c> from the sum and the sum of
        /// squares of non-negative scores <c>x</c> (any common scale; the ratio is scale-free). The result lies in
        /// <c>[1, N]</c> up to rounding.
        /// </summary>
        /// <param name="sum"><c>sum_i x_i</c>, with every <c>x_i &gt;= 0</c>; must be greater than 0.</param>
        /// <param name="sumOfSquares"><c>sum_i x_i^2</c>; must be greater than 0.</param>
        public static double EffectiveSampleSize(double sum, double sumOfSquares)
        {
            if (!(sum > 0) || !(sumOfSquares > 0) || double.IsInfinity(sum) || double.IsInfinity(sumOfSquares))
                throw new ArgumentOutOfRangeException(nameof(sum),
                    $"The effective sample size needs a finite positive score mass (sum = {sum}, sum of squares = {sumOfSquares}); " +
                    "all-zero scores carry no information about which components matter.");
            return sum * sum / sumOfSquares;
        }

        /// <summary>
        /// The EMP keep count <c>nu = floor(beta N_eff)</c>, clamped to <c>[1, N]</c>: at least one component is always
        /// kept (a layer is never emptied), and never more than exist (<c>beta &gt; 1</c> can ask for more). Values
        /// within <see cref="IntegerSnapTolerance"/> (relative) below an integer count as that integer.
        /// </summary>
        /// <param name="effectiveSampleSize"><c>N_eff</c>, from <see cref="EffectiveSampleSize"/>.</param>
        /// <param name="beta">Multiplier of <c>N_eff</c>; finite and greater than 0 (see <see cref="CheckBeta"/>).</param>
        /// <param name="count">N, the number of scored components (at least 1).</param>
        public static int KeepCount(double effectiveSampleSize, double beta, int count)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "EMP needs at least one scored component.");
            var problem = CheckBeta(beta);
            if (problem.HasValue) throw new ArgumentOutOfRangeException(nameof(beta), beta, problem.Value.ToString());
            if (double.IsNaN(effectiveSampleSize))
                throw new ArgumentOutOfRangeException(nameof(effectiveSampleSize), effectiveSampleSize, "N_eff is NaN; the scores contain NaN.");
            var x = beta * effectiveSampleSize;
            var nearest = Math.Round(x);
            var floor = Math.Abs(x - nearest) <= IntegerSnapTolerance * Math.Max(1.0, Math.Abs(x)) ? nearest : Math.Floor(x);
            if (floor < 1) return 1;
            if (floor > count) return count;
            return (int)floor;
        }

        /// <summary>
        /// Theorem 4.2 exactly as published: <c>nu/N + ((N - nu)/N) sqrt((N - nu - 1) / ((nu + 1)(N - 1)))</c>, with the
        /// edge cases <c>nu = N</c> (including N = 1) evaluated to 1 (everything is kept). Not a valid bound when
        /// <c>nu = 1</c> and <c>N &gt;= 3</c>; use <see cref="LowerBound"/>.
        /// </summary>
        /// <param name="keepCount">nu, with <c>1 &lt;= nu &lt;= N</c>.</param>
        /// <param name="count">N.</param>
        public static double PublishedLowerBound(int keepCount, int count)
        {
            CheckCounts(keepCount, count);
            if (keepCount == count) return 1.0;
            double n = count, nu = keepCount, m = count - keepCount;
            return nu / n + m / n * Math.Sqrt((m - 1) / ((nu + 1) * (n - 1)));
        }

        /// <summary>
        /// The corrected Theorem 4.2 bound on the retained mass of the top <c>nu</c> normalized scores, valid whenever
        /// <c>N_eff &lt; nu + 1</c>: 1 when <c>nu = N</c>; 1/2 when <c>nu = 1 &lt; N</c> (tight; the published formula
        /// overstates it for N &gt;= 3 and agrees at N = 2); the published formula when <c>nu &gt;= 2</c>.
        /// </summary>
        /// <param name="keepCount">nu, with <c>1 &lt;= nu &lt;= N</c>.</param>
        /// <param name="count">N.</param>
        public static double LowerBound(int keepCount, int count)
        {
            CheckCounts(keepCount, count);
            if (keepCount == count) return 1.0;
            if (keepCount == 1) return 0.5;
            return PublishedLowerBound(keepCount, count);
        }

        /// <summary>
        /// The guaranteed retained mass of the top <paramref name="keepCount"/> components when <c>N_eff</c> is
        /// <paramref name="effectiveSampleSize"/>, for any beta. With <c>nu0 = KeepCount(N_eff, 1, N)</c> (the count the
        /// theorem speaks of) and <c>B = LowerBound(nu0, N)</c>: if <c>keepCount &gt;= nu0</c> the kept set contains the
        /// top <c>nu0</c>, so the bound is <c>B</c>; if fewer are kept (beta &lt; 1), the average of the top
        /// <c>keepCount</c> is at least the average of the top <c>nu0</c>, so the bound is <c>(keepCount/nu0) B</c>. The
        /// result is never below <c>keepCount/N</c>, which always holds. With beta = 1 this is exactly <c>B</c>.
        /// </summary>
        /// <param name="keepCount">How many of the top components are kept (1..N).</param>
        /// <param name="effectiveSampleSize"><c>N_eff</c> of the scores.</param>
        /// <param name="count">N.</param>
        public static double RetainedMassLowerBound(int keepCount, double effectiveSampleSize, int count) =>
            ScaledBound(keepCount, effectiveSampleSize, count, LowerBound(KeepCount(effectiveSampleSize, DefaultBeta, count), count));

        /// <summary>
        /// <see cref="RetainedMassLowerBound"/> with the published (uncorrected) Theorem 4.2 formula in place of the
        /// corrected one; for reporting whether the published statement would have been violated.
        /// </summary>
        /// <param name="keepCount">How many of the top components are kept (1..N).</param>
        /// <param name="effectiveSampleSize"><c>N_eff</c> of the scores.</param>
        /// <param name="count">N.</param>
        public static double PublishedRetainedMassLowerBound(int keepCount, double effectiveSampleSize, int count) =>
            ScaledBound(keepCount, effectiveSampleSize, count, PublishedLowerBound(KeepCount(effectiveSampleSize, DefaultBeta, count), count));

        /// <summary>
        /// Checks an EMP beta: it must be a finite number greater than 0. Returns the problem, or null when valid.
        /// </summary>
        /// <param name="beta">The multiplier of <c>N_eff</c>.</param>
        public static SpecProblem? CheckBeta(double beta) =>
            double.IsNaN(beta) || double.IsInfinity(beta) || beta <= 0
                ? new SpecProblem("Beta", beta, "must be a finite number greater than 0 (EMP keeps floor(Beta * N_eff) components; 1 is the paper's choice)")
                : (SpecProblem?)null;

        private static double ScaledBound(int keepCount, double effectiveSampleSize, int count, double theoremBound)
        {
            CheckCounts(keepCount, count);
            var theoremCount = KeepCount(effectiveSampleSize, DefaultBeta, count);
            var bound = keepCount >= theoremCount ? theoremBound : theoremBound * keepCount / theoremCount;
            return Math.Max(bound, (double)keepCount / count);
        }

        private static void CheckCounts(int keepCount, int count)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "EMP needs at least one scored component.");
            if (keepCount < 1 || keepCount > count)
                throw new ArgumentOutOfRangeException(nameof(keepCount), keepCount, $"The keep count must lie in [1, N] = [1, {count}].");
        }
    }
}
