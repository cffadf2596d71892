using System.Collections.Generic;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// Implemented by the source generator for every model class whose <c>[ParticipationGroup]</c> layers evolve under
    /// <c>[SelectionDynamics]</c>: the evolution's view of the model. <see cref="PruneDsl.Training.EvolutionTrainer"/> works through it.
    /// </summary>
    public interface IPopulationModel
    {
        /// <summary>The evolving layers, in declaration order.</summary>
        IReadOnlyList<PopulationLayer> PopulationLayers { get; }

        /// <summary>
        /// One selection step on every evolving layer (<see cref="PopulationLayer.Step"/>), from the gradients of the last
        /// backward pass. Call it after <c>loss.backward()</c> and before the weight optimizer changes or zeroes them.
        /// </summary>
        void StepPopulations();

        /// <summary>Hard-prunes every gated layer (see <see cref="PopulationLayer.HardPrune"/>).</summary>
        void HardPrune();
    }
}
