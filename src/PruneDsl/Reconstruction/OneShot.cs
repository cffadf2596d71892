using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Quantization;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>One layer of a one-shot run and its settings.</summary>
    /// <param name="Name">The layer's name (field name), for messages and reports.</param>
    /// <param name="Layer">The layer.</param>
    /// <param name="Spec">Its settings (the merged <c>[Reconstruct]</c>).</param>
    /// <param name="Consumer">For <see cref="ReconstructionMethod.Obs"/>: the layer that consumes this layer's outputs.</param>
    public sealed record ReconstructionTarget(string Name, Linear Layer, ReconstructionSpec Spec, Linear? Consumer = null);

    /// <summary>What a one-shot run did: the layers whose weights were pruned or quantized, and the neurons removed.</summary>
    public sealed class OneShotResult : IDisposable
    {
        internal OneShotResult(IReadOnlyList<LayerReconstruction> layers, IReadOnlyList<NeuronRemoval> neurons)
        {
            Layers = layers;
            Neurons = neurons;
        }

        /// <summary>Per-weight results (SparseGPT, GPTQ), in processing order.</summary>
        public IReadOnlyList<LayerReconstruction> Layers { get; }

        /// <summary>Neuron removals (OBS), in processing order.</summary>
        public IReadOnlyList<NeuronRemoval> Neurons { get; }

        /// <summary>Frees the per-layer tensors.</summary>
        public void Dispose()
        {
            foreach (var layer in Layers) layer.Dispose();
        }
    }

    /// <summary>The per-weight baselines SparseGPT is compared with: they choose a mask and update nothing.</summary>
    public enum OneShotBaseline
    {
        /// <summary>Magnitude: score <c>|w|</c>, compared over the whole layer (unstructured) or per group of M (N:M).</summary>
        Magnitude = 0,

        /// <summary>Wanda (Sun et al. 2023): score <c>|w_ij| ||X_j||_2</c>, compared within each output row (unstructured) or per group of M.</summary>
        Wanda = 1,
    }

    /// <summary>
    /// One-shot pruning and quantization of a model's Linear layers, in order, each calibrated on the outputs of the
    /// layers already changed before it (the entry point the generated <c>Reconstruct</c> method calls). Every spec is
    /// validated with <see cref="ReconstructionSpec.EnsureValid"/> before anything changes. Per layer:
    /// <see cref="ReconstructionMethod.SparseGpt"/> runs <see cref="SparseGpt.PruneLayer"/> (with <c>Bits</c>: joint
    /// pruning and quantization); <see cref="ReconstructionMethod.Obs"/> removes <c>round(Sparsity * out)</c> output neurons
    /// chosen by OBS saliency under the consumer's Hessian and compensates the consumer
    /// (<see cref="ObsNeuronPruning.RemoveByObs"/>), then, with <c>Bits</c>, quantizes the layer's own weight with GPTQ;
    /// <see cref="ReconstructionMethod.None"/> with <c>Bits</c> quantizes with GPTQ and keeps the weight's zeros.
    /// </summary>
    public static class OneShot
    {
        /// <summary>Runs the targets in order and changes the model in place.</summary>
        /// <param name="model">The model; its forward must call the target layers with <c>call</c>.</param>
        /// <param name="targets">The layers, in forward order, with their settings.</param>
        /// <param name="calibration">Calibration batches (model inputs); each layer uses the first <c>CalibrationBatches</c> of them.</param>
        /// <param name="progress">Receives the targets done after each one ("reconstruction", the layer's name as the detail); may be null.</param>
        public static OneShotResult Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<ReconstructionTarget> targets, IReadOnlyList<Tensor> calibration,
            IProgress<WorkProgress>? progress = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (calibration is null || calibration.Count == 0)
                throw new ArgumentException("One-shot reconstruction needs at least one calibration batch (model inputs).", nameof(calibration));
            foreach (var t in targets)
            {
                if (t.Layer is null) throw new ArgumentException($"Target '{t.Name}' has no layer.", nameof(targets));
                t.Spec.EnsureValid(t.Name, t.Layer.weight!.shape[1]);
                if (t.Spec.Method == ReconstructionMethod.Obs && t.Consumer is null)
                    throw new ArgumentException(
                        $"Layer '{t.Name}' is declared for OBS neuron removal but has no consumer: pass the Linear layer that takes its outputs as ReconstructionTarget.Consumer.",
                        nameof(targets));
            }

            var layers = new List<LayerReconstruction>();
            var neurons = new List<NeuronRemoval>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var done = 0;
            try
            {
                foreach (var t in targets)
                {
                    RunTarget(model, t, calibration, layers, neurons);
                    progress?.Report(new WorkProgress("reconstruction", ++done, targets.Count, clock.Elapsed, t.Name));
                }
            }
            catch
            {
                foreach (var l in layers) l.Dispose();
                throw;
            }
            return new OneShotResult(layers, neurons);
        }

        /// <summary>One target of <see cref="Run"/>: its calibration, its method and its quantization.</summary>
        private static void RunTarget(nn.Module<Tensor, Tensor> model, ReconstructionTarget t, IReadOnlyList<Tensor> calibration,
            List<LayerReconstruction> layers, List<NeuronRemoval> neurons)
        {
            var batches = calibration.Take(t.Spec.CalibrationBatches).ToList();
            if (t.Spec.Method == ReconstructionMethod.Obs)
            {
                var consumer = t.Consumer!;
                using var h = LayerwiseCalibration.Collect(model, consumer, batches, appendOnes: consumer.bias is not null, layerName: t.Name + " -> consumer");
                using var hessian = h.Hessian();
                var outputs = checked((int)t.Layer.weight!.shape[0]);
                var keep = outputs - (int)PruneTarget.Unstructured(t.Spec.Sparsity).PruneCount(outputs);
                neurons.Add(ObsNeuronPruning.RemoveByObs(t.Layer, consumer, hessian, keep, t.Spec.Dampening, t.Name, h.Rows));
                if (!t.Spec.Quantizes) return;
            }
            else if (!t.Spec.Quantizes && t.Spec.Method == ReconstructionMethod.None) return;

            using var acc = LayerwiseCalibration.Collect(model, t.Layer, batches, layerName: t.Name);
            using var layerHessian = acc.Hessian();
            var result = t.Spec.Method == ReconstructionMethod.SparseGpt
                ? SparseGpt.PruneLayer(t.Layer.weight!, layerHessian, t.Spec, t.Name, acc.Rows)
                : Gptq.QuantizeLayer(t.Layer.weight!, layerHessian, t.Spec, null, t.Name, acc.Rows);
            result.ApplyTo(t.Layer);
            layers.Add(result);
        }

        /// <summary>
        /// Prunes the layers in order with a baseline that updates nothing (magnitude, or Wanda calibrated on the current
        /// model, the same sequential protocol as SparseGPT) and changes the model in place.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="layers">The layers, in forward order.</param>
        /// <param name="calibration">Calibration batches (Wanda only).</param>
        /// <param name="baseline">Magnitude or Wanda.</param>
        /// <param name="target">What to remove from each layer.</param>
        public static IReadOnlyList<LayerReconstruction> PruneBaseline(nn.Module<Tensor, Tensor> model, IReadOnlyList<(string Name, Linear Layer)> layers,
            IReadOnlyList<Tensor> calibration, OneShotBaseline baseline, PruneTarget target)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            var results = new List<LayerReconstruction>();
            foreach (var (name, layer) in layers)
            {
                using var scope = NewDisposeScope();
                var weight = layer.weight!.detach().to(ScalarType.Float32, CPU);
                Tensor mask;
                if (baseline == OneShotBaseline.Magnitude)
                    mask = WeightMasks.Select(weight.abs(), target, perRow: false, layerName: name);
                else
                {
                    using var wanda = new WandaCriterion();
                    using (wanda.Attach(layer)) LayerwiseCalibration.Run(model, calibration);
                    // Wanda's per-weight score |W_ij| ||X_j||_2 (WandaCriterion.Score is its row sum).
                    var scores = weight.to(ScalarType.Float64).abs() * wanda.InputNorms(layer).cpu().unsqueeze(0);
                    mask = WeightMasks.Select(scores, target, perRow: true, layerName: name);
                }
                var pruned = weight.mul(mask);
                var result = new LayerReconstruction(name, baseline.ToString().ToLowerInvariant() + " " + target,
                    pruned.DetachFromDisposeScope(), mask.DetachFromDisposeScope(), null, double.NaN);
                result.ApplyTo(layer);
                results.Add(result);
            }
            return results;
        }
    }
}
