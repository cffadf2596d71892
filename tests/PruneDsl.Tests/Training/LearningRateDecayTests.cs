using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

/// <summary><see cref="WeightTrainingOptions.LearningRateDecay"/>: the rate per epoch, its validation, and the trainers applying it.</summary>
public sealed class LearningRateDecayTests
{
    [Fact]
    public void The_rate_of_epoch_e_is_the_rate_times_the_decay_to_the_e_minus_1()
    {
        var options = new GameTrainingOptions { LearningRate = 1e-3, LearningRateDecay = 0.5 };
        Assert.Equal(1e-3, options.LearningRateAt(1), 15);
        Assert.Equal(2.5e-4, options.LearningRateAt(3), 15);
        Assert.Equal(0.02 * 0.125, options.LearningRateAt(4, 0.02), 15);

        using var layer = nn.Linear(3, 2);
        using var optimizer = options.CreateOptimizer(layer.parameters());
        options.ApplyLearningRate(optimizer, 3);
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(2.5e-4, g.LearningRate, 15));
        // A constant rate (the default) leaves the optimizer alone.
        new GameTrainingOptions().ApplyLearningRate(optimizer, 5);
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(2.5e-4, g.LearningRate, 15));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_decay_outside_0_to_1_is_refused_by_name(double decay)
    {
        var e = Assert.Throws<ArgumentException>(() => new GameTrainingOptions { LearningRateDecay = decay }.EnsureValid());
        Assert.Contains("LearningRateDecay must lie in (0, 1]", e.Message);
    }

    [Fact]
    public void The_game_trains_each_epoch_at_its_decayed_rate()
    {
        // With a decay of 1e-6 the weights move in epoch 1 and then hardly at all: the step after epoch 1 is a millionth.
        var train = TrainingData.Make(200, 1);
        var test = TrainingData.Make(64, 2);
        double Drift(double decay)
        {
            manual_seed(21);
            var model = new ResumeMlp();
            var snapshots = new List<Tensor>();
            var options = new GameTrainingOptions { Epochs = 3, BatchSize = 32, Seed = 3, CertificateBatches = 1, ProbeConditionNumbers = false, LearningRateDecay = decay };
            new GameTrainer(model, options).Run(train, test, new Sync<EpochReport>(_ => snapshots.Add(model.Fc1.weight!.detach().clone())));
            using var change = (snapshots[2] - snapshots[1]).abs().max();
            return change.item<float>();
        }
        var constant = Drift(1);
        var decayed = Drift(1e-6);
        Assert.True(constant > 1e-3, $"with a constant rate fc1 moved {constant} in epoch 3");
        Assert.True(decayed < 1e-6, $"with the rate decayed to 1e-12 of itself fc1 moved {decayed} in epoch 3");
    }
}
