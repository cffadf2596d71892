using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// One selection dynamic over the populations (neurons) of a layer: how masses move given their fitness. The
    /// extension point of evolutionary pruning: a new dynamic is one class implementing this interface (and, to be
    /// selectable from <c>[SelectionDynamics]</c>, a <see cref="Dynamics"/> member and a line in
    /// <see cref="SelectionDynamicFactory.Create"/>); any instance can also be set directly on
    /// <see cref="PopulationLayer.Dynamic"/>.
    /// </summary>
    /// <remarks>
    /// The contract every implementation keeps, and that <see cref="PopulationLayer"/> relies on:
    /// <list type="bullet">
    /// <item>the masses stay non-negative and are rescaled to mean 1 over the layer (the layer's simplex scaled by its
    /// size N, so an average gate is 1 and the layer's output scale does not drift);</item>
    /// <item>a zero mass stays zero (extinction is absorbing), so stepping a hard-pruned layer keeps it exact;</item>
    /// <item>equal fitness everywhere is a fixed point.</item>
    /// </list>
    /// </remarks>
    public interface ISelectionDynamic
    {
        /// <summary>A short name for reports, e.g. <c>replicator</c>.</summary>
        string Name { get; }

        /// <summary>One step, in place, under <c>no_grad</c>.</summary>
        /// <param name="mass">The masses m, shape [N], non-negative with mean 1; updated in place.</param>
        /// <param name="fitness">The fitness f of each population, shape [N], finite.</param>
        /// <param name="learningRate">The step size, greater than 0.</param>
        void Update(Tensor mass, Tensor fitness, double learningRate);
    }
}
