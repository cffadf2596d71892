using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Evolution;
using PruneDsl.Tests.Data;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Evolution;

/// <summary>A narrower MNIST MLP (192 populations) under the replicator, with a mass step large enough to move in 3 epochs.</summary>
[SelectionDynamics(Dynamics.Replicator, LearningRate = 20.0, Smoothing = 0.9, TargetSparsity = 0.5)]
public sealed partial class EvolvingMnistMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 128);
    [ParticipationGroup] private readonly Linear fc2 = Linear(128, 64);
    private readonly Linear head = Linear(64, 10);

    public EvolvingMnistMlp() : base(nameof(EvolvingMnistMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

[Collection(MnistCollection.Name)]
public sealed class EvolutionEndToEndTests(MnistFixture mnist, ITestOutputHelper output)
{
    [Theory]
    [InlineData(Dynamics.Replicator)]
    [InlineData(Dynamics.ExponentialWeights)]
    public void Masses_separate_pruning_half_keeps_most_accuracy_and_a_fine_tune_recovers_it(Dynamics kind)
    {
        using var trainSet = MnistDataset.Load(mnist.Directory, MnistSplit.Train, DataSubset.Stratified(6000, seed: 3));
        using var testSet = MnistDataset.Load(mnist.Directory, MnistSplit.Test, DataSubset.First(2000));
        var train = new LabeledData(trainSet.Images, trainSet.Labels);
        var test = new LabeledData(testSet.Images, testSet.Labels);

        manual_seed(11);
        var model = new EvolvingMnistMlp();
        foreach (var layer in model.PopulationLayers) layer.Spec = layer.Spec with { Kind = kind };
        var options = new EvolutionTrainingOptions
        {
            Epochs = 3, Seed = 5, FineTuneEpochs = 1,
            Sweep = new[] { new PruningPoint(0.35, ThresholdScope.PerLayer), new PruningPoint(0.5, ThresholdScope.PerLayer) },
        };
        var result = new EvolutionTrainer(model, options).Run(train, test);
        foreach (var e in result.Epochs)
            output.WriteLine($"{e.Phase} {e.Epoch}: loss {e.TrainLoss:F4}, acc {e.TestAccuracy:P2}, " +
                string.Join(", ", e.Layers.Select(l => $"{l.Layer} mass {l.MinMass:F2}..{l.MaxMass:F2} N_eff {l.EffectivePopulations:F0}")));
        output.WriteLine($"dense {result.DenseAccuracy:P2}, 35% {result.Sweep[0].Accuracy:P2}, 50% {result.Sweep[1].Accuracy:P2}, " +
            $"pruned {result.PrunedAccuracy:P2}, fine-tuned {result.FineTunedAccuracy:P2}");

        // Selection moved the masses apart (all 1 at the start), on each layer's mean-1 simplex.
        var selected = result.Epochs.Last(e => e.Phase == EvolutionPhase.Selection).Layers;
        Assert.All(selected, l => Assert.True(l.MaxMass > 1.2 && l.MinMass < 0.8, $"{l.Layer}: masses {l.MinMass:F3}..{l.MaxMass:F3} barely moved"));
        Assert.All(selected, l => Assert.True(l.EffectivePopulations < 0.99 * l.Groups));

        Assert.True(result.DenseAccuracy >= 0.88, $"dense accuracy {result.DenseAccuracy:P2}");
        Assert.True(result.Sweep[0].Accuracy >= result.DenseAccuracy - 0.10, $"35% pruned: {result.Sweep[0].Accuracy:P2}");
        // The pruned model is exactly the 50% probe (same decision, hard pruning is exact).
        Assert.Equal(result.Sweep[1].Accuracy, result.PrunedAccuracy, 12);
        Assert.Equal(new[] { 64, 32 }, result.Layers.Select(l => l.Kept));
        Assert.Equal(0.5, result.Sparsity, 12);
        Assert.True(result.FineTunedAccuracy >= result.DenseAccuracy - 0.02, $"fine-tuned {result.FineTunedAccuracy:P2} vs dense {result.DenseAccuracy:P2}");

        // Masses beat chance: the kept half carries more than half of each layer's mass.
        foreach (var layer in model.PopulationLayers)
            Assert.True(layer.Mass.sum().item<float>() > 0.5f * layer.Count, $"{layer.Name}: the survivors hold {layer.Mass.sum().item<float>()} of {layer.Count}");
    }
}
