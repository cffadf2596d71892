using System;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>Accuracy and loss of a classifier on held-out data.</summary>
    public static class Evaluation
    {
        /// <summary>
        /// Top-1 accuracy in [0, 1], computed in eval mode without gradients; restores the training mode. Throws an
        /// <see cref="ArgumentException"/> before counting anything when the data is empty, when the model cannot run its
        /// inputs (wrong width) or when a label lies outside the model's outputs.
        /// </summary>
        /// <param name="model">The classifier.</param>
        /// <param name="data">The examples.</param>
        /// <param name="batchSize">Evaluation batch size.</param>
        /// <param name="progress">Receives the batches done after each batch (and may be null).</param>
        public static double Accuracy(nn.Module<Tensor, Tensor> model, LabeledData data, int batchSize = 1000, IProgress<WorkProgress>? progress = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            DataChecks.EnsureNotEmpty(data, nameof(data), "evaluation data", "Evaluation.Accuracy");
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            var wasTraining = model.training;
            var clock = Stopwatch.StartNew();
            var batches = (data.Count + batchSize - 1) / batchSize;
            model.eval();
            long correct = 0;
            try
            {
                using (no_grad())
                {
                    for (long start = 0, b = 0; start < data.Count; start += batchSize, b++)
                    {
                        using var scope = NewDisposeScope();
                        var end = Math.Min(start + batchSize, data.Count);
                        Tensor logits;
                        try
                        {
                            logits = model.call(data.Inputs[(int)start..(int)end]);
                        }
                        catch (Exception e) when (b == 0 && DataChecks.IsTorchError(e))
                        {
                            throw DataChecks.ForwardFailed(model, data, "evaluation data", "Evaluation.Accuracy", e);
                        }
                        if (b == 0) DataChecks.EnsureLabelsInRange(data, logits.shape[1], "evaluation data", "Evaluation.Accuracy");
                        correct += logits.argmax(1).eq(data.Labels[(int)start..(int)end]).sum().item<long>();
                        progress?.Report(new WorkProgress("evaluation", b + 1, batches, clock.Elapsed));
                    }
                }
            }
            finally
            {
                model.train(wasTraining);
            }
            return (double)correct / data.Count;
        }

        /// <summary>The model's outputs on all inputs, in eval mode without gradients.</summary>
        /// <param name="model">The model.</param>
        /// <param name="inputs">[N, ...] inputs.</param>
        public static Tensor Outputs(nn.Module<Tensor, Tensor> model, Tensor inputs)
        {
            var wasTraining = model.training;
            model.eval();
            using var _ = no_grad();
            var result = model.call(inputs);
            model.train(wasTraining);
            return result;
        }
    }
}
