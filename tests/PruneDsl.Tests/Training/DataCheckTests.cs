using System;
using System.Collections.Generic;
using PruneDsl.Pruning;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

/// <summary>Bad input at run time: a clear error before any training step, any observed batch or any counted accuracy.</summary>
public class DataCheckTests
{
    private static readonly LabeledData Train = TrainingData.Make(64, 1);
    private static readonly LabeledData Test = TrainingData.Make(32, 2);
    private static readonly GameTrainingOptions Game = new() { Epochs = 1, BatchSize = 16, CertificateBatches = 1 };
    private static readonly EvolutionTrainingOptions Evolution = new() { Epochs = 1, BatchSize = 16 };

    public static IEnumerable<object[]> Trainers() => new[] { new object[] { "game" }, new object[] { "evolution" } };

    /// <summary>Runs a fresh model of the trainer on the data; asserts the model is unchanged after the expected exception.</summary>
    private static TException Refused<TException>(string trainer, LabeledData train, LabeledData test) where TException : Exception
    {
        manual_seed(1);
        nn.Module<Tensor, Tensor> model = trainer == "game" ? new ResumeMlp() : new ResumeEvolvingMlp();
        var before = TrainingData.Snapshot(model);
        var error = Assert.Throws<TException>(() =>
        {
            if (model is ResumeMlp game) new GameTrainer(game, Game).Run(train, test);
            else new EvolutionTrainer(model, Evolution).Run(train, test);
        });
        TrainingData.AssertUnchanged(before, model);
        return error;
    }

    private static string Who(string trainer) => trainer == "game" ? "GameTrainer" : "EvolutionTrainer";

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Empty_data_is_refused(string trainer)
    {
        var empty = Train.Take(0);
        var noTrain = Refused<ArgumentException>(trainer, empty, Test);
        Assert.Equal($"{Who(trainer)}: the training data is empty (0 examples); pass at least one example. (Parameter 'train')", noTrain.Message);
        var noTest = Refused<ArgumentException>(trainer, Train, empty);
        Assert.StartsWith($"{Who(trainer)}: the test data is empty", noTest.Message);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Inputs_of_the_wrong_width_are_refused_with_what_the_first_layer_takes(string trainer)
    {
        var narrow = TrainingData.Make(64, 3, features: 7);
        var error = Refused<ArgumentException>(trainer, narrow, TrainingData.Make(32, 4, features: 7));
        Assert.Contains($"{Who(trainer)}: the model '{(trainer == "game" ? "ResumeMlp" : "ResumeEvolvingMlp")}' cannot run the training data: each example has shape [7] (inputs [64, 7]).", error.Message);
        Assert.Contains("Its first Linear layer 'fc1' takes 20 input features.", error.Message);
        Assert.Contains("libtorch said:", error.Message);

        var mixed = Refused<ArgumentException>(trainer, Train, TrainingData.Make(32, 4, features: 7));
        Assert.StartsWith($"{Who(trainer)}: every test example has shape [7] but every training example has shape [20]", mixed.Message);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Labels_outside_the_outputs_are_refused_naming_the_first(string trainer)
    {
        using var labels = Train.Labels.clone();
        labels[5].fill_(4);
        labels[9].fill_(7);
        var high = Refused<ArgumentException>(trainer, new LabeledData(Train.Inputs, labels), Test);
        Assert.StartsWith($"{Who(trainer)}: the training data has 2 label(s) outside [0, 4) (the model has 4 outputs); the first is 4 at example 5.", high.Message);

        using var testLabels = Test.Labels.clone();
        testLabels[3].fill_(-1);
        var negative = Refused<ArgumentException>(trainer, Train, new LabeledData(Test.Inputs, testLabels));
        Assert.StartsWith($"{Who(trainer)}: the test data has 1 label(s) outside [0, 4)", negative.Message);
        Assert.Contains("the first is -1 at example 3", negative.Message);
    }

    [Fact]
    public void Mismatched_counts_and_non_floating_inputs_are_refused_when_the_data_is_made()
    {
        var counts = Assert.Throws<ArgumentException>(() => new LabeledData(zeros(10, 20), zeros(9, dtype: ScalarType.Int64)));
        Assert.Contains("10 inputs, 9 labels", counts.Message);
        var integers = Assert.Throws<ArgumentException>(() => new LabeledData(zeros(10, 20, dtype: ScalarType.Int32), zeros(10, dtype: ScalarType.Int64)));
        Assert.Contains("Inputs must be floating point; got Int32", integers.Message);
    }

    [Fact]
    public void Evaluation_refuses_empty_data_wrong_widths_and_labels_outside_the_outputs()
    {
        manual_seed(1);
        var model = new ResumeMlp();
        Assert.StartsWith("Evaluation.Accuracy: the evaluation data is empty", Assert.Throws<ArgumentException>(() => Evaluation.Accuracy(model, Test.Take(0))).Message);
        Assert.Contains("cannot run the evaluation data: each example has shape [7]",
            Assert.Throws<ArgumentException>(() => Evaluation.Accuracy(model, TrainingData.Make(8, 1, features: 7))).Message);
        using var labels = Test.Labels.clone();
        labels[0].fill_(10);
        Assert.StartsWith("Evaluation.Accuracy: the evaluation data has 1 label(s) outside [0, 4)",
            Assert.Throws<ArgumentException>(() => Evaluation.Accuracy(model, new LabeledData(Test.Inputs, labels))).Message);
        Assert.True(model.training); // the mode is restored after the error
    }

    [Fact]
    public void Calibration_refuses_bad_data_before_a_batch_counts_and_forgets_what_the_failed_batch_recorded()
    {
        manual_seed(1);
        var model = new ResumeMlp();
        var wanda = new WandaCriterion();
        var taylor = new TaylorCriterion();
        using var pruner = new CriterionPruner(new[]
        {
            new PruneTarget("fc1", model.Fc1, wanda, new TargetSparsity(0.5)),
            new PruneTarget("fc2", model.Fc2Participation.Layer, taylor, new TargetSparsity(0.5)),
        });
        Func<Tensor, Tensor, Tensor> loss = (o, y) => nn.functional.cross_entropy(o, y);

        Assert.StartsWith("CriterionPruner.Calibrate: the calibration data is empty",
            Assert.Throws<ArgumentException>(() => pruner.Calibrate(model, Train.Take(0), loss)).Message);
        using var labels = Train.Labels.clone();
        labels[0].fill_(9);
        var error = Assert.Throws<ArgumentException>(() => pruner.Calibrate(model, new LabeledData(Train.Inputs, labels), loss, batchSize: 16));
        Assert.StartsWith("CriterionPruner.Calibrate: the calibration data has 1 label(s) outside [0, 4)", error.Message);
        // Wanda records inputs in the forward pass: the failed batch's are forgotten, so nothing was observed.
        Assert.Equal(0, wanda.ObservedBatches(model.Fc1));
        Assert.Equal(0, pruner.ObservedBatches);

        var progress = new List<WorkProgress>();
        Assert.Equal(2, pruner.Calibrate(model, Train, loss, batchSize: 16, batches: 2, progress: new Sync<WorkProgress>(progress.Add)));
        Assert.Equal(new long[] { 1, 2 }, progress.ConvertAll(p => p.Done));
        Assert.All(progress, p => Assert.Equal(("calibration", 2L), (p.Work, p.Total)));
        Assert.Equal(2, wanda.ObservedBatches(model.Fc1));
    }
}
