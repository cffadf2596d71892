using System;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Quantization
{
    /// <summary>
    /// GPTQ-style quantization (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative
    /// Pre-trained Transformers") of one Linear layer: the columns are quantized left to right (symmetric, per output
    /// channel or per group of columns, <see cref="SymmetricQuantizer"/>) and each column's rounding error is pushed into
    /// the columns not yet quantized through the Cholesky factor of the inverse layer-wise Hessian, the same sweep and
    /// the same Hessian as <see cref="SparseGpt"/> (docs/references/model-pruning-deep-dive.md: "GPTQ uses exactly this
    /// approach for quantization"). Pruned weights are held at exactly 0: the keep-mask is applied before quantizing and
    /// every masked weight's target value is 0, so its (updated) value is pushed on like a pruning error.
    /// </summary>
    public static class Gptq
    {
        /// <summary>
        /// Quantizes one layer to <see cref="ReconstructionSpec.Bits"/> with <see cref="ReconstructionSpec.GroupSize"/>,
        /// block size and dampening from the spec (validated first). The weight is not changed: apply the result with
        /// <see cref="LayerReconstruction.ApplyTo"/>.
        /// </summary>
        /// <param name="weight">The (possibly pruned) weight <c>[out, in]</c>.</param>
        /// <param name="hessian">Its undamped Hessian <c>[in, in]</c>.</param>
        /// <param name="spec">Bits 4 or 8; its <c>Pattern</c>, when set, is the N:M form the result is stored in (the mask must satisfy it).</param>
        /// <param name="keepMask">Bool <c>[out, in]</c>, true where a weight is kept; null: the weight's nonzero entries.</param>
        /// <param name="layerName">The layer, for messages.</param>
        /// <param name="calibrationRows">Rows behind the Hessian, for the message when it is singular (0 when unknown).</param>
        public static LayerReconstruction QuantizeLayer(Tensor weight, Tensor hessian, ReconstructionSpec spec, Tensor? keepMask = null,
            string layerName = "layer", long calibrationRows = 0)
        {
            var (rows, columns) = LayerSweep.Shape(weight, hessian, layerName);
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            spec.EnsureValid(layerName, columns);
            var scheme = QuantizationScheme.From(spec)
                ?? throw new ArgumentException($"Layer '{layerName}': GPTQ needs Bits = 4 or 8 in the spec.", nameof(spec));
            var keep = KeepArray(weight, keepMask, layerName);
            ObsColumnSweep.Result result;
            using (var scope = NewDisposeScope())
            {
                var masked = weight.detach().to(ScalarType.Float64, CPU).mul(tensor(keep, weight.shape));
                var upper = LayerHessian.InverseCholeskyUpper(hessian, spec.Dampening, layerName, calibrationRows);
                result = ObsColumnSweep.Run(masked, upper,
                    new ObsColumnSweep.Options(PruneTarget.Unstructured(0), keep, scheme, spec.BlockSize, layerName));
            }
            var pattern = spec.Pattern is null ? (SparsityPattern?)null : SparsityPattern.Parse(spec.Pattern);
            return LayerSweep.Build(layerName, "gptq " + scheme, rows, columns, result, scheme, pattern);
        }

        internal static bool[] KeepArray(Tensor weight, Tensor? keepMask, string layerName)
        {
            using var scope = NewDisposeScope();
            var keep = keepMask ?? weight.detach().ne(0);
            if (!keep.shape.AsSpan().SequenceEqual(weight.shape))
                throw new ArgumentException(
                    $"Layer '{layerName}': the keep-mask is [{string.Join(", ", keep.shape)}] but the weight is [{string.Join(", ", weight.shape)}].", nameof(keepMask));
            return keep.to(ScalarType.Bool, CPU).contiguous().data<bool>().ToArray();
        }
    }

    /// <summary>
    /// Round-to-nearest quantization, the baseline GPTQ is measured against: every kept weight becomes its nearest code
    /// (<see cref="SymmetricQuantizer"/>, scale from the row's or group's largest kept magnitude), with no error feedback
    /// and no calibration. Zero weights (pruned) stay exactly 0.
    /// </summary>
    public static class RoundToNearest
    {
        /// <summary>Quantizes one layer's weight; the weight is not changed.</summary>
        /// <param name="weight">The (possibly pruned) weight <c>[out, in]</c>.</param>
        /// <param name="scheme">Bits and grouping.</param>
        /// <param name="pattern">The N:M form to store the result in (the weight must satisfy it), or null for dense storage.</param>
        /// <param name="layerName">The layer, for messages.</param>
        public static LayerReconstruction Quantize(Tensor weight, QuantizationScheme scheme, SparsityPattern? pattern = null, string layerName = "layer")
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (weight.dim() != 2) throw new ArgumentException($"Layer '{layerName}': the weight must be 2-D [out, in].", nameof(weight));
            if (scheme.Bits == 0) throw new ArgumentException($"Layer '{layerName}': the quantization scheme is empty; use new QuantizationScheme(4 or 8).", nameof(scheme));
            int rows = checked((int)weight.shape[0]), columns = checked((int)weight.shape[1]);
            var perScale = scheme.ColumnsPerScale(columns);
            if (columns % perScale != 0)
                throw new ArgumentException($"Layer '{layerName}': the group size {scheme.GroupSize} does not divide the {columns} input columns.", nameof(scheme));
            var keep = Gptq.KeepArray(weight, null, layerName);
            using var w64 = weight.detach().to(ScalarType.Float64, CPU).contiguous();
            var w = w64.data<double>().ToArray();
            int scalesPerRow = scheme.ScalesPerRow(columns);
            var scales = new float[(long)rows * scalesPerRow];
            var codes = new sbyte[w.Length];
            var values = new double[w.Length];
            for (int r = 0; r < rows; r++)
                for (int g = 0; g < scalesPerRow; g++)
                {
                    double max = 0;
                    for (int j = g * perScale; j < (g + 1) * perScale; j++) max = Math.Max(max, Math.Abs(w[(long)r * columns + j]));
                    var scale = scales[(long)r * scalesPerRow + g] = SymmetricQuantizer.Scale(max, scheme.Bits);
                    for (int j = g * perScale; j < (g + 1) * perScale; j++)
                    {
                        var at = (long)r * columns + j;
                        var code = SymmetricQuantizer.Code(w[at], scale, scheme.Bits);
                        codes[at] = (sbyte)code;
                        values[at] = SymmetricQuantizer.Dequantize(code, scale);
                    }
                }
            var result = new ObsColumnSweep.Result(values, keep, codes, scales, double.NaN);
            return LayerSweep.Build(layerName, "rtn " + scheme, rows, columns, result, scheme, pattern);
        }
    }
}
