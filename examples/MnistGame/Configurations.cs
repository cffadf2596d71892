using System;
using System.Collections.Generic;
using PruneDsl.Game;
using PruneDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistGame;

/// <summary>A model and its participation view.</summary>
public sealed record GatedModel(nn.Module<Tensor, Tensor> Module, IParticipationModel Game)
{
    public static GatedModel Of<T>(T model) where T : nn.Module<Tensor, Tensor>, IParticipationModel => new(model, model);
}

/// <summary>One row of the experiment: a model class (its attributes are the configuration) and what the paper reports.</summary>
public sealed record Configuration(string Key, string Title, Func<GatedModel> Create, double? PaperAccuracy, double? PaperSparsity)
{
    /// <summary>The paper's rows, in its table's order, then PruneDsl's default.</summary>
    public static IReadOnlyList<Configuration> All { get; } = new[]
    {
        new Configuration("very-high-beta", "Very High Beta (paper)", () => GatedModel.Of(new VeryHighBetaMlp()), 0.9664, 0.0),
        new Configuration("extreme-beta", "Extreme Beta (paper)", () => GatedModel.Of(new ExtremeBetaMlp()), 0.9115, 0.9518),
        new Configuration("l1-strong", "L1 Sparsity Strong (paper)", () => GatedModel.Of(new L1StrongMlp()), 0.8957, 0.9831),
        new Configuration("l1l2", "L1+L2 Combined (paper)", () => GatedModel.Of(new L1L2Mlp()), 0.9154, 0.9805),
        new Configuration("default", "PruneDsl default", () => GatedModel.Of(new DefaultMlp()), null, null),
    };

    /// <summary>The training options of this row: the paper's experiment, with the command line's overrides.</summary>
    public GameTrainingOptions Training(Options options)
    {
        var training = new GameTrainingOptions();
        return training with
        {
            Epochs = options.Epochs ?? training.Epochs,
            Optimizer = options.Optimizer ?? training.Optimizer,
            LearningRate = options.LearningRate ?? training.LearningRate,
            // The paper's rows train without weight decay (its text names none); the default row uses PruneDsl's.
            WeightDecay = options.WeightDecay ?? (PaperAccuracy is null ? training.WeightDecay : 0),
            Seed = options.Seed,
            MaxBatchesPerEpoch = options.MaxBatches,
            Budget = options.Budget,
        };
    }
}
