using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// The numerical checks the trainers run on their hot path, for a hand-written loop too: is every gradient finite, is
    /// every gate (participation or mass) finite. Each check is one fused reduction and one read of a scalar (a NaN or an
    /// infinity anywhere makes the sum non-finite); only when it fails are the tensors searched one by one for the culprit,
    /// so the cost is a few small kernels per step (the TrainingStep benchmark measures it).
    /// </summary>
    public sealed class FaultChecks
    {
        private readonly (string Name, Parameter Parameter)[] _parameters;
        private readonly (string Name, Tensor Gate)[] _gates;
        private readonly string _quantity;

        /// <summary>Prepares the checks of <paramref name="model"/>'s parameters and of <paramref name="gates"/>.</summary>
        /// <param name="model">The model whose parameters' gradients are checked.</param>
        /// <param name="gates">The gated layers whose values are checked (none for a plain model).</param>
        /// <param name="quantity">What the gate values are, for messages: <c>participation</c> or <c>mass</c>.</param>
        public FaultChecks(nn.Module model, IEnumerable<IGroupGate> gates, string quantity)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (gates is null) throw new ArgumentNullException(nameof(gates));
            _parameters = model.named_parameters().Select(p => (p.name, p.parameter)).ToArray();
            _gates = gates.Select(g => (g.Name, g.Gate)).ToArray();
            _quantity = quantity ?? throw new ArgumentNullException(nameof(quantity));
        }

        /// <summary>
        /// The name of the first parameter whose gradient holds a NaN or an infinity (e.g. <c>gradient of fc1.weight</c>),
        /// or null when every gradient is finite (parameters without a gradient are skipped).
        /// </summary>
        public string? NonFiniteGradient()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Tensor? total = null;
            foreach (var (_, p) in _parameters)
            {
                var g = p.grad;
                if (g is null) continue;
                var sum = g.sum();
                total = total is null ? sum : total.add_(sum);
            }
            if (total is null || double.IsFinite(total.ToDouble())) return null;
            foreach (var (name, p) in _parameters)
            {
                var g = p.grad;
                if (g is not null && !g.isfinite().all().ToBoolean()) return $"gradient of {name}";
            }
            return null; // the sum overflowed on finite values: nothing to report
        }

        /// <summary>
        /// The first gate whose values hold a NaN or an infinity (e.g. <c>participation of fc2</c>), or null when every
        /// gate is finite.
        /// </summary>
        public string? NonFiniteGate()
        {
            if (_gates.Length == 0) return null;
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Tensor? total = null;
            foreach (var (_, gate) in _gates)
            {
                var sum = gate.sum();
                total = total is null ? sum : total.add_(sum);
            }
            if (double.IsFinite(total!.ToDouble())) return null;
            foreach (var (name, gate) in _gates)
                if (!gate.isfinite().all().ToBoolean()) return $"{_quantity} of {name}";
            return null;
        }
    }
}
