using System.Collections.Generic;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// What <see cref="EffectiveModelPruning"/> decided, with its certificate: the effective sample size, the keep
    /// count, the retained normalized mass and the Theorem 4.2 lower bound it was checked against.
    /// </summary>
    public sealed record EffectiveModelPruningResult : KeepDecision
    {
        /// <summary>Creates the result (normally only <see cref="EffectiveModelPruning.Select(System.ReadOnlySpan{double})"/> does).</summary>
        /// <param name="keepMask">True where kept.</param>
        /// <param name="effectiveSampleSize"><c>N_eff</c>.</param>
        /// <param name="beta">The beta used.</param>
        /// <param name="theoremKeepCount"><c>floor(N_eff)</c> clamped to [1, N].</param>
        /// <param name="retainedMass"><c>s_eff</c>.</param>
        /// <param name="lowerBound">The corrected bound.</param>
        /// <param name="publishedLowerBound">The published bound.</param>
        /// <param name="publishedBoundViolated">Whether <c>s_eff</c> is below the published bound.</param>
        /// <param name="shift">The value subtracted from every score (the minimum when negative, else 0).</param>
        public EffectiveModelPruningResult(
            IReadOnlyList<bool> keepMask,
            double effectiveSampleSize,
            double beta,
            int theoremKeepCount,
            double retainedMass,
            double lowerBound,
            double publishedLowerBound,
            bool publishedBoundViolated,
            double shift)
            : base(keepMask)
        {
            EffectiveSampleSize = effectiveSampleSize;
            Beta = beta;
            TheoremKeepCount = theoremKeepCount;
            RetainedMass = retainedMass;
            LowerBound = lowerBound;
            PublishedLowerBound = publishedLowerBound;
            PublishedBoundViolated = publishedBoundViolated;
            Shift = shift;
        }

        /// <summary><c>N_eff = 1 / sum_i omega_i^2</c>, in [1, N].</summary>
        public double EffectiveSampleSize { get; }

        /// <summary>The multiplier of <c>N_eff</c> that was used.</summary>
        public double Beta { get; }

        /// <summary>nu, the number kept: <c>floor(Beta N_eff)</c> clamped to [1, N] (equals <see cref="KeepDecision.KeptCount"/>).</summary>
        public int KeepCount => KeptCount;

        /// <summary><c>floor(N_eff)</c> clamped to [1, N]: the count Theorem 4.2 speaks of (equals <see cref="KeepCount"/> when beta = 1).</summary>
        public int TheoremKeepCount { get; }

        /// <summary><c>s_eff</c>: the sum of the kept normalized scores <c>omega_i</c>, in (0, 1].</summary>
        public double RetainedMass { get; }

        /// <summary>
        /// The corrected Theorem 4.2 lower bound on <see cref="RetainedMass"/> (1/2 for nu = 1; see
        /// <see cref="PruneDsl.Spec.EffectiveModelPruningMath.RetainedMassLowerBound"/> for beta other than 1). Always
        /// satisfied: the call that produced this result checked it.
        /// </summary>
        public double LowerBound { get; }

        /// <summary>The bound with the published (uncorrected) formula, for comparison.</summary>
        public double PublishedLowerBound { get; }

        /// <summary>
        /// True when <see cref="RetainedMass"/> is below <see cref="PublishedLowerBound"/>, i.e. these scores are a
        /// counterexample to Theorem 4.2 as published (possible only when <c>N_eff &lt; 2</c> and N &gt;= 3).
        /// </summary>
        public bool PublishedBoundViolated { get; }

        /// <summary>The value subtracted from every score before normalizing: the minimum score when it is negative, else 0.</summary>
        public double Shift { get; }
    }
}
