using System;
using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Tests.Data;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Game;

/// <summary>A narrower MNIST MLP with strong costs: the game must collapse some of its 192 hidden neurons.</summary>
[Cost(Beta = 0.0, Gamma = 0.006, LearningRate = 2.5)]
public sealed partial class StrongCostMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 128);
    [ParticipationGroup] private readonly Linear fc2 = Linear(128, 64);
    private readonly Linear head = Linear(64, 10);

    public StrongCostMlp() : base(nameof(StrongCostMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

[Collection(MnistCollection.Name)]
public sealed class GameEndToEndTests(MnistFixture mnist, ITestOutputHelper output)
{
    /// <summary>The accuracy the pruned network must keep on 2,000 test images after 3 epochs on 6,000 training images.</summary>
    private const double AccuracyFloor = 0.80;

    [Fact]
    public void Strong_costs_collapse_neurons_accuracy_holds_and_hard_pruning_keeps_the_outputs()
    {
        using var trainSet = MnistDataset.Load(mnist.Directory, MnistSplit.Train, DataSubset.Stratified(6000, seed: 3));
        using var testSet = MnistDataset.Load(mnist.Directory, MnistSplit.Test, DataSubset.First(2000));
        var train = new LabeledData(trainSet.Images, trainSet.Labels);
        var test = new LabeledData(testSet.Images, testSet.Labels);

        manual_seed(11);
        var model = new StrongCostMlp();
        var options = new GameTrainingOptions { Epochs = 3, WeightDecay = 5e-4, Seed = 5, CertificateBatches = 5 };
        var trainer = new GameTrainer(model, options);

        // Train without the final hard pruning step first, by running the trainer and checking its own before/after.
        var result = trainer.Run(train, test);
        foreach (var e in result.Epochs)
            output.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:F4}, acc {e.TestAccuracy:P2}, kept {string.Join("/", e.Layers.Select(l => l.Kept))}");
        output.WriteLine($"after pruning: {result.AccuracyAfterPruning:P2}, sparsity {result.Sparsity:P1}, bimodal {result.Histogram.Bimodality:P1}");

        Assert.True(result.PrunedGroups > 0, "no neuron collapsed");
        Assert.True(result.Sparsity > 0.25, $"only {result.Sparsity:P1} of the hidden neurons collapsed");
        Assert.True(result.AccuracyAfterPruning >= AccuracyFloor, $"accuracy {result.AccuracyAfterPruning:P2} is below {AccuracyFloor:P0}");
        Assert.Equal(192, result.TotalGroups);
        Assert.Equal(result.Layers.Sum(l => l.Kept), model.ParticipationLayers.Sum(l => l.KeptCount()));

        // Hard pruning zeroed exactly the pruned rows: the model now computes what the gated model computed with the
        // pruned participations at 0, so pruning again changes nothing, bit for bit.
        var before = Evaluation.Outputs(model, test.Inputs);
        model.HardPrune();
        var after = Evaluation.Outputs(model, test.Inputs);
        Assert.True(before.eq(after).all().item<bool>(), "hard pruning changed the outputs");
        foreach (var layer in model.ParticipationLayers)
        {
            using var prunedRows = layer.Layer.weight!.index_select(0, layer.PrunedMask().nonzero().squeeze(1));
            Assert.Equal(0f, prunedRows.abs().sum().item<float>());
        }

        // The accuracy the trainer measured after hard pruning is the accuracy of these outputs.
        var accuracy = after.argmax(1).eq(test.Labels).to(float64).mean().item<double>();
        Assert.Equal(result.AccuracyAfterPruning, accuracy, 6);
    }
}
