using System;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// <c>&lt;grad_theta_i L, theta_i&gt;</c> for every output neuron i of a Linear layer (theta_i = fan-in row and bias), or every
    /// channel of a Conv2d or BatchNorm (its filter or affine entries and bias), from
    /// the gradients the last backward pass left on the raw weights. One home for the quantity the game's benefit, the
    /// selection dynamics' fitness and the first-order Taylor criterion are all built on. When the layer's output is
    /// multiplied by a gate g_i (a participation or a mass), the raw gradients carry that factor and the product equals
    /// <c>g_i dL/dg_i</c>: 0 for a gate at 0.
    /// </summary>
    public static class GroupGradients
    {
        /// <summary>The row-wise inner products, shape [out], in the weight's dtype.</summary>
        /// <param name="layer">The layer.</param>
        /// <param name="name">The layer's name, for the error message.</param>
        /// <param name="caller">What needs the gradients (e.g. "a participation step"), for the error message.</param>
        public static Tensor Inner(Linear layer, string name, string caller)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var w = layer.weight ?? throw new ArgumentException($"Layer '{name}' has no weight.", nameof(layer));
            return Inner(w, layer.bias, name, caller);
        }

        /// <summary>
        /// <c>&lt;grad w_c, w_c&gt; + grad b_c b_c</c> for every slice c along dim 0 of any weight (a Linear's rows, a
        /// Conv2d's filters, a BatchNorm's affine weight), shape [dim 0], in the weight's dtype. When the module's output
        /// channel c is multiplied by a gate g_c and the output is homogeneous of degree 1 in (w_c, b_c) (a Linear, a
        /// convolution, a BatchNorm's affine), this is <c>g_c dL/dg_c</c> of that one gate site.
        /// </summary>
        /// <param name="weight">The weight, dim 0 the channels.</param>
        /// <param name="bias">The bias, or null.</param>
        /// <param name="name">The module's name, for the error message.</param>
        /// <param name="caller">What needs the gradients, for the error message.</param>
        public static Tensor Inner(Tensor weight, Tensor? bias, string name, string caller)
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            using var _ = no_grad();
            var gw = weight.grad ?? throw new InvalidOperationException(
                $"Layer '{name}' has no weight gradient: run loss.backward() before {caller}, and do not zero the gradients in between.");
            // Elementwise product and row sum: measured 6x faster on the CPU than a batched [out,1,in] x [out,in,1] product.
            using var product = gw * weight;
            Tensor inner;
            if (product.dim() == 2) inner = product.sum(1);
            else
            {
                using var rows = product.reshape(product.shape[0], -1);
                inner = rows.sum(1);
            }
            if (bias is not null && bias.grad is not null)
            {
                using var biasTerm = bias.grad * bias;
                inner.add_(biasTerm);
            }
            return inner;
        }
    }
}
