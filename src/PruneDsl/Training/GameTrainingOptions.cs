using System;

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
    public sealed record GameTrainingOptions
    {
        /// <summary>Passes over the training data (paper: 20).</summary>
        public int Epochs { get; init; } = 20;

        /// <summary>Examples per step (paper: 128).</summary>
        public int BatchSize { get; init; } = 128;

        /// <summary>The weight optimizer (the paper does not say; Adam is the common choice).</summary>
        public WeightOptimizer Optimizer { get; init; } = WeightOptimizer.Adam;

        /// <summary>Weight learning rate.</summary>
        public double LearningRate { get; init; } = 1e-3;

        /// <summary>Momentum (SGD only).</summary>
        public double Momentum { get; init; } = 0.9;

        /// <summary>
        /// Weight decay of the optimizer (decoupled for AdamW). PruneDsl's default 5e-4 keeps the weights of a shrinking
        /// group from growing to compensate, so the game can tell useful groups from idle ones; the paper's runs use 0.
        /// </summary>
        public double WeightDecay { get; init; } = 5e-4;

        /// <summary>Epochs of weight training before participations start to move (0: from the first step, as in Algorithm 1).</summary>
        public int ParticipationWarmupEpochs { get; init; }

        /// <summary>Seed of the shuffling order.</summary>
        public long Seed { get; init; } = 1;

        /// <summary>Caps the batches per epoch (for quick runs and tests); null uses all the data.</summary>
        public int? MaxBatchesPerEpoch { get; init; }

        /// <summary>Whether to compute each gated layer's condition number every epoch (torch.linalg.cond).</summary>
        public bool ProbeConditionNumbers { get; init; } = true;

        /// <summary>Training batches averaged for the end-of-training equilibrium certificate.</summary>
        public int CertificateBatches { get; init; } = 20;

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
        public void EnsureValid()
        {
            if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1; got {Epochs}.");
            if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1; got {BatchSize}.");
            if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
                throw new ArgumentException($"LearningRate must be a finite number > 0; got {LearningRate}.");
            if (!(WeightDecay >= 0)) throw new ArgumentException($"WeightDecay must be >= 0; got {WeightDecay}.");
            if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Momentum must lie in [0, 1); got {Momentum}.");
            if (ParticipationWarmupEpochs < 0 || ParticipationWarmupEpochs >= Epochs)
                throw new ArgumentException($"ParticipationWarmupEpochs must lie in [0, Epochs); got {ParticipationWarmupEpochs} with Epochs = {Epochs}.");
            if (MaxBatchesPerEpoch is < 1) throw new ArgumentException($"MaxBatchesPerEpoch must be at least 1; got {MaxBatchesPerEpoch}.");
            if (CertificateBatches < 1) throw new ArgumentException($"CertificateBatches must be at least 1; got {CertificateBatches}.");
        }
    }
}
