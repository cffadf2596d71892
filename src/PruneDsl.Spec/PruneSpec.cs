using System.Collections.Generic;

namespace PruneDsl
{
    /// <summary>Which importance score decides a gated layer's keep set under <c>[Prune]</c>.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum Criterion
    {
        /// <summary>The layer's own gate values: the game's participations s_i or evolution's masses m_i.</summary>
        Gate = 0,

        /// <summary>L1 norm of each group's fan-in row and bias.</summary>
        MagnitudeL1 = 1,

        /// <summary>L2 norm of each group's fan-in row and bias.</summary>
        MagnitudeL2 = 2,

        /// <summary>First-order Taylor <c>|&lt;grad theta_i, theta_i&gt;|</c>, averaged over observed batches (accumulating).</summary>
        Taylor = 3,

        /// <summary>Optimal-brain-damage saliency with the empirical Fisher, over observed batches (accumulating).</summary>
        Fisher = 4,

        /// <summary>Wanda: <c>|W| * ||x||</c> with input norms recorded over observed batches (accumulating).</summary>
        Wanda = 5,
    }

    /// <summary>How the keep set is chosen from the scores under <c>[Prune]</c>.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum PruneThreshold
    {
        /// <summary>The method's own: <c>s_i &lt; Epsilon</c> for the game, <c>TargetSparsity</c> for evolution.</summary>
        Default = 0,

        /// <summary>Effective Model Pruning: keep <c>floor(Beta * N_eff)</c> top-scored groups (with the corrected bound checked).</summary>
        Effective = 1,

        /// <summary>Keep the top <c>N - round(Sparsity * N)</c> groups (at least one).</summary>
        TargetSparsity = 2,
    }
}

namespace PruneDsl.Spec
{
    /// <summary>
    /// The <c>[Prune]</c> settings of one gated layer: which criterion scores its groups and which threshold decides the
    /// keep set. Shared by the attribute, generator and runtime.
    /// </summary>
    /// <param name="Criterion">The importance criterion.</param>
    /// <param name="Threshold">The threshold.</param>
    /// <param name="Sparsity">For <see cref="PruneDsl.PruneThreshold.TargetSparsity"/>: the fraction to prune, in [0, 1).</param>
    /// <param name="Beta">For <see cref="PruneDsl.PruneThreshold.Effective"/>: multiplier of N_eff, finite and greater than 0.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record PruneSpec(Criterion Criterion, PruneThreshold Threshold, double Sparsity = PruneSpec.DefaultSparsity, double Beta = PruneSpec.DefaultBeta)
    {
        /// <summary>Default <see cref="Sparsity"/>.</summary>
        public const double DefaultSparsity = 0.5;

        /// <summary>Default <see cref="Beta"/> (the paper's EMP).</summary>
        public const double DefaultBeta = 1.0;

        /// <summary>Whether the criterion needs batches observed before scoring (Taylor, Fisher, Wanda).</summary>
        public bool NeedsObservation => Criterion == PruneDsl.Criterion.Taylor || Criterion == PruneDsl.Criterion.Fisher || Criterion == PruneDsl.Criterion.Wanda;

        /// <summary>One <see cref="SpecProblem"/> per invalid value (empty when valid).</summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            if (double.IsNaN(Sparsity) || Sparsity < 0 || Sparsity >= 1)
                problems.Add(new SpecProblem(nameof(Sparsity), Sparsity, "must lie in [0, 1)"));
            if (double.IsNaN(Beta) || double.IsInfinity(Beta) || Beta <= 0)
                problems.Add(new SpecProblem(nameof(Beta), Beta, "must be a finite number greater than 0"));
            if (Criterion < PruneDsl.Criterion.Gate || Criterion > PruneDsl.Criterion.Wanda)
                problems.Add(new SpecProblem(nameof(Criterion), (double)Criterion, "is not a defined Criterion"));
            if (Threshold < PruneDsl.PruneThreshold.Default || Threshold > PruneDsl.PruneThreshold.TargetSparsity)
                problems.Add(new SpecProblem(nameof(Threshold), (double)Threshold, "is not a defined PruneThreshold"));
            return problems;
        }

        /// <summary>Throws an <see cref="System.ArgumentException"/> naming every invalid value, if there is one.</summary>
        /// <param name="owner">What the settings belong to (e.g. a layer name), for the message.</param>
        public void EnsureValid(string owner) => SpecProblem.ThrowIfAny(Validate(), "prune settings", owner, "[Prune] attribute (or the PruneSpec)");
    }
}
