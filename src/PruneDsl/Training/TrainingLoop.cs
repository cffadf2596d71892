using System;
using System.Collections.Generic;
using PruneDsl.Game;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// What the trainers' shared loop (an internal training session: shuffle, forward, loss and its checks, backward, the
    /// method's own step, the optimizer step, checkpoints) exposes for a hand-written loop: the first-batch gate check,
    /// and one plain epoch for models trained without a pruning method (dense baselines, fine-tunes, from-scratch rows).
    /// The numerical checks are <see cref="FaultChecks"/>.
    /// </summary>
    public static class TrainingLoop
    {
        /// <summary>
        /// One epoch of plain cross-entropy training: a shuffle drawn from <paramref name="generator"/>, batches of
        /// <paramref name="batchSize"/> (the last one may be short), zero_grad, forward, backward, optimizer step. No
        /// gate is stepped and no check runs: the trainers (<see cref="GameTrainer"/>, <see cref="EvolutionTrainer"/>) do that.
        /// </summary>
        /// <param name="model">The model, in training mode.</param>
        /// <param name="optimizer">The optimizer over its parameters.</param>
        /// <param name="data">The training data.</param>
        /// <param name="batchSize">Examples per batch, at least 1.</param>
        /// <param name="generator">The generator of the shuffle (advanced by one permutation).</param>
        /// <param name="afterStep">Runs after every optimizer step (for example, re-applying pruning masks).</param>
        /// <param name="batchDone">Called after every batch with its 1-based number and the epoch's batch count (progress).</param>
        /// <param name="maxBatches">At most this many batches (quick runs), or null for the whole shuffle.</param>
        /// <returns>The mean of the batches' losses.</returns>
        public static double RunPlainEpoch(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, LabeledData data, int batchSize,
            Generator generator, Action? afterStep = null, Action<int, int>? batchDone = null, int? maxBatches = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            if (data is null) throw new ArgumentNullException(nameof(data));
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
            using var order = randperm(data.Count, generator: generator);
            var batches = (int)((data.Count + batchSize - 1) / batchSize);
            if (maxBatches is int cap) batches = Math.Min(batches, cap);
            double lossSum = 0;
            for (var b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var index = order[(b * batchSize)..(int)Math.Min((b + 1L) * batchSize, data.Count)];
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(data.Inputs.index_select(0, index)), data.Labels.index_select(0, index));
                loss.backward();
                optimizer.step();
                afterStep?.Invoke();
                lossSum += loss.item<float>();
                batchDone?.Invoke(b + 1, batches);
            }
            return lossSum / batches;
        }

        /// <summary>
        /// The trainers' first-batch check, run before any step: throws when a gate saw no forward pass, because
        /// <c>forward()</c> called its layer with <c>forward(x)</c> instead of <c>call(x)</c> and bypassed its hook. The rule
        /// and its message are those every gated layer's step applies (so a hand-written loop gets the same error).
        /// </summary>
        /// <param name="gates">Each gate's layer name and its forward passes since its last step (or ever, before the first).</param>
        /// <param name="modelName">The model class, for the message.</param>
        /// <param name="what">What the gate is ("participation gate", "population masses").</param>
        public static void EnsureGatesApplied(IEnumerable<(string Name, long Calls)> gates, string modelName, string what) =>
            GatePasses.EnsureUsed(gates, modelName, what);
    }
}
