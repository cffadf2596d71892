using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// Multiply-accumulates of one forward pass per example, counted from one probe pass: every Conv2d contributes
    /// <c>(output elements per example) * (in_channels / groups) * kh * kw</c>, every Linear
    /// <c>(output elements per example) * in_features</c>; BatchNorm, activations and pooling are not counted (the usual
    /// convention of pruning papers).
    /// </summary>
    public static class MacCounter
    {
        /// <summary>
        /// Counts the MACs per example of <paramref name="model"/> for inputs of shape <paramref name="exampleShape"/>
        /// (without the batch dimension), with one forward pass of a zero batch of one example in eval mode and without
        /// gradients; the model's training mode is restored afterwards, so BatchNorm statistics are not touched.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="exampleShape">One example's shape, e.g. 1, 28, 28.</param>
        public static long Count(nn.Module<Tensor, Tensor> model, params long[] exampleShape)
        {
            long macs = 0;
            foreach (var (module, positions) in OutputPositions(model, exampleShape))
            {
                switch (module)
                {
                    case Conv2d conv:
                        macs += positions * conv.weight!.shape[0] * conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
                        break;
                    case Linear linear:
                        macs += positions * linear.weight!.shape[0] * linear.weight.shape[1];
                        break;
                }
            }
            return macs;
        }

        /// <summary>
        /// For every Conv2d and Linear that runs in one forward pass of <paramref name="model"/>: the positions each of its
        /// output channels is computed at per example (H_out * W_out for a Conv2d, the product of the leading dimensions for
        /// a Linear: 1 on [N, features]), from one forward pass of a zero batch of one example in eval mode and without
        /// gradients; the model's training mode is restored afterwards, so BatchNorm statistics are not touched. A module
        /// called more than once counts every call.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="exampleShape">One example's shape, e.g. 1, 28, 28.</param>
        public static IReadOnlyDictionary<nn.Module, long> OutputPositions(nn.Module<Tensor, Tensor> model, params long[] exampleShape)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (exampleShape is null || exampleShape.Length == 0) throw new ArgumentException("Give the shape of one example.", nameof(exampleShape));
            var first = model.parameters().FirstOrDefault();
            var shape = new long[exampleShape.Length + 1];
            shape[0] = 1;
            Array.Copy(exampleShape, 0, shape, 1, exampleShape.Length);
            var positions = new Dictionary<nn.Module, long>(ReferenceEqualityComparer.Instance);
            var removers = new List<Action>();
            var training = model.training;
            void Add(nn.Module module, long count) => positions[module] = positions.TryGetValue(module, out var p) ? p + count : count;
            try
            {
                var hooked = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
                foreach (var module in model.modules())
                {
                    if (!hooked.Add(module)) continue; // a module registered under two names runs its hook once per call
                    switch (module)
                    {
                        case Conv2d conv:
                            removers.Add(conv.register_forward_hook((_, _, output) =>
                            {
                                Add(conv, output.numel() / output.shape[0] / output.shape[1]);
                                return output;
                            }).remove);
                            break;
                        case Linear linear:
                            removers.Add(linear.register_forward_hook((_, _, output) =>
                            {
                                Add(linear, output.numel() / output.shape[0] / output.shape[^1]);
                                return output;
                            }).remove);
                            break;
                    }
                }
                model.eval();
                using var _ = no_grad();
                using var x = zeros(shape, dtype: first?.dtype ?? ScalarType.Float32, device: first?.device ?? CPU);
                using var y = model.call(x);
                return positions;
            }
            finally
            {
                foreach (var remove in removers) remove();
                model.train(training);
            }
        }

        /// <summary>The MACs of the plan's model for its declared input shape, or null when it declares none.</summary>
        internal static long? TryCount(ChannelPlan plan) =>
            plan.InputShape is { } shape && plan.Owner is nn.Module<Tensor, Tensor> model ? Count(model, shape.ToArray()) : null;
    }
}
