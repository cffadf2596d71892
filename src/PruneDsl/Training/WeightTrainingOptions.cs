using System;
using System.Collections.Generic;

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

        /// <summary>
        /// Per-epoch decay of the weights' learning rate: epoch <c>e</c> (counted from 1 over the whole run, fine-tune
        /// included) trains at <c>rate * LearningRateDecay^(e - 1)</c> (<see cref="LearningRateAt"/>). In (0, 1]; 1, the
        /// default, keeps the rate constant. The participations' and masses' steps are not decayed.
        /// </summary>
        public double LearningRateDecay { get; init; } = 1;

        /// <summary>The weights' learning rate in <paramref name="epoch"/> (1-based): <paramref name="rate"/> (default <see cref="LearningRate"/>) times <see cref="LearningRateDecay"/>^(epoch - 1).</summary>
        /// <param name="epoch">The epoch, from 1.</param>
        /// <param name="rate">The undecayed rate (a fine-tune's), or null for <see cref="LearningRate"/>.</param>
        public double LearningRateAt(int epoch, double? rate = null) => (rate ?? LearningRate) * Math.Pow(LearningRateDecay, Math.Max(0, epoch - 1));

        /// <summary>
        /// Sets <paramref name="optimizer"/>'s learning rate for <paramref name="epoch"/> (<see cref="LearningRateAt"/>); a no-op
        /// when <see cref="LearningRateDecay"/> is 1. The trainers call it at the start of every epoch, so a resumed run trains
        /// at the rate of the epoch it resumes in.
        /// </summary>
        /// <param name="optimizer">The weights' optimizer.</param>
        /// <param name="epoch">The epoch, from 1.</param>
        /// <param name="rate">The undecayed rate, or null for <see cref="LearningRate"/>.</param>
        public void ApplyLearningRate(TorchSharp.torch.optim.Optimizer optimizer, int epoch, double? rate = null)
        {
            if (LearningRateDecay == 1) return;
            var lr = LearningRateAt(epoch, rate);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        }

        /// <summary>Momentum (SGD only).</summary>
        public double Momentum { get; init; } = 0.9;

        /// <summary>Weight decay of the optimizer (decoupled for AdamW).</summary>
        public double WeightDecay { get; init; }

        /// <summary>Seed of the shuffling order.</summary>
        public long Seed { get; init; } = 1;

        /// <summary>Caps the batches per epoch (for quick runs and tests); null uses all the data.</summary>
        public int? MaxBatchesPerEpoch { get; init; }

        /// <summary>
        /// The folder of this run's checkpoint (<see cref="CheckpointFileName"/>), written every
        /// <see cref="CheckpointEvery"/> steps and at the end of training; null writes none. The file is replaced
        /// atomically (written beside it, flushed to disk, renamed over it), so a crash leaves the last good one.
        /// </summary>
        public string? CheckpointDirectory { get; init; }

        /// <summary>Write a checkpoint every this many optimizer steps (0: only at the end of training and between phases).</summary>
        public int CheckpointEvery { get; init; }

        /// <summary>
        /// Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one (bit-exactly: the same
        /// weights, participations or masses, optimizer moments, data order and step count as if the run had not stopped).
        /// A checkpoint of another model, of other widths or of other settings that change the computation is refused
        /// with the mismatch named. Without a checkpoint the run starts at step 0 and says so.
        /// </summary>
        public bool Resume { get; init; }

        /// <summary>
        /// The loss counts as diverging when a step's loss exceeds this factor times the run's first loss (the loss of the
        /// untrained model); then <see cref="OnDivergingLoss"/> applies. <see cref="double.PositiveInfinity"/> turns the
        /// check off; a NaN or infinite loss always stops training.
        /// </summary>
        public double DivergenceFactor { get; init; } = 1000;

        /// <summary>What a diverging loss does: stop with a <see cref="TrainingDivergedException"/> (default) or warn once.</summary>
        public FaultAction OnDivergingLoss { get; init; } = FaultAction.Stop;

        /// <summary>
        /// Check every this many steps that all gradients are finite (one fused reduction over them; 0: never, leaving the
        /// loss and participation or mass checks). The loss is checked at every step.
        /// </summary>
        public int GradientCheckEvery { get; init; } = 1;

        /// <summary>
        /// What happens when every group of a layer falls below the pruning threshold (the game's epsilon): keep its best
        /// group and warn (default), or stop with an <see cref="EmptyLayerException"/>. A layer is never emptied silently.
        /// </summary>
        public FaultAction OnEmptyLayer { get; init; } = FaultAction.Warn;

        /// <summary>How many times per epoch the run history samples every group's participation or mass (at least 1).</summary>
        public int TrajectorySamplesPerEpoch { get; init; } = 4;

        /// <summary>The most groups per layer whose trajectories the run history keeps (evenly spaced when a layer has more).</summary>
        public int TrajectoryGroupLimit { get; init; } = 1024;

        /// <summary>The checkpoint's file name inside <see cref="CheckpointDirectory"/>.</summary>
        public const string CheckpointFileName = "checkpoint.pdckpt";

        /// <summary>The checkpoint file of this run, or null when <see cref="CheckpointDirectory"/> is not set.</summary>
        public string? CheckpointPath => CheckpointDirectory is null ? null : System.IO.Path.Combine(System.IO.Path.GetFullPath(CheckpointDirectory), CheckpointFileName);

        /// <summary>
        /// The settings that change what training computes, by name, as invariant text: a checkpoint resumes only under the
        /// same values. <see cref="Epochs"/> is not among them (a run may be resumed to train longer), nor are the
        /// checkpoint, fault and history settings.
        /// </summary>
        internal virtual IEnumerable<KeyValuePair<string, string>> ResumeSettings()
        {
            yield return Setting(nameof(BatchSize), BatchSize);
            yield return Setting(nameof(Optimizer), Optimizer);
            yield return Setting(nameof(LearningRate), LearningRate);
            yield return Setting(nameof(Momentum), Momentum);
            yield return Setting(nameof(WeightDecay), WeightDecay);
            yield return Setting(nameof(Seed), Seed);
            yield return Setting(nameof(MaxBatchesPerEpoch), MaxBatchesPerEpoch);
            if (LearningRateDecay != 1) yield return Setting(nameof(LearningRateDecay), LearningRateDecay);
        }

        /// <summary>One named setting as invariant text (null as "none").</summary>
        protected static KeyValuePair<string, string> Setting(string name, object? value) =>
            new(name, value switch
            {
                null => "none",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "none",
            });

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
        public virtual void EnsureValid()
        {
            if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1; got {Epochs}.");
            if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1; got {BatchSize}.");
            CheckRate(LearningRate, nameof(LearningRate));
            if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
                throw new ArgumentException($"LearningRateDecay must lie in (0, 1] (1: a constant rate); got {LearningRateDecay}.");
            if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
                throw new ArgumentException($"WeightDecay must be a finite number >= 0; got {WeightDecay}.");
            if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Momentum must lie in [0, 1); got {Momentum}.");
            if (MaxBatchesPerEpoch is < 1) throw new ArgumentException($"MaxBatchesPerEpoch must be at least 1; got {MaxBatchesPerEpoch}.");
            if (CheckpointEvery < 0) throw new ArgumentException($"CheckpointEvery must be >= 0 (0: only at the end); got {CheckpointEvery}.");
            if (CheckpointDirectory is not null && string.IsNullOrWhiteSpace(CheckpointDirectory))
                throw new ArgumentException("CheckpointDirectory is empty; give a folder, or null to write no checkpoint.");
            if (CheckpointEvery > 0 && CheckpointDirectory is null)
                throw new ArgumentException($"CheckpointEvery = {CheckpointEvery} needs a CheckpointDirectory to write the checkpoints to.");
            if (Resume && CheckpointDirectory is null)
                throw new ArgumentException("Resume needs the CheckpointDirectory of the run to resume.");
            if (!(DivergenceFactor > 1))
                throw new ArgumentException($"DivergenceFactor must be > 1 (or PositiveInfinity to turn the check off); got {DivergenceFactor}.");
            if (OnDivergingLoss is not (FaultAction.Stop or FaultAction.Warn)) throw new ArgumentException($"OnDivergingLoss {OnDivergingLoss} is not a FaultAction.");
            if (OnEmptyLayer is not (FaultAction.Stop or FaultAction.Warn)) throw new ArgumentException($"OnEmptyLayer {OnEmptyLayer} is not a FaultAction.");
            if (GradientCheckEvery < 0) throw new ArgumentException($"GradientCheckEvery must be >= 0 (0: never); got {GradientCheckEvery}.");
            if (TrajectorySamplesPerEpoch < 1) throw new ArgumentException($"TrajectorySamplesPerEpoch must be at least 1; got {TrajectorySamplesPerEpoch}.");
            if (TrajectoryGroupLimit < 1) throw new ArgumentException($"TrajectoryGroupLimit must be at least 1; got {TrajectoryGroupLimit}.");
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
