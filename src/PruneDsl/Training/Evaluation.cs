using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>Accuracy and loss of a classifier on held-out data.</summary>
    public static class Evaluation
    {
        /// <summary>Top-1 accuracy in [0, 1], computed in eval mode without gradients; restores the training mode.</summary>
        /// <param name="model">The classifier.</param>
        /// <param name="data">The examples.</param>
        /// <param name="batchSize">Evaluation batch size.</param>
        public static double Accuracy(nn.Module<Tensor, Tensor> model, LabeledData data, int batchSize = 1000)
        {
            var wasTraining = model.training;
            model.eval();
            long correct = 0;
            using (no_grad())
            {
                for (long start = 0; start < data.Count; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    var end = System.Math.Min(start + batchSize, data.Count);
                    var logits = model.call(data.Inputs[(int)start..(int)end]);
                    correct += logits.argmax(1).eq(data.Labels[(int)start..(int)end]).sum().item<long>();
                }
            }
            model.train(wasTraining);
            return data.Count == 0 ? 0 : (double)correct / data.Count;
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
