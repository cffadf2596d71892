using System;
using System.Runtime.InteropServices;
using PruneDsl.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Sparsity
{
    /// <summary>
    /// An inference-only Linear layer with an N:M sparse weight: built from a trained <see cref="Linear"/>, it keeps the
    /// N largest-magnitude weights of every group of M consecutive inputs (<see cref="NmSparsity"/>), stores them
    /// compressed (<see cref="NmCompressed"/>) and multiplies with <see cref="NmKernel"/> on the CPU.
    /// </summary>
    /// <remarks>
    /// <para><b>CPU</b>: <c>forward</c> computes <c>x W^T + b</c> straight from <see cref="Compressed"/> (float32; an input
    /// of another floating dtype is converted, and the result is converted back).</para>
    /// <para><b>CUDA and every other device</b>: TorchSharp 0.107 has no semi-structured (2:4) sparse tensors and no
    /// cuSPARSELt binding, so no sparse-tensor-core path exists. There <c>forward</c> runs
    /// <c>nn.functional.linear</c> with the dense masked weight (<see cref="Weight"/>, zeros where the mask is false),
    /// which computes exactly the same function at dense speed. Move the module with <c>.to(device)</c> first: the dense
    /// weight and bias are registered buffers and travel with it; the compressed form stays in managed CPU memory.</para>
    /// <para><b>Autograd</b>: the CPU kernel records no gradient. An input that requires a gradient while grad mode is on
    /// goes through the dense masked product instead, so autograd still sees a correct graph (this layer's own weights
    /// are buffers and never receive gradients).</para>
    /// <para>The state dict holds <c>weight</c> (the dense masked weight) and <c>bias</c>, the names of a
    /// <see cref="Linear"/>. The source's forward hooks are not copied: after compaction a participation gate is 1.</para>
    /// </remarks>
    public sealed class NmLinear : nn.Module<Tensor, Tensor>
    {
        private readonly float[] _biasValues;
        private readonly string _layerName;

        /// <summary>
        /// Builds the layer from <paramref name="source"/>: copies its weight, applies the N:M magnitude mask to the copy
        /// (a weight already masked by training keeps its mask), compresses it, and copies the bias. The source is not
        /// modified.
        /// </summary>
        /// <param name="name">The layer's name (its field name, e.g. <c>fc2</c>); used as the module name and in errors.</param>
        /// <param name="source">The trained layer, weight <c>[out, in]</c>; M must divide <c>in</c>.</param>
        /// <param name="pattern">The N:M pattern, e.g. 2:4.</param>
        /// <exception cref="ArgumentException">The pattern is invalid or M does not divide the input width.</exception>
        public NmLinear(string name, Linear source, SparsityPattern pattern) : base(string.IsNullOrWhiteSpace(name) ? nameof(NmLinear) : name)
        {
            if (source is null) throw new ArgumentNullException(nameof(source));
            _layerName = string.IsNullOrWhiteSpace(name) ? nameof(NmLinear) : name;
            var sourceWeight = source.weight ?? throw new ArgumentException($"NmLinear '{_layerName}': the source layer has no weight.", nameof(source));
            if (sourceWeight.dim() != 2)
                throw new ArgumentException(
                    $"NmLinear '{_layerName}': the source weight must be 2-D [out, in], but its shape is [{string.Join(", ", sourceWeight.shape)}].",
                    nameof(source));
            NmSparsity.Validate(_layerName, pattern, sourceWeight.shape[1]);

            using (no_grad())
            {
                var weight = sourceWeight.detach().clone();
                var mask = NmSparsity.Prune(weight, pattern, _layerName);
                Compressed = NmCompressed.FromTensor(weight, pattern, _layerName);
                var bias = source.bias?.detach().clone();
                _biasValues = bias is null ? Array.Empty<float>() : TensorData.ToFloatArray(bias);
                register_buffer("weight", weight, persistent: true);
                if (bias is not null) register_buffer("bias", bias, persistent: true);
                register_buffer("mask", mask, persistent: false);
            }
            Pattern = pattern;
            InFeatures = (int)sourceWeight.shape[1];
            OutFeatures = (int)sourceWeight.shape[0];
            // Marks the components as registered, so an owning module's RegisterComponents() adds nothing here.
            RegisterComponents();
        }

        /// <summary>The N:M pattern.</summary>
        public SparsityPattern Pattern { get; }

        /// <summary>The masked weight in compressed N:M form (what the CPU kernel multiplies with).</summary>
        public NmCompressed Compressed { get; }

        /// <summary>Input features.</summary>
        public int InFeatures { get; }

        /// <summary>Output features.</summary>
        public int OutFeatures { get; }

        /// <summary>Which CPU kernel implementation runs (default: SIMD where supported).</summary>
        public NmKernelPath KernelPath { get; set; } = NmKernelPath.Auto;

        /// <summary>The dense masked weight <c>[out, in]</c> (buffer <c>weight</c>; on the module's device).</summary>
        public Tensor Weight => get_buffer("weight")!;

        /// <summary>The bias <c>[out]</c> (buffer <c>bias</c>), or null when the source had none.</summary>
        public Tensor? Bias => get_buffer("bias");

        /// <summary>
        /// The N:M keep-mask, bool <c>[out, in]</c>, true where a weight is kept (non-persistent buffer <c>mask</c>: on the
        /// module's device, not in the state dict). Owned by this layer.
        /// </summary>
        public Tensor Mask => get_buffer("mask")!;

        /// <summary>
        /// <c>x W^T + b</c> for <c>x</c> of shape <c>[..., in]</c> (e.g. <c>[batch, in]</c> or <c>[in]</c>); the result has
        /// shape <c>[..., out]</c>. CPU inputs use the N:M kernel, other devices the dense masked weight (see remarks).
        /// </summary>
        /// <param name="x">The input.</param>
        /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>.</exception>
        public override Tensor forward(Tensor x)
        {
            if (x is null) throw new ArgumentNullException(nameof(x));
            if (x.dim() == 0 || x.shape[^1] != InFeatures)
                throw new ArgumentException(
                    $"NmLinear '{_layerName}' ({Pattern}, {InFeatures} -> {OutFeatures}) takes inputs of width {InFeatures}, but got width " +
                    $"{(x.dim() == 0 ? 0 : x.shape[^1])} (input shape [{string.Join(", ", x.shape)}]). Check the layer before it, or the model's input size.",
                    nameof(x));

            var weight = Weight;
            if (x.device_type != DeviceType.CPU || (is_grad_enabled() && x.requires_grad) || !x.is_floating_point())
            {
                if (x.device_type != weight.device_type || x.device_index != weight.device_index)
                    throw new InvalidOperationException(
                        $"NmLinear '{_layerName}' holds its weight on {weight.device} but the input is on {x.device}; move the module with .to({x.device}) first.");
                return nn.functional.linear(x, weight, Bias);
            }
            if (weight.device_type != DeviceType.CPU)
                throw new InvalidOperationException(
                    $"NmLinear '{_layerName}' holds its weight on {weight.device} but the input is on the CPU; move the input with .to({weight.device}) or the module with .cpu().");

            using var scope = NewDisposeScope();
            var leading = x.shape[..^1];
            long rows = 1;
            foreach (var d in leading) rows *= d;
            if (rows > int.MaxValue / Math.Max(InFeatures, OutFeatures))
                throw new ArgumentException($"NmLinear '{_layerName}': {rows} input rows are too many for one call; split the batch.", nameof(x));

            var input = x.reshape(rows, InFeatures).to(ScalarType.Float32).contiguous();
            var output = empty(new[] { rows, (long)OutFeatures }, dtype: ScalarType.Float32);
            ReadOnlySpan<float> xs = MemoryMarshal.Cast<byte, float>(input.bytes);
            Span<float> ys = MemoryMarshal.Cast<byte, float>(output.bytes);
            NmKernel.MatMul(xs, (int)rows, Compressed, _biasValues, ys, KernelPath);

            var shape = new long[leading.Length + 1];
            leading.CopyTo(shape, 0);
            shape[^1] = OutFeatures;
            var result = output.reshape(shape);
            if (x.dtype != ScalarType.Float32) result = result.to(x.dtype);
            return result.MoveToOuterDisposeScope();
        }
    }
}
