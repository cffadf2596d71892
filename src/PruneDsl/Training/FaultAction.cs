namespace PruneDsl.Training
{
    /// <summary>What a run does when it meets a fault that it can survive (a diverging loss, a layer about to be emptied).</summary>
    public enum FaultAction
    {
        /// <summary>Stop with an exception that names the fault, where it happened and the last good checkpoint.</summary>
        Stop,

        /// <summary>Go on, and report a <see cref="TrainingWarning"/> (to the run's warning listener and its history).</summary>
        Warn,
    }
}
