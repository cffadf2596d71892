using System;
using PruneDsl.Quantization;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// SparseGPT (Frantar and Alistarh 2023, "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot"):
    /// prunes one Linear layer from its layer-wise Hessian <c>H = 2 X X^T / n</c> and updates the weights it keeps so that
    /// <c>W' X</c> stays close to <c>W X</c> (docs/references/model-pruning-deep-dive.md, "Optimal Brain Surgeon").
    /// The mask is chosen inside each block of B columns by <c>w^2 / [H^-1]_jj^2</c> (the diagonal of the Cholesky factor
    /// of <c>H^-1</c>), over the whole block for an unstructured target, per group of M input columns for N:M; every pruned
    /// or quantized weight's error is pushed into the columns not yet processed (the sweep is described on
    /// <c>ObsColumnSweep</c>). With <see cref="ReconstructionSpec.Bits"/> set the kept weights are quantized in the same
    /// sweep (SparseGPT's joint sparsification and quantization).
    /// </summary>
    public static class SparseGpt
    {
        /// <summary>
        /// Prunes (and, with <c>Bits</c>, quantizes) one layer. The spec is validated first (the same
        /// <see cref="ReconstructionSpec.Validate(long)"/> the analyzers report); the weight is not changed: apply the
        /// result with <see cref="LayerReconstruction.ApplyTo"/>.
        /// </summary>
        /// <param name="weight">The layer's weight <c>[out, in]</c>.</param>
        /// <param name="hessian">Its undamped Hessian <c>[in, in]</c> (<see cref="HessianAccumulator.Hessian"/>).</param>
        /// <param name="spec">Method <see cref="ReconstructionMethod.SparseGpt"/> (or None: quantization only), target, block size, dampening, bits.</param>
        /// <param name="layerName">The layer, for messages.</param>
        /// <param name="calibrationRows">Rows behind the Hessian, for the message when it is singular (0 when unknown).</param>
        /// <exception cref="ArgumentException">Invalid spec, or shapes that do not match.</exception>
        /// <exception cref="InvalidOperationException">The damped Hessian is not positive definite.</exception>
        public static LayerReconstruction PruneLayer(Tensor weight, Tensor hessian, ReconstructionSpec spec, string layerName = "layer", long calibrationRows = 0)
        {
            var (rows, columns) = LayerSweep.Shape(weight, hessian, layerName);
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            spec.EnsureValid(layerName, columns);
            if (spec.Method == ReconstructionMethod.Obs)
                throw new ArgumentException($"Layer '{layerName}': the spec asks for OBS neuron removal; use ObsNeuronPruning (or OneShot.Run) for it.", nameof(spec));
            var target = spec.Method == ReconstructionMethod.None ? PruneTarget.Unstructured(0) : PruneTarget.From(spec);
            var scheme = QuantizationScheme.From(spec);
            using var upper = LayerHessian.InverseCholeskyUpper(hessian, spec.Dampening, layerName, calibrationRows);
            var result = ObsColumnSweep.Run(weight, upper, new ObsColumnSweep.Options(target, null, scheme, spec.BlockSize, layerName));
            var method = "sparsegpt " + target + (scheme is { } s ? ", " + s : "");
            return LayerSweep.Build(layerName, method, rows, columns, result, scheme, target.Pattern);
        }
    }

    /// <summary>Shared glue of the layer-level entry points.</summary>
    internal static class LayerSweep
    {
        public static (int Rows, int Columns) Shape(Tensor weight, Tensor hessian, string layerName)
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (hessian is null) throw new ArgumentNullException(nameof(hessian));
            if (weight.dim() != 2)
                throw new ArgumentException($"Layer '{layerName}': the weight must be 2-D [out, in], got [{string.Join(", ", weight.shape)}].", nameof(weight));
            if (hessian.dim() != 2 || hessian.shape[0] != weight.shape[1] || hessian.shape[1] != weight.shape[1])
                throw new ArgumentException(
                    $"Layer '{layerName}': the Hessian must be [in, in] = [{weight.shape[1]}, {weight.shape[1]}], got [{string.Join(", ", hessian.shape)}].", nameof(hessian));
            return (checked((int)weight.shape[0]), checked((int)weight.shape[1]));
        }

        public static LayerReconstruction Build(string layerName, string method, int rows, int columns, ObsColumnSweep.Result result,
            QuantizationScheme? scheme, Spec.SparsityPattern? storagePattern)
        {
            var shape = new long[] { rows, columns };
            using var weight64 = tensor(result.Weight, shape, dtype: ScalarType.Float64);
            var weight = weight64.to(ScalarType.Float32);
            var keep = tensor(result.Keep, shape);
            QuantizedWeight? quantized = null;
            if (scheme is { } s)
                quantized = QuantizedWeight.FromCodes(s, rows, columns, result.Codes, result.Scales, storagePattern, result.Keep, layerName);
            return new LayerReconstruction(layerName, method, weight, keep, quantized, result.EstimatedError);
        }
    }
}
