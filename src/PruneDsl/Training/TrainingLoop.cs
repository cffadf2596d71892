using System.Collections.Generic;
using PruneDsl.Game;

namespace PruneDsl.Training
{
    /// <summary>
    /// What the trainers' shared loop (an internal training session: shuffle, forward, loss and its checks, backward, the
    /// method's own step, the optimizer step, checkpoints) exposes for a hand-written loop: the first-batch gate check.
    /// The numerical checks are <see cref="FaultChecks"/>.
    /// </summary>
    public static class TrainingLoop
    {
        /// <summary>
        /// The trainers' first-batch check, run before any step: throws when a gate saw no forward pass, because
        /// <c>forward()</c> called its layer with <c>forward(x)</c> instead of <c>call(x)</c> and bypassed its hook. The rule
        /// and its message are those every gated layer's step applies (so a hand-written loop gets the same error).
        /// </summary>
        /// <param name="gates">Each gate's layer name and its forward passes since its last step (or ever, before the first).</param>
        /// <param name="modelName">The model class, for the message.</param>
        /// <param name="what">What the gate is ("participation gate", "population masses").</param>
        public static void EnsureGatesApplied(IEnumerable<(string Name, long Calls)> gates, string modelName, string what) =>
            GatePasses.EnsureUsed(gates, modelName, what);
    }
}
