using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PruneDsl.Tests.Export;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

public class FaultTests
{
    private static readonly LabeledData Train = TrainingData.Make(200, 1);
    private static readonly LabeledData Test = TrainingData.Make(64, 2);
    private static readonly GameTrainingOptions Quick = new() { Epochs = 2, BatchSize = 32, CertificateBatches = 2 };

    [Fact]
    public void A_nan_loss_stops_training_naming_the_epoch_the_step_the_loss_and_the_last_good_checkpoint()
    {
        using var folder = new TempFolder("nan");
        manual_seed(1);
        var model = new ResumeMlp();
        // After step 5 a weight becomes NaN (as a blown-up update would leave it): step 6's loss is NaN.
        var poison = new Sync<TrainingProgress>(p =>
        {
            if (p.Step != 5 || p.Phase != TrainingPhase.Training) return;
            using var _ = no_grad();
            model.Fc1.weight![0, 0].fill_(double.NaN);
        });
        var error = Assert.Throws<TrainingDivergedException>(() =>
            new GameTrainer(model, Quick with { CheckpointDirectory = folder.Path, CheckpointEvery = 4 }).Run(Train, Test, steps: poison));
        var checkpoint = Path.Combine(folder.Path, WeightTrainingOptions.CheckpointFileName);
        Assert.Equal((1, 6L, "loss"), (error.Epoch, error.Step, error.Tensor));
        Assert.True(double.IsNaN(error.Value));
        Assert.Equal(checkpoint, error.LastCheckpoint);
        Assert.StartsWith("Training of 'ResumeMlp' diverged at epoch 1, step 6 (batch 6 of 7): the loss is NaN.", error.Message);
        Assert.Contains($"The last good checkpoint is '{checkpoint}' (step 4).", error.Message);
        Assert.Equal(RunOutcome.Failed, error.History!.Outcome);
        Assert.Equal(error.Message, error.History.Failure);
    }

    [Fact]
    public void A_nan_gradient_stops_training_naming_the_parameter_before_any_update_uses_it()
    {
        manual_seed(2);
        var model = new NaNGradientMlp();
        var before = TrainingData.Snapshot(model);
        var error = Assert.Throws<TrainingDivergedException>(() => new GameTrainer(model, Quick).Run(Train, Test));
        Assert.Equal((1, 1L, "gradient of fc1.weight"), (error.Epoch, error.Step, error.Tensor));
        Assert.Contains("the gradient of fc1.weight holds NaN or infinite values", error.Message);
        Assert.Contains("No checkpoint was written", error.Message);
        Assert.Null(error.LastCheckpoint);
        TrainingData.AssertUnchanged(before, model); // found before the participation and optimizer steps
    }

    [Fact]
    public void A_nan_participation_or_fitness_stops_training_naming_the_layer()
    {
        manual_seed(2);
        var game = Assert.Throws<TrainingDivergedException>(() =>
            new GameTrainer(new NaNGradientMlp(), Quick with { GradientCheckEvery = 0 }).Run(Train, Test));
        Assert.Equal((1, 1L, "participation of fc1"), (game.Epoch, game.Step, game.Tensor));
        Assert.Contains("the participation of fc1 holds NaN or infinite values after its step", game.Message);

        manual_seed(2);
        var evolution = Assert.Throws<TrainingDivergedException>(() =>
            new EvolutionTrainer(new NaNFitnessMlp(), new EvolutionTrainingOptions { Epochs = 1, BatchSize = 32, GradientCheckEvery = 0 }).Run(Train, Test));
        Assert.Equal((1, 1L, "fitness of fc1"), (evolution.Epoch, evolution.Step, evolution.Tensor));
        Assert.Contains("the fitness of layer 'fc1' is not finite at selection step 1", evolution.Message);
    }

    [Fact]
    public void A_diverging_loss_stops_or_warns_as_configured()
    {
        // SGD at a learning rate of 20 on unscaled data: the loss explodes within a few steps.
        var wild = Quick with { Optimizer = WeightOptimizer.Sgd, LearningRate = 20, Momentum = 0, DivergenceFactor = 10 };
        manual_seed(3);
        var error = Assert.Throws<TrainingDivergedException>(() => new GameTrainer(new ResumeMlp(), wild).Run(Train, Test));
        Assert.Equal("loss", error.Tensor);
        Assert.Contains("Lower the weight learning rate (LearningRate = 20)", error.Message);

        // Warned once, and the run goes on: with a factor just above 1, a noisy step's loss above the first one is enough.
        var warnings = new List<TrainingWarning>();
        manual_seed(3);
        var result = new GameTrainer(new ResumeMlp(), Quick with { DivergenceFactor = 1.0001, OnDivergingLoss = FaultAction.Warn })
            .Run(TrainingData.Make(200, 5), Test, warnings: new Sync<TrainingWarning>(warnings.Add));
        var warning = Assert.Single(warnings, w => w.Kind == WarningKind.LossDiverging);
        Assert.Contains("is diverging at epoch", warning.Message);
        Assert.Contains(warning, result.History.Warnings);
        Assert.Equal(RunOutcome.Completed, result.History.Outcome);
    }

    [Fact]
    public void A_layer_about_to_lose_every_group_keeps_its_best_one_and_says_so_or_stops()
    {
        var warnings = new List<TrainingWarning>();
        manual_seed(4);
        var model = new CollapsingMlp();
        var result = new GameTrainer(model, Quick).Run(Train, Test, warnings: new Sync<TrainingWarning>(warnings.Add));
        var warning = Assert.Single(warnings);
        Assert.Equal((WarningKind.LayerKeptBestGroup, "fc1", 1), (warning.Kind, warning.Layer, warning.Epoch));
        Assert.Contains("Layer 'fc1' of 'CollapsingMlp': every participation fell below epsilon", warning.Message);
        Assert.Contains("It keeps its best group", warning.Message);
        Assert.Equal(1, Assert.Single(result.Layers).Kept); // hard pruning kept one neuron, not zero
        Assert.Equal(1, model.Fc1Participation.KeptCount());
        Assert.Contains(warning, result.History.Warnings);

        manual_seed(4);
        var stop = Assert.Throws<EmptyLayerException>(() => new GameTrainer(new CollapsingMlp(), Quick with { OnEmptyLayer = FaultAction.Stop }).Run(Train, Test));
        Assert.Equal("fc1", stop.Layer);
        Assert.Contains("Training stopped (OnEmptyLayer = Stop) at epoch 1", stop.Message);
        Assert.Equal(RunOutcome.Failed, stop.History!.Outcome);
    }

    [Fact]
    public void The_fault_checks_find_the_tensor_with_a_nan_in_a_hand_written_loop()
    {
        manual_seed(5);
        var model = new ResumeMlp();
        var checks = new FaultChecks(model, model.ParticipationLayers, "participation");
        using (var loss = nn.functional.cross_entropy(model.call(Train.Inputs[..32]), Train.Labels[..32])) loss.backward();
        Assert.Null(checks.NonFiniteGradient());
        Assert.Null(checks.NonFiniteGate());
        using (no_grad())
        {
            model.Fc2Participation.Layer.bias!.grad![3].fill_(double.PositiveInfinity);
            model.Fc2Participation.Participation[1].fill_(double.NaN);
        }
        Assert.Equal("gradient of fc2.bias", checks.NonFiniteGradient());
        Assert.Equal("participation of fc2", checks.NonFiniteGate());
    }
}
