using System;
using System.Linq;
using PruneDsl.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Sparsity
{
    /// <summary>
    /// Keeps a <see cref="Linear"/> layer N:M sparse during training (the NVIDIA recipe: "at each weight update, for each
    /// group of M weights zero out the M-N of lowest magnitude; update only the nonzero weights").
    /// </summary>
    /// <remarks>
    /// <para>Design: the layer's own weight is masked in place (no shadow copy, no change to its forward), so
    /// <c>forward</c> and <c>call</c> both compute with at most N of every M weights nonzero. Two calls per training
    /// step keep it that way:</para>
    /// <code>
    /// loss.backward();
    /// sparse.BeforeOptimizerStep();   // zero the gradients of pruned weights (when MaskGradients is on)
    /// optimizer.step();
    /// sparse.AfterOptimizerStep();    // count the step, refresh the mask when due, re-apply it in place
    /// </code>
    /// <para>The mask is recomputed from the current weights every <see cref="RefreshEvery"/> optimizer steps (every
    /// step by default) and re-applied after every step in between, so a weight the optimizer moved off zero (momentum,
    /// or gradients left unmasked) is zeroed again. With <see cref="MaskGradients"/> on, pruned weights receive no
    /// update and stay exactly zero, so a refresh keeps the same weights (the paper's fixed-mask fine-tuning). With it
    /// off, pruned weights take one gradient step before being zeroed again, and a refresh lets those that grew past a
    /// kept weight of their group back in (dynamic N:M).</para>
    /// </remarks>
    public sealed class NmMaskedLinear : IDisposable
    {
        private Tensor _mask;
        private bool _disposed;

        /// <summary>
        /// Computes the N:M mask of the layer's weight and applies it in place.
        /// </summary>
        /// <param name="layer">The layer to keep sparse; its weight is <c>[out, in]</c>.</param>
        /// <param name="pattern">The N:M pattern; M must divide the layer's in_features.</param>
        /// <param name="layerName">The layer's name (e.g. its field name), used in error messages.</param>
        /// <param name="refreshEvery">Recompute the mask every this many optimizer steps (1 = every step).</param>
        /// <param name="maskGradients">Whether <see cref="BeforeOptimizerStep"/> zeroes the gradients of pruned weights.</param>
        /// <exception cref="ArgumentException">The pattern is invalid, M does not divide the input width, or
        /// <paramref name="refreshEvery"/> is below 1.</exception>
        public NmMaskedLinear(Linear layer, SparsityPattern pattern, string layerName, int refreshEvery = 1, bool maskGradients = true)
        {
            Layer = layer ?? throw new ArgumentNullException(nameof(layer));
            LayerName = string.IsNullOrWhiteSpace(layerName) ? "linear" : layerName;
            if (layer.weight is null)
                throw new ArgumentException($"N:M sparsity on layer '{LayerName}': the layer has no weight.", nameof(layer));
            if (refreshEvery < 1)
                throw new ArgumentException(
                    $"N:M sparsity on layer '{LayerName}' (pattern {pattern}): refreshEvery must be at least 1 (1 = refresh after every step), but it is {refreshEvery}.",
                    nameof(refreshEvery));
            NmSparsity.Validate(LayerName, pattern, layer.weight.shape[1]);
            Pattern = pattern;
            RefreshEvery = refreshEvery;
            MaskGradients = maskGradients;
            _mask = NmSparsity.Prune(layer.weight, pattern, LayerName);
        }

        /// <summary>The layer kept sparse.</summary>
        public Linear Layer { get; }

        /// <summary>The layer's name used in messages.</summary>
        public string LayerName { get; }

        /// <summary>The N:M pattern.</summary>
        public SparsityPattern Pattern { get; }

        /// <summary>The mask is recomputed from the weights every this many optimizer steps.</summary>
        public int RefreshEvery { get; }

        /// <summary>Whether <see cref="BeforeOptimizerStep"/> zeroes the gradients of pruned weights.</summary>
        public bool MaskGradients { get; }

        /// <summary>Optimizer steps seen by <see cref="AfterOptimizerStep"/>.</summary>
        public long Steps { get; private set; }

        /// <summary>How many times the mask was recomputed after construction.</summary>
        public long Refreshes { get; private set; }

        /// <summary>The current mask: bool <c>[out, in]</c>, true where a weight is kept. Owned by this object.</summary>
        public Tensor Mask
        {
            get
            {
                ThrowIfDisposed();
                return _mask;
            }
        }

        /// <summary>
        /// Call after <c>backward()</c> and before <c>optimizer.step()</c>: zeroes the gradients of pruned weights when
        /// <see cref="MaskGradients"/> is on (does nothing when it is off or the weight has no gradient yet).
        /// </summary>
        public void BeforeOptimizerStep()
        {
            ThrowIfDisposed();
            if (!MaskGradients) return;
            var grad = Layer.weight!.grad;
            if (grad is null) return;
            NmSparsity.ApplyMask(grad, _mask);
        }

        /// <summary>
        /// Call after <c>optimizer.step()</c>: counts the step, recomputes the mask from the current weights when
        /// <see cref="Steps"/> is a multiple of <see cref="RefreshEvery"/>, and applies the mask in place.
        /// </summary>
        /// <returns>True when the mask was recomputed this step.</returns>
        public bool AfterOptimizerStep()
        {
            ThrowIfDisposed();
            Steps++;
            if (Steps % RefreshEvery == 0)
            {
                Refresh();
                return true;
            }
            NmSparsity.ApplyMask(Layer.weight!, _mask);
            return false;
        }

        /// <summary>Recomputes the mask from the current weights now and applies it in place.</summary>
        public void Refresh()
        {
            ThrowIfDisposed();
            // The mask outlives any dispose scope the caller's step runs in (a training loop's per-batch scope).
            var fresh = NmSparsity.Prune(Layer.weight!, Pattern, LayerName).DetachFromDisposeScope();
            _mask.Dispose();
            _mask = fresh;
            Refreshes++;
        }

        /// <summary>
        /// Convenience for one layer: masks the gradients, runs <paramref name="optimizerStep"/>, then calls
        /// <see cref="AfterOptimizerStep"/>. With several sparse layers sharing one optimizer, call
        /// <see cref="BeforeOptimizerStep"/> and <see cref="AfterOptimizerStep"/> on each instead.
        /// </summary>
        /// <param name="optimizerStep">The optimizer's step, e.g. <c>() => optimizer.step()</c>.</param>
        /// <returns>True when the mask was recomputed this step.</returns>
        public bool Step(Action optimizerStep)
        {
            if (optimizerStep is null) throw new ArgumentNullException(nameof(optimizerStep));
            BeforeOptimizerStep();
            optimizerStep();
            return AfterOptimizerStep();
        }

        /// <summary>The layer's current (masked) weight in compressed N:M form, for <see cref="NmKernel"/>.</summary>
        public NmCompressed Compress()
        {
            ThrowIfDisposed();
            NmSparsity.ApplyMask(Layer.weight!, _mask);
            return NmCompressed.FromTensor(Layer.weight!, Pattern, LayerName);
        }

        /// <summary>
        /// Restores the mask and the step counters a checkpoint recorded (a copy of <paramref name="mask"/> is kept), so a
        /// resumed run masks exactly as the interrupted one would have.
        /// </summary>
        internal void Restore(Tensor mask, long steps, long refreshes)
        {
            ThrowIfDisposed();
            if (!mask.shape.SequenceEqual(_mask.shape))
                throw new ArgumentException($"The N:M mask of layer '{LayerName}' has shape [{string.Join(", ", _mask.shape)}]; the restored one has [{string.Join(", ", mask.shape)}].", nameof(mask));
            var copy = mask.to(_mask.dtype, _mask.device).clone().DetachFromDisposeScope();
            _mask.Dispose();
            _mask = copy;
            Steps = steps;
            Refreshes = refreshes;
        }

        /// <summary>Releases the mask tensor (the layer is left as it is).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _mask.Dispose();
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(NmMaskedLinear), $"The N:M sparsity of layer '{LayerName}' was disposed.");
        }
    }
}
