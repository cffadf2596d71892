using System;

namespace PruneDsl.Training
{
    /// <summary>
    /// Training met a number it cannot go on from: a NaN or infinite loss, gradient, participation or mass, or a loss far
    /// above where the run started (with <see cref="WeightTrainingOptions.OnDivergingLoss"/> = <see cref="FaultAction.Stop"/>).
    /// The message names the epoch, the step, the tensor and the last good checkpoint; the run's history up to the fault is
    /// in <see cref="History"/>, so its plots and report can still be written.
    /// </summary>
    public sealed class TrainingDivergedException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">The whole message.</param>
        /// <param name="epoch">The 1-based epoch of the fault.</param>
        /// <param name="step">The 1-based optimizer step at which it was found (the step that would have run).</param>
        /// <param name="tensor">What was not finite or diverged, e.g. <c>loss</c>, <c>gradient of fc1.weight</c>, <c>participation of fc2</c>.</param>
        /// <param name="value">The offending value where it is one number (the loss), else NaN.</param>
        /// <param name="lastCheckpoint">The last good checkpoint file, or null when none was written.</param>
        /// <param name="history">The run up to the fault, or null.</param>
        public TrainingDivergedException(string message, int epoch, long step, string tensor, double value, string? lastCheckpoint, RunHistory? history)
            : base(message)
        {
            Epoch = epoch;
            Step = step;
            Tensor = tensor;
            Value = value;
            LastCheckpoint = lastCheckpoint;
            History = history;
        }

        /// <summary>The 1-based epoch of the fault.</summary>
        public int Epoch { get; }

        /// <summary>The 1-based optimizer step at which the fault was found.</summary>
        public long Step { get; }

        /// <summary>What was not finite or diverged, e.g. <c>loss</c>, <c>gradient of fc1.weight</c>, <c>participation of fc2</c>.</summary>
        public string Tensor { get; }

        /// <summary>The offending value where it is one number (the loss), else NaN.</summary>
        public double Value { get; }

        /// <summary>The last good checkpoint file, or null when none was written.</summary>
        public string? LastCheckpoint { get; }

        /// <summary>The run up to the fault (its outcome says how it ended), or null.</summary>
        public RunHistory? History { get; }
    }
}
