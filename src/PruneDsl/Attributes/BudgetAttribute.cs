using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// How much of the model the game may keep. The participation price (<c>Gamma</c>) becomes the multiplier of the budget
    /// constraint and is found by dual ascent while training (docs/equations.md, section 1b): it rises while the kept groups
    /// cost more than the budget and falls while they cost less. Once the budget is met and the kept set has not changed
    /// for <see cref="SettleEpochs"/> epochs, the game ends: participations freeze, the model is hard-pruned, the kept
    /// participations are folded into the weights and the survivors train on for the remaining epochs. On a class it covers
    /// every game layer without a budget of its own; on a <c>[ParticipationGroup]</c> field, that layer alone. Set exactly
    /// one of <see cref="Keep"/> and <see cref="KeepFraction"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// [Budget(Keep = 15)]                                   // at most 15 hidden neurons in all
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt;
    /// {
    ///     [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    ///     [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    ///     private readonly Linear head = Linear(256, 10);
    /// }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class BudgetAttribute : Attribute
    {
        /// <summary>The most the pruned model may keep, counted in <see cref="Unit"/>s; at least 1 (0: unset).</summary>
        public double Keep { get; set; }

        /// <summary>The most it may keep as a fraction of the dense model's count, in (0, 1) (0: unset).</summary>
        public double KeepFraction { get; set; }

        /// <summary>What is counted: groups (the default), parameters or MACs of the Linear chain.</summary>
        public BudgetUnit Unit { get; set; } = BudgetUnit.Groups;

        /// <summary>rho, the price's step in log space per participation step, in (0, 1].</summary>
        public double PriceStep { get; set; } = BudgetDefaults.PriceStep;

        /// <summary>Epochs (fractions allowed) the kept set must stay unchanged, with the budget met, before the game ends.</summary>
        public double SettleEpochs { get; set; } = BudgetDefaults.SettleEpochs;

        /// <summary>Epochs reserved for the fine-tune: the game is ended by <c>Epochs - FineTuneEpochs</c> at the latest.</summary>
        public int FineTuneEpochs { get; set; } = BudgetDefaults.FineTuneEpochs;
    }
}
