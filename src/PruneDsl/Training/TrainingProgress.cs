using System;
using System.Collections.Generic;

namespace PruneDsl.Training
{
    /// <summary>What part of a run a <see cref="TrainingProgress"/> report comes from.</summary>
    public enum TrainingPhase
    {
        /// <summary>Weight training with the participation or selection step (the game; evolution's selection epochs).</summary>
        Training,

        /// <summary>Evolution's fine-tune of the pruned network.</summary>
        FineTune,

        /// <summary>Measuring the held-out accuracy at the end of an epoch.</summary>
        Evaluation,

        /// <summary>The game's end-of-training equilibrium certificate.</summary>
        Certificate,

        /// <summary>Deciding and applying the final pruning.</summary>
        Pruning,
    }

    /// <summary>One gated layer's kept groups.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Kept">Groups kept (participation at or above epsilon; populations not extinct).</param>
    /// <param name="Groups">All its groups.</param>
    public sealed record LayerCount(string Layer, int Kept, int Groups);

    /// <summary>
    /// Where a training run stands, reported after every optimizer step (and when a phase without steps starts): the
    /// inputs of a progress bar with epoch, step, loss, accuracy, kept groups per layer and the time left.
    /// </summary>
    /// <param name="Phase">What the run is doing.</param>
    /// <param name="Epoch">The 1-based epoch (fine-tune epochs continue the count).</param>
    /// <param name="Epochs">All epochs of the run (fine-tune included).</param>
    /// <param name="Batch">Batches done in this epoch.</param>
    /// <param name="Batches">Batches per epoch.</param>
    /// <param name="Step">Optimizer steps done in the whole run (a resumed run counts on from its checkpoint).</param>
    /// <param name="TotalSteps">Optimizer steps of the whole run.</param>
    /// <param name="FirstStep">The step this session started from (0, or the checkpoint's step after a resume).</param>
    /// <param name="Loss">The last step's training loss (NaN before the first step).</param>
    /// <param name="TestAccuracy">The held-out accuracy at the end of the last epoch, or null before the first.</param>
    /// <param name="Kept">Kept groups per gated layer (refreshed a few times a second and at every epoch's end).</param>
    /// <param name="Elapsed">Wall time of this session.</param>
    public sealed record TrainingProgress(TrainingPhase Phase, int Epoch, int Epochs, int Batch, int Batches, long Step, long TotalSteps,
        long FirstStep, double Loss, double? TestAccuracy, IReadOnlyList<LayerCount> Kept, TimeSpan Elapsed)
    {
        /// <summary>The fraction of the run's steps done, in [0, 1].</summary>
        public double Fraction => TotalSteps <= 0 ? 1 : Math.Clamp((double)Step / TotalSteps, 0, 1);

        /// <summary>
        /// The time left at this session's pace (its elapsed time over the steps it did, times the steps left); null before
        /// its first step.
        /// </summary>
        public TimeSpan? Remaining
        {
            get
            {
                var done = Step - FirstStep;
                if (done <= 0) return null;
                var left = Math.Max(0, TotalSteps - Step);
                return TimeSpan.FromTicks((long)(Elapsed.Ticks / (double)done * left));
            }
        }
    }

    /// <summary>
    /// Where a long piece of work outside training stands: evaluation, criterion scoring (calibration batches),
    /// compaction. Reported after each unit of work.
    /// </summary>
    /// <param name="Work">What is being done, e.g. <c>evaluation</c>, <c>calibration</c>, <c>compaction</c>.</param>
    /// <param name="Done">Units done (batches, layers).</param>
    /// <param name="Total">All units.</param>
    /// <param name="Elapsed">Wall time since the work started.</param>
    /// <param name="Detail">What the last unit was (e.g. the layer compacted), or null.</param>
    public sealed record WorkProgress(string Work, long Done, long Total, TimeSpan Elapsed, string? Detail = null)
    {
        /// <summary>The time left at the pace so far; null before the first unit.</summary>
        public TimeSpan? Remaining => Done <= 0 ? null : TimeSpan.FromTicks((long)(Elapsed.Ticks / (double)Done * Math.Max(0, Total - Done)));
    }
}
