using System.Collections.Generic;

namespace PruneDsl
{
    /// <summary>The selection dynamic under which a layer's populations (neurons) evolve (docs/equations.md section 2).</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum Dynamics
    {
        /// <summary>Replicator: <c>dm_i/dt = m_i (f_i - f_bar)</c> with the layer's mass-weighted mean fitness.</summary>
        Replicator = 0,

        /// <summary>Exponential weights (multiplicative weights): <c>m_i &lt;- m_i exp(lr f_i) / Z</c>.</summary>
        ExponentialWeights = 1,
    }
}

namespace PruneDsl.Spec
{
    /// <summary>Defaults of the selection-dynamics settings; one home, shared by attributes, generator, analyzers and runtime.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class DynamicsDefaults
    {
        /// <summary>The dynamic.</summary>
        public const Dynamics Kind = Dynamics.Replicator;

        /// <summary>
        /// Step size of the mass update. A neuron's fitness <c>-dL/dm_i</c> is of order 1e-3 once the loss is low, so a step
        /// of 0.1 barely moves the masses (0.96..1.08 after 10 MNIST epochs); 10 lets selection act within training.
        /// </summary>
        public const double LearningRate = 10.0;

        /// <summary>Exponential smoothing of the fitness signal (0: none).</summary>
        public const double Smoothing = 0.9;

        /// <summary>The fraction of populations removed by post-training hard pruning.</summary>
        public const double TargetSparsity = 0.5;
    }

    /// <summary>
    /// The selection-dynamics settings of one layer, as the <c>[SelectionDynamics]</c> attribute says them; the generator
    /// bakes one into the generated code for every evolving layer.
    /// </summary>
    /// <param name="Kind">The dynamic.</param>
    /// <param name="LearningRate">Step size of the mass update; greater than 0.</param>
    /// <param name="Smoothing">Exponential smoothing of the fitness in [0, 1).</param>
    /// <param name="TargetSparsity">Fraction removed by post-training hard pruning, in [0, 1).</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record DynamicsSpec(
        Dynamics Kind = DynamicsDefaults.Kind,
        double LearningRate = DynamicsDefaults.LearningRate,
        double Smoothing = DynamicsDefaults.Smoothing,
        double TargetSparsity = DynamicsDefaults.TargetSparsity)
    {
        /// <summary>The settings with every value at its default.</summary>
        public static DynamicsSpec Default { get; } = new DynamicsSpec();

        /// <summary>One <see cref="SpecProblem"/> per invalid value (empty when valid).</summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            if (double.IsNaN(LearningRate) || double.IsInfinity(LearningRate) || LearningRate <= 0)
                problems.Add(new SpecProblem(nameof(LearningRate), LearningRate, "must be a finite number greater than 0"));
            if (double.IsNaN(Smoothing) || Smoothing < 0 || Smoothing >= 1)
                problems.Add(new SpecProblem(nameof(Smoothing), Smoothing, "must lie in [0, 1)"));
            if (double.IsNaN(TargetSparsity) || TargetSparsity < 0 || TargetSparsity >= 1)
                problems.Add(new SpecProblem(nameof(TargetSparsity), TargetSparsity, "must lie in [0, 1)"));
            if (Kind < Dynamics.Replicator || Kind > Dynamics.ExponentialWeights)
                problems.Add(new SpecProblem(nameof(Kind), (double)Kind, "is not a defined Dynamics"));
            return problems;
        }

        /// <summary>Throws an <see cref="System.ArgumentException"/> naming every invalid value, if there is one.</summary>
        /// <param name="owner">What the settings belong to (e.g. a layer name), for the message.</param>
        public void EnsureValid(string owner) =>
            SpecProblem.ThrowIfAny(Validate(), "selection-dynamics settings", owner, "[SelectionDynamics] attribute (or the DynamicsSpec)");
    }
}
