using System;

namespace PruneDsl.Evolution
{
    /// <summary>Maps each <see cref="Dynamics"/> value to its implementation.</summary>
    public static class SelectionDynamicFactory
    {
        /// <summary>A new instance of the dynamic <paramref name="kind"/> names.</summary>
        /// <param name="kind">The dynamic.</param>
        public static ISelectionDynamic Create(Dynamics kind) => kind switch
        {
            Dynamics.Replicator => new Replicator(),
            Dynamics.ExponentialWeights => new ExponentialWeights(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind,
                $"No selection dynamic is registered for Dynamics value {(int)kind}. Add a class implementing ISelectionDynamic and a case in SelectionDynamicFactory.Create, or set PopulationLayer.Dynamic directly."),
        };
    }
}
