namespace PruneDsl.Training
{
    /// <summary>What a <see cref="TrainingWarning"/> is about.</summary>
    public enum WarningKind
    {
        /// <summary>A layer was about to lose every group; it keeps its best one (highest participation, mass or score).</summary>
        LayerKeptBestGroup,

        /// <summary>The loss rose far above where the run started (<see cref="WeightTrainingOptions.DivergenceFactor"/>).</summary>
        LossDiverging,

        /// <summary><see cref="WeightTrainingOptions.Resume"/> was set but the checkpoint folder holds no checkpoint yet: the run starts at step 0.</summary>
        NothingToResume,

        /// <summary>Under a budget, the game ended: participations froze and folded into the weights (not a fault; a milestone).</summary>
        BudgetSettled,
    }

    /// <summary>
    /// Something a run survived but that its user should know: reported to the run's warning listener as it happens and
    /// kept in its <see cref="RunHistory.Warnings"/>, so no such event passes silently.
    /// </summary>
    /// <param name="Kind">What happened.</param>
    /// <param name="Message">What happened, where, and what to do about it, in words.</param>
    /// <param name="Epoch">The 1-based epoch, or 0 outside training (e.g. criterion pruning).</param>
    /// <param name="Step">The optimizer steps done when it happened (0 outside training).</param>
    /// <param name="Layer">The layer concerned, or null.</param>
    public sealed record TrainingWarning(WarningKind Kind, string Message, int Epoch = 0, long Step = 0, string? Layer = null);
}
