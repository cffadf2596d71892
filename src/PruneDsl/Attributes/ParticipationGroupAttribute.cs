using System;

namespace PruneDsl
{
    /// <summary>
    /// Makes every output neuron of a <c>Linear</c> field a player of the pruning game: it gets a participation
    /// <c>s_i</c> in [0, 1] (initialised to 1) that gates the neuron's output, i.e. its fan-in row and bias. The source
    /// generator emits the participation buffers, the utility gradient, the projected ascent step and hard pruning.
    /// </summary>
    /// <remarks>
    /// The gate is applied by a forward hook, so the model's <c>forward</c> must invoke the layer with
    /// <c>fc1.call(x)</c> (TorchSharp's hook-aware entry point), not <c>fc1.forward(x)</c>. The class must be
    /// <c>partial</c> and call <c>RegisterComponents()</c> in its constructor, as every TorchSharp module does.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class ParticipationGroupAttribute : Attribute
    {
    }
}
