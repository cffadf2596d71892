using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// The per-batch loop every trainer shares: shuffle, forward, cross-entropy, backward, the method's own step (game,
    /// selection, masks), the optimizer step. One home, so the game and evolution trainers cannot drift apart.
    /// </summary>
    public static class TrainingLoop
    {
        /// <summary>One pass over the shuffled training data; returns the mean loss.</summary>
        /// <param name="model">The model.</param>
        /// <param name="optimizer">The weight optimizer.</param>
        /// <param name="train">The training data.</param>
        /// <param name="batchSize">Examples per step.</param>
        /// <param name="maxBatches">At most this many batches (null: all).</param>
        /// <param name="generator">The shuffling generator.</param>
        /// <param name="epoch">1-based epoch, for progress and the first-batch check.</param>
        /// <param name="afterBackward">Runs after <c>backward()</c>, before the optimizer step (participation or selection step).</param>
        /// <param name="afterStep">Runs after the optimizer step (re-masking, hard pruning).</param>
        /// <param name="firstBatchCheck">Runs once, after the first backward pass of epoch 1 (e.g. the gate check).</param>
        /// <param name="batchProgress">Receives (epoch, batch, batches) after every step.</param>
        public static double RunEpoch(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, LabeledData train, int batchSize,
            int? maxBatches, Generator generator, int epoch, Action? afterBackward = null, Action? afterStep = null,
            Action? firstBatchCheck = null, IProgress<(int Epoch, int Batch, int Batches)>? batchProgress = null)
        {
            var batches = (int)((train.Count + batchSize - 1) / batchSize);
            if (maxBatches is int cap) batches = Math.Min(batches, cap);
            using var order = randperm(train.Count, generator: generator);
            double lossSum = 0;
            for (var b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var index = order[(b * batchSize)..(int)Math.Min((b + 1L) * batchSize, train.Count)];
                var x = train.Inputs.index_select(0, index);
                var y = train.Labels.index_select(0, index);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                if (epoch == 1 && b == 0) firstBatchCheck?.Invoke();
                afterBackward?.Invoke();
                optimizer.step();
                afterStep?.Invoke();
                lossSum += loss.ToDouble();
                batchProgress?.Report((epoch, b + 1, batches));
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
