using System;

namespace PruneDsl.Training
{
    /// <summary>
    /// A layer was about to lose every one of its groups and the run was configured to stop rather than keep the best
    /// group (<see cref="WeightTrainingOptions.OnEmptyLayer"/> or <c>CriterionPruner.WhenLayerWouldBeEmpty</c> =
    /// <see cref="FaultAction.Stop"/>). Nothing was pruned by the decision that would have emptied it.
    /// </summary>
    public sealed class EmptyLayerException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">The whole message.</param>
        /// <param name="layer">The layer that would have been emptied.</param>
        /// <param name="history">The run up to this point, or null outside a trainer.</param>
        public EmptyLayerException(string message, string layer, RunHistory? history = null) : base(message)
        {
            Layer = layer;
            History = history;
        }

        /// <summary>The layer that would have been emptied.</summary>
        public string Layer { get; }

        /// <summary>The run up to this point (trainers), or null.</summary>
        public RunHistory? History { get; }
    }
}
