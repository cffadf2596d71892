using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// Prunes by evolution instead of the game ("Pruning as Evolution", docs/equations.md section 2): every neuron of a
    /// <c>[ParticipationGroup]</c> layer is a population whose mass scales its output and evolves under the chosen selection
    /// dynamic, with fitness from the first-order loss decrease of its output. On the class it applies to every group layer;
    /// on a field, to that layer only. After training, the <see cref="TargetSparsity"/> fraction with the lowest mass is
    /// hard-pruned (extinct).
    /// </summary>
    /// <example>
    /// <code>
    /// [SelectionDynamics(Dynamics.Replicator, TargetSparsity = 0.5)]
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt;
    /// {
    ///     [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    /// }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class SelectionDynamicsAttribute : Attribute
    {
        /// <summary>Selects the dynamic.</summary>
        /// <param name="dynamics">Replicator or exponential weights.</param>
        public SelectionDynamicsAttribute(Dynamics dynamics = DynamicsDefaults.Kind) => Dynamics = dynamics;

        /// <summary>The dynamic.</summary>
        public Dynamics Dynamics { get; }

        /// <summary>Step size of the mass update; greater than 0.</summary>
        public double LearningRate { get; set; } = DynamicsDefaults.LearningRate;

        /// <summary>Exponential smoothing of the fitness signal, in [0, 1).</summary>
        public double Smoothing { get; set; } = DynamicsDefaults.Smoothing;

        /// <summary>Fraction of populations removed by post-training hard pruning, in [0, 1).</summary>
        public double TargetSparsity { get; set; } = DynamicsDefaults.TargetSparsity;
    }
}
