using System;
using System.Collections.Generic;
using System.Linq;

namespace PruneDsl.Game
{
    /// <summary>
    /// The forward passes through one gate (a forward hook on a Linear layer), and the one rule about them: a step of the
    /// gate's values (participations or masses) needs a forward pass through the gate since the gate's previous step, or,
    /// before its first step, at least one. A gate that sees none is bypassed: TorchSharp runs forward hooks only through
    /// <c>call(x)</c>, so a model whose <c>forward</c> calls <c>layer.forward(x)</c> trains without its gate. The layers
    /// (<see cref="ParticipationLayer.Step"/>, <c>PopulationLayer.Step</c>) and the trainers' first-batch check
    /// (<see cref="Training.TrainingLoop.EnsureGatesApplied"/>) all apply this rule and throw its message.
    /// </summary>
    internal sealed class GatePasses
    {
        private long _count;
        private long _atLastStep;

        /// <summary>Forward passes through the gate so far.</summary>
        public long Count => _count;

        /// <summary>Forward passes through the gate since its last step (all of them before the first step).</summary>
        public long SinceLastStep => _count - _atLastStep;

        /// <summary>Counts one forward pass; called by the gate's forward hook.</summary>
        public void Record() => _count++;

        /// <summary>
        /// Applies the rule before one step of the gate <paramref name="layer"/> of <paramref name="model"/> (throws when it
        /// saw no forward pass since its last step); the caller then steps and calls <see cref="MarkStep"/>.
        /// </summary>
        public void EnsureUsedSinceLastStep(string layer, string? model, string what)
        {
            if (SinceLastStep > 0) return; // the hot path: no allocation
            EnsureUsed(new[] { (layer, SinceLastStep) }, model, what);
        }

        /// <summary>Records that the gate's values took a step: the next step needs a new forward pass.</summary>
        public void MarkStep() => _atLastStep = _count;

        /// <summary>
        /// The rule over several gates: throws one <see cref="InvalidOperationException"/> naming every gate with no forward
        /// pass since its last step, the model and the fix.
        /// </summary>
        /// <param name="gates">Each gate's layer name and its forward passes since its last step (or ever, before the first).</param>
        /// <param name="model">The model class, or null when unknown.</param>
        /// <param name="what">What the gate holds, e.g. "participation gate" or "population masses".</param>
        public static void EnsureUsed(IEnumerable<(string Layer, long PassesSinceStep)> gates, string? model, string what)
        {
            var bypassed = gates.Where(g => g.PassesSinceStep == 0).Select(g => $"'{g.Layer}'").ToList();
            if (bypassed.Count == 0) return;
            var layers = bypassed.Count == 1 ? "Layer " + bypassed[0] : "Layers " + string.Join(", ", bypassed);
            var of = model is null ? "" : $" of '{model}'";
            throw new InvalidOperationException(
                $"{layers}{of}: the {what} saw no forward pass since the previous step (or, before the first step, none at all), " +
                "so training would go on without it. The gate is a forward hook, which TorchSharp runs only through call(): " +
                "call the layer with layer.call(x), not layer.forward(x), in forward(), and run the forward pass and backward() before each step.");
        }
    }
}
