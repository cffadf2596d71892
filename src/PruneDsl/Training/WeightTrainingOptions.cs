using System;

namespace PruneDsl.Training
{
    /// <summary>
    /// What every trainer needs to train the weights: epochs, batch size, optimizer and its settings, seed. One home for
    /// these options and their checks; <see cref="GameTrainingOptions"/> and the evolution options add their own.
    /// </summary>
    public abstract record WeightTrainingOptions
    {
        /// <summary>Passes over the training data (both papers: 20).</summary>
        public int Epochs { get; init; } = 20;

        /// <summary>Examples per step (both papers: 128).</summary>
        public int BatchSize { get; init; } = 128;

        /// <summary>The weight optimizer (neither paper names one; Adam is the common choice).</summary>
        public WeightOptimizer Optimizer { get; init; } = WeightOptimizer.Adam;

        /// <summary>Weight learning rate.</summary>
        public double LearningRate { get; init; } = 1e-3;

        /// <summary>Momentum (SGD only).</summary>
        public double Momentum { get; init; } = 0.9;

        /// <summary>Weight decay of the optimizer (decoupled for AdamW).</summary>
        public double WeightDecay { get; init; }

        /// <summary>Seed of the shuffling order.</summary>
        public long Seed { get; init; } = 1;

        /// <summary>Caps the batches per epoch (for quick runs and tests); null uses all the data.</summary>
        public int? MaxBatchesPerEpoch { get; init; }

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
        public virtual void EnsureValid()
        {
            if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1; got {Epochs}.");
            if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1; got {BatchSize}.");
            CheckRate(LearningRate, nameof(LearningRate));
            if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
                throw new ArgumentException($"WeightDecay must be a finite number >= 0; got {WeightDecay}.");
            if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Momentum must lie in [0, 1); got {Momentum}.");
            if (MaxBatchesPerEpoch is < 1) throw new ArgumentException($"MaxBatchesPerEpoch must be at least 1; got {MaxBatchesPerEpoch}.");
        }

        /// <summary>A new optimizer of <see cref="Optimizer"/> over <paramref name="parameters"/>.</summary>
        /// <param name="parameters">The parameters it updates.</param>
        /// <param name="learningRate">A learning rate other than <see cref="LearningRate"/> (e.g. a fine-tune's), or null.</param>
        public TorchSharp.torch.optim.Optimizer CreateOptimizer(
            System.Collections.Generic.IEnumerable<TorchSharp.Modules.Parameter> parameters, double? learningRate = null) =>
            Optimizer switch
            {
                WeightOptimizer.Adam => TorchSharp.torch.optim.Adam(parameters, learningRate ?? LearningRate, weight_decay: WeightDecay),
                WeightOptimizer.AdamW => TorchSharp.torch.optim.AdamW(parameters, learningRate ?? LearningRate, weight_decay: WeightDecay),
                WeightOptimizer.Sgd => TorchSharp.torch.optim.SGD(parameters, learningRate ?? LearningRate, Momentum, weight_decay: WeightDecay),
                _ => throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Unknown weight optimizer."),
            };

        /// <summary>Throws unless <paramref name="value"/> is a finite number greater than 0.</summary>
        /// <param name="value">The rate.</param>
        /// <param name="name">Its option name.</param>
        protected static void CheckRate(double value, string name)
        {
            if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentException($"{name} must be a finite number > 0; got {value}.");
        }
    }
}
