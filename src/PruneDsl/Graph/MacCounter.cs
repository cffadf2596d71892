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
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (exampleShape is null || exampleShape.Length == 0) throw new ArgumentException("Give the shape of one example.", nameof(exampleShape));
            var first = model.parameters().FirstOrDefault();
            var shape = new long[exampleShape.Length + 1];
            shape[0] = 1;
            Array.Copy(exampleShape, 0, shape, 1, exampleShape.Length);
            long macs = 0;
            var removers = new List<Action>();
            var training = model.training;
            try
            {
                foreach (var module in model.modules())
                {
                    switch (module)
                    {
                        case Conv2d conv:
                            removers.Add(conv.register_forward_hook((_, _, output) =>
                            {
                                var perOutput = conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
                                macs += output.numel() / output.shape[0] * perOutput;
                                return output;
                            }).remove);
                            break;
                        case Linear linear:
                            removers.Add(linear.register_forward_hook((_, _, output) =>
                            {
                                macs += output.numel() / output.shape[0] * linear.weight!.shape[1];
                                return output;
                            }).remove);
                            break;
                    }
                }
                model.eval();
                using var _ = no_grad();
                using var x = zeros(shape, dtype: first?.dtype ?? ScalarType.Float32, device: first?.device ?? CPU);
                using var y = model.call(x);
                return macs;
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
