using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>Creates the weight optimizer a trainer's options name; one home for every trainer.</summary>
    public static class WeightOptimizerFactory
    {
        /// <summary>A new optimizer over <paramref name="parameters"/>.</summary>
        /// <param name="parameters">The parameters it updates.</param>
        /// <param name="kind">Adam, AdamW or SGD.</param>
        /// <param name="learningRate">The learning rate.</param>
        /// <param name="momentum">Momentum (SGD only).</param>
        /// <param name="weightDecay">Weight decay (decoupled for AdamW).</param>
        public static optim.Optimizer Create(IEnumerable<Parameter> parameters, WeightOptimizer kind, double learningRate, double momentum, double weightDecay) => kind switch
        {
            WeightOptimizer.Adam => optim.Adam(parameters, learningRate, weight_decay: weightDecay),
            WeightOptimizer.AdamW => optim.AdamW(parameters, learningRate, weight_decay: weightDecay),
            WeightOptimizer.Sgd => optim.SGD(parameters, learningRate, momentum, weight_decay: weightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown weight optimizer."),
        };
    }
}
