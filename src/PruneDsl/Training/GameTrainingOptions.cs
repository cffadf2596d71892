using System;
using System.Collections.Generic;

namespace PruneDsl.Training
{
    /// <summary>The weight optimizer of a training run.</summary>
    public enum WeightOptimizer
    {
        /// <summary>Adam (Kingma and Ba).</summary>
        Adam,

        /// <summary>AdamW: Adam with decoupled weight decay.</summary>
        AdamW,

        /// <summary>Stochastic gradient descent with momentum.</summary>
        Sgd,
    }

    /// <summary>
    /// How a game run trains the weights and when it updates participations. Defaults: the paper's experiment (20 epochs,
    /// batch 128, Adam 1e-3) with PruneDsl's weight decay.
    /// </summary>
    public sealed record GameTrainingOptions : WeightTrainingOptions
    {
        /// <summary>
        /// PruneDsl's defaults: the base options with weight decay 5e-4, which keeps the weights of a shrinking group from
        /// growing to compensate, so the game can tell useful groups from idle ones (the paper's runs use 0).
        /// </summary>
        public GameTrainingOptions() => WeightDecay = 5e-4;

        /// <summary>Epochs of weight training before participations start to move (0: from the first step, as in Algorithm 1).</summary>
        public int ParticipationWarmupEpochs { get; init; }

        /// <summary>Whether to compute each gated layer's condition number every epoch (torch.linalg.cond).</summary>
        public bool ProbeConditionNumbers { get; init; } = true;

        /// <summary>Training batches averaged for the end-of-training equilibrium certificate.</summary>
        public int CertificateBatches { get; init; } = 20;

        /// <summary>
        /// A class-level budget that replaces the model's own <c>[Budget]</c> (or gives one to a model without): its price
        /// replaces <c>Gamma</c> and the game ends once it is met and the kept set has settled (see
        /// <see cref="PruneDsl.Game.BudgetController"/>). Null (the default): the model's <c>[Budget]</c>, if any.
        /// </summary>
        public PruneDsl.Spec.BudgetSpec? Budget { get; init; }

        /// <inheritdoc />
        internal override IEnumerable<KeyValuePair<string, string>> ResumeSettings()
        {
            foreach (var setting in base.ResumeSettings()) yield return setting;
            yield return Setting(nameof(ParticipationWarmupEpochs), ParticipationWarmupEpochs);
        }

        /// <inheritdoc />
        public override void EnsureValid()
        {
            base.EnsureValid();
            if (ParticipationWarmupEpochs < 0 || ParticipationWarmupEpochs >= Epochs)
                throw new ArgumentException($"ParticipationWarmupEpochs must lie in [0, Epochs); got {ParticipationWarmupEpochs} with Epochs = {Epochs}.");
            if (CertificateBatches < 1) throw new ArgumentException($"CertificateBatches must be at least 1; got {CertificateBatches}.");
            Budget?.EnsureValid("GameTrainingOptions.Budget");
        }
    }
}
