using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// Chooses the importance criterion and the threshold that decide which groups of a <c>[ParticipationGroup]</c> layer
    /// are kept, for the game's participations and for evolution's masses alike. On the class it applies to every gated
    /// layer; on a field it overrides the class for that layer. <see cref="Criterion.Gate"/> scores by the layer's own
    /// participations or masses; <see cref="PruneThreshold.Effective"/> keeps <c>floor(Beta * N_eff)</c> groups (EMP).
    /// Accumulating criteria (Taylor, Fisher, Wanda) observe a few batches before deciding.
    /// </summary>
    /// <example>
    /// <code>
    /// [Prune(Criterion.Taylor, PruneThreshold.Effective)]
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt;
    /// {
    ///     [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    ///     [ParticipationGroup, Prune(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, Sparsity = 0.75)]
    ///     private readonly Linear fc2 = Linear(512, 256);
    /// }
    /// // after training: model.PruneByCriteria(calibration, loss, batchSize: 64, batches: 4); model.HardPrune();
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class PruneAttribute : Attribute
    {
        /// <summary>Selects the criterion and the threshold.</summary>
        /// <param name="criterion">What scores the groups.</param>
        /// <param name="threshold">What decides the keep set from the scores.</param>
        public PruneAttribute(Criterion criterion, PruneThreshold threshold = PruneThreshold.Effective)
        {
            Criterion = criterion;
            Threshold = threshold;
        }

        /// <summary>The criterion.</summary>
        public Criterion Criterion { get; }

        /// <summary>The threshold.</summary>
        public PruneThreshold Threshold { get; }

        /// <summary>For <see cref="PruneThreshold.TargetSparsity"/>: the fraction of groups to prune, in [0, 1).</summary>
        public double Sparsity { get; set; } = PruneSpec.DefaultSparsity;

        /// <summary>For <see cref="PruneThreshold.Effective"/>: the multiplier of N_eff, finite and greater than 0.</summary>
        public double Beta { get; set; } = PruneSpec.DefaultBeta;
    }
}
