using System;
using PruneDsl.Quantization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// One layer after one-shot pruning and/or quantization: the new weight, which weights are kept, the stored quantized
    /// form when quantized, and the reconstruction error the sweep expects. Dispose it to free the tensors.
    /// </summary>
    public sealed class LayerReconstruction : IDisposable
    {
        internal LayerReconstruction(string layer, string method, Tensor weight, Tensor keepMask, QuantizedWeight? quantized, double estimatedError)
        {
            Layer = layer;
            Method = method;
            Weight = weight;
            KeepMask = keepMask;
            Quantized = quantized;
            EstimatedError = estimatedError;
            using var kept = keepMask.sum();
            Kept = kept.item<long>();
            Total = keepMask.numel();
        }

        /// <summary>The layer's name.</summary>
        public string Layer { get; }

        /// <summary>What produced it, e.g. <c>sparsegpt 2:4</c> or <c>magnitude 50% unstructured</c>.</summary>
        public string Method { get; }

        /// <summary>The new weight, float32 CPU <c>[out, in]</c>: 0 where not kept; the dequantized values when quantized.</summary>
        public Tensor Weight { get; }

        /// <summary>Bool CPU <c>[out, in]</c>, true where a weight is kept.</summary>
        public Tensor KeepMask { get; }

        /// <summary>The stored quantized form, when the kept weights were quantized.</summary>
        public QuantizedWeight? Quantized { get; }

        /// <summary>
        /// The increase of <c>||W X - W' X||^2 / n</c> over the calibration rows that the OBS sweep accounts for, under the
        /// damped Hessian (<c>sum (w - q)^2 / (2 U_jj^2)</c>); NaN for methods without an update (magnitude, Wanda).
        /// </summary>
        public double EstimatedError { get; }

        /// <summary>Weights kept.</summary>
        public long Kept { get; }

        /// <summary>Weights in the layer.</summary>
        public long Total { get; }

        /// <summary>The fraction of weights removed.</summary>
        public double Sparsity => Total == 0 ? 0 : 1.0 - (double)Kept / Total;

        /// <summary>Copies <see cref="Weight"/> into <paramref name="layer"/>'s weight (no gradient recorded; the bias is unchanged).</summary>
        /// <param name="layer">The layer, with the same shape.</param>
        public void ApplyTo(Linear layer)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var target = layer.weight!;
            if (!target.shape.AsSpan().SequenceEqual(Weight.shape))
                throw new ArgumentException($"Layer '{Layer}': the result is [{string.Join(", ", Weight.shape)}] but the layer's weight is [{string.Join(", ", target.shape)}].", nameof(layer));
            using var _ = no_grad();
            using var moved = Weight.to(target.dtype, target.device);
            target.copy_(moved);
        }

        /// <summary>Frees the tensors.</summary>
        public void Dispose()
        {
            Weight.Dispose();
            KeepMask.Dispose();
        }
    }
}
