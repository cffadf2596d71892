using System;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// Accumulates the layer-wise Hessian of a Linear layer's reconstruction error from its calibration inputs,
    /// <c>H = 2 X X^T / n</c> with X the <c>[features, n]</c> matrix of the n input rows seen (one row per sample or
    /// token), in float64 on the CPU. This is the Hessian of <c>||W X - W' X||^2 / n</c> with respect to each row of W,
    /// the block-diagonal approximation of OBS that SparseGPT and GPTQ use (docs/references/model-pruning-deep-dive.md,
    /// "Optimal Brain Surgeon: Second-Order Pruning").
    /// </summary>
    /// <remarks>
    /// With <see cref="AppendsOnes"/> every input row gets a constant 1 appended, so H is <c>[features + 1, features + 1]</c>
    /// and its last row and column describe the bias (the layer computes <c>[W | b] [x; 1]</c>). OBS for neurons uses this
    /// so that the bias absorbs the mean contribution of the removed inputs: inputs are not centred, and without the
    /// column the update could only spread that mean over the remaining inputs.
    /// Inputs are gathered by <see cref="Attach"/> (a forward pre-hook; hooks run through <c>module.call(x)</c>, not
    /// <c>forward(x)</c>) or passed to <see cref="Accumulate"/>.
    /// </remarks>
    public sealed class HessianAccumulator : IDisposable
    {
        private Tensor? _sum;
        private readonly System.Collections.Generic.List<IDisposable> _hooks = new();

        /// <summary>Creates an empty accumulator.</summary>
        /// <param name="features">The layer's in_features.</param>
        /// <param name="appendOnes">Append a constant 1 to every input row (a bias column), see the remarks.</param>
        /// <param name="layerName">The layer's name, for messages.</param>
        public HessianAccumulator(long features, bool appendOnes = false, string layerName = "layer")
        {
            if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, $"Layer '{layerName}': in_features must be positive.");
            Features = features;
            AppendsOnes = appendOnes;
            LayerName = layerName;
        }

        /// <summary>The layer's in_features.</summary>
        public long Features { get; }

        /// <summary>Whether a constant 1 is appended to every input row.</summary>
        public bool AppendsOnes { get; }

        /// <summary>The layer's name, for messages.</summary>
        public string LayerName { get; }

        /// <summary>Side of H: <see cref="Features"/>, plus 1 with <see cref="AppendsOnes"/>.</summary>
        public long Size => Features + (AppendsOnes ? 1 : 0);

        /// <summary>Input rows accumulated so far (n).</summary>
        public long Rows { get; private set; }

        /// <summary>
        /// Installs a forward pre-hook on <paramref name="layer"/> that accumulates every input it is called with. Dispose
        /// the returned handle (or this accumulator) to remove it.
        /// </summary>
        /// <param name="layer">The layer whose inputs to record; its in_features must be <see cref="Features"/>.</param>
        public IDisposable Attach(Linear layer)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var width = layer.weight!.shape[1];
            if (width != Features)
                throw new ArgumentException($"Layer '{LayerName}' has {width} inputs but the accumulator was made for {Features}.", nameof(layer));
            var handle = layer.register_forward_pre_hook((_, input) =>
            {
                Accumulate(input);
                return input;
            });
            var hook = new Hook(handle.remove);
            _hooks.Add(hook);
            return hook;
        }

        /// <summary>
        /// Adds one batch of inputs: any shape whose last dimension is <see cref="Features"/> (every leading index is a row).
        /// </summary>
        /// <param name="input">The inputs, <c>[..., features]</c>, any floating dtype and device.</param>
        public void Accumulate(Tensor input)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (input.dim() < 1 || input.shape[input.dim() - 1] != Features)
                throw new ArgumentException(
                    $"Layer '{LayerName}': the input's last dimension must be in_features ({Features}); got shape [{string.Join(", ", input.shape)}].",
                    nameof(input));
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var rows = input.detach().reshape(-1, Features).to(ScalarType.Float64, CPU);
            if (AppendsOnes) rows = cat(new[] { rows, ones(rows.shape[0], 1, dtype: ScalarType.Float64) }, 1);
            var gram = rows.t().matmul(rows);
            if (_sum is null) _sum = gram.DetachFromDisposeScope();
            else _sum.add_(gram);
            Rows += rows.shape[0];
        }

        /// <summary>
        /// <c>H = 2 X X^T / n</c> over every row accumulated: a new float64 CPU tensor <c>[Size, Size]</c> (undamped; see
        /// <see cref="LayerHessian"/> for the dampening and the factorizations). The caller disposes it.
        /// </summary>
        /// <exception cref="InvalidOperationException">No input was accumulated.</exception>
        public Tensor Hessian()
        {
            if (_sum is null || Rows == 0)
                throw new InvalidOperationException(
                    $"Layer '{LayerName}': no calibration inputs were recorded. Attach the accumulator and run calibration batches through model.call(x), " +
                    "or pass them to Accumulate, before asking for the Hessian.");
            return _sum.mul(2.0 / Rows);
        }

        /// <summary>Forgets every accumulated row (installed hooks stay).</summary>
        public void Reset()
        {
            _sum?.Dispose();
            _sum = null;
            Rows = 0;
        }

        /// <summary>Removes the hooks and frees the sum.</summary>
        public void Dispose()
        {
            foreach (var hook in _hooks) hook.Dispose();
            _hooks.Clear();
            Reset();
        }

        private sealed class Hook : IDisposable
        {
            private Action? _remove;

            public Hook(Action remove) => _remove = remove;

            public void Dispose()
            {
                _remove?.Invoke();
                _remove = null;
            }
        }
    }
}
