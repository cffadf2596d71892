using System.Collections.Generic;

namespace PruneDsl.Game
{
    /// <summary>
    /// Implemented by the source generator for every model class with <c>[ParticipationGroup]</c> fields: the game's
    /// view of the model. Trainers and reports work through this interface only.
    /// </summary>
    public interface IParticipationModel
    {
        /// <summary>The gated layers, in declaration order.</summary>
        IReadOnlyList<ParticipationLayer> ParticipationLayers { get; }

        /// <summary>
        /// One projected gradient-ascent step (Eq. 17) on every participation, from the gradients of the last backward
        /// pass. Call it after <c>loss.backward()</c> and before the weight optimizer zeroes the gradients, once per forward
        /// pass: it throws (<see cref="ParticipationLayer.Step"/>) when a gate saw no forward pass since the previous step.
        /// </summary>
        void StepParticipations();

        /// <summary>Hard-prunes every gated layer (see <see cref="ParticipationLayer.HardPrune"/>).</summary>
        void HardPrune();
    }
}
