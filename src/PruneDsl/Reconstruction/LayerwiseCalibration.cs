using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// Runs calibration batches through a model so that forward hooks (a <see cref="HessianAccumulator"/>, a
    /// <see cref="Scoring.WandaCriterion"/>) see each target layer's inputs as the model computes them now: one-shot
    /// methods process layers in order and calibrate each on the outputs of the layers already pruned before it.
    /// </summary>
    public static class LayerwiseCalibration
    {
        /// <summary>
        /// Runs every batch through <c>model.call</c> in eval mode without gradients, discarding the outputs, and restores
        /// the model's training mode.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="batches">Model inputs, one tensor per batch.</param>
        public static void Run(nn.Module<Tensor, Tensor> model, IEnumerable<Tensor> batches)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (batches is null) throw new ArgumentNullException(nameof(batches));
            var wasTraining = model.training;
            model.eval();
            try
            {
                using var _ = no_grad();
                foreach (var batch in batches)
                {
                    using var scope = NewDisposeScope();
                    model.call(batch);
                }
            }
            finally
            {
                model.train(wasTraining);
            }
        }

        /// <summary>Collects the input Hessian of <paramref name="layer"/> over the batches (the caller disposes the accumulator).</summary>
        /// <param name="model">The model that contains the layer and calls it with <c>call</c>.</param>
        /// <param name="layer">The layer.</param>
        /// <param name="batches">Model inputs.</param>
        /// <param name="appendOnes">Append a constant 1 to every input row (for OBS with a bias).</param>
        /// <param name="layerName">The layer's name, for messages.</param>
        /// <exception cref="InvalidOperationException">The layer saw no input (it is not called with <c>call</c> in the forward).</exception>
        public static HessianAccumulator Collect(nn.Module<Tensor, Tensor> model, Linear layer, IEnumerable<Tensor> batches, bool appendOnes = false, string layerName = "layer")
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var accumulator = new HessianAccumulator(layer.weight!.shape[1], appendOnes, layerName);
            try
            {
                using (accumulator.Attach(layer)) Run(model, batches);
                if (accumulator.Rows == 0)
                    throw new InvalidOperationException(
                        $"Layer '{layerName}' saw no calibration input: the model's forward must call it with layer.call(x) (hooks do not run through forward(x)), " +
                        "and at least one calibration batch must be given.");
                return accumulator;
            }
            catch
            {
                accumulator.Dispose();
                throw;
            }
        }
    }
}
