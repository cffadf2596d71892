using System;
using System.Collections.Generic;
using PruneDsl.Evolution;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistEvolution;

/// <summary>A model and its population view.</summary>
public sealed record EvolvingModel(nn.Module<Tensor, Tensor> Module, IPopulationModel Populations)
{
    public static EvolvingModel Of<T>(T model) where T : nn.Module<Tensor, Tensor>, IPopulationModel => new(model, model);
}

/// <summary>One dynamic of the experiment: a model class (its [SelectionDynamics] is the configuration).</summary>
public sealed record Configuration(string Key, string Title, Func<EvolvingModel> Create)
{
    /// <summary>The paper's abstract: dense ~98% for all dynamics; 35% pruned ~95.5%; 50% pruned 88.3-88.6% by dynamic.</summary>
    public const string PaperDense = "~98%";
    public const string Paper35 = "~95.5%";
    public const string Paper50 = "88.3-88.6%";

    public static IReadOnlyList<Configuration> All { get; } = new[]
    {
        new Configuration("replicator", "Replicator", () => EvolvingModel.Of(new ReplicatorMlp())),
        new Configuration("exponential-weights", "Exponential weights", () => EvolvingModel.Of(new ExponentialWeightsMlp())),
    };

    /// <summary>The pruning levels measured on every trained model before the fine-tune: the paper's two, both scopes.</summary>
    public static IReadOnlyList<PruningPoint> PaperSweep { get; } = new[]
    {
        new PruningPoint(0.35, ThresholdScope.PerLayer),
        new PruningPoint(0.35, ThresholdScope.Global),
        new PruningPoint(0.50, ThresholdScope.PerLayer),
        new PruningPoint(0.50, ThresholdScope.Global),
    };

    /// <summary>The training options of a run: the paper's experiment, with the command line's overrides.</summary>
    public static EvolutionTrainingOptions Training(Options options)
    {
        var training = new EvolutionTrainingOptions();
        return training with
        {
            Epochs = options.Epochs ?? training.Epochs,
            LearningRate = options.LearningRate ?? training.LearningRate,
            WeightDecay = options.WeightDecay ?? training.WeightDecay,
            Seed = options.Seed,
            MaxBatchesPerEpoch = options.MaxBatches,
            TargetSparsity = options.Sparsity,
            Scope = options.Scope,
            Sweep = PaperSweep,
            FineTuneEpochs = options.FineTuneEpochs,
            FineTuneLearningRate = options.FineTuneLearningRate,
        };
    }
}
