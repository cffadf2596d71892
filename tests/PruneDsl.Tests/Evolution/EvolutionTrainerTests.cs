using System;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Tests.Game;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Evolution;

public class EvolutionTrainerTests
{
    private static LabeledData Data(int count, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = randn(count, 12, dtype: ScalarType.Float64, generator: generator);
        // Three classes from a fixed linear rule, so there is something to learn.
        var w = randn(12, 3, dtype: ScalarType.Float64, generator: new Generator(99));
        return new LabeledData(x, x.mm(w).argmax(1));
    }

    [Fact]
    public void Each_layer_prunes_to_its_own_target_and_the_fine_tune_keeps_the_extinct_at_zero()
    {
        manual_seed(5);
        var model = new MixedDynamicsMlp();
        var options = new EvolutionTrainingOptions
        {
            Epochs = 2, BatchSize = 16, FineTuneEpochs = 2, FineTuneLearningRate = 5e-3,
            Sweep = new[] { new PruningPoint(0.5, ThresholdScope.PerLayer), new PruningPoint(0.5, ThresholdScope.Global) },
        };
        var reports = new System.Collections.Generic.List<EvolutionEpochReport>();
        var result = new EvolutionTrainer(model, options).Run(Data(256, 1), Data(128, 2), new Progress(reports.Add));

        Assert.Equal(new[] { EvolutionPhase.Selection, EvolutionPhase.Selection, EvolutionPhase.FineTune, EvolutionPhase.FineTune },
            result.Epochs.Select(e => e.Phase));
        Assert.Equal(new[] { 1, 2, 3, 4 }, result.Epochs.Select(e => e.Epoch));
        Assert.Equal(result.Epochs, reports);
        Assert.Equal(2 * 16, model.Fc1Population.Steps); // one selection step per batch, none during the fine-tune
        // fc1 declares 50% (9 -> 5), fc2 25% (7 -> 5).
        Assert.Equal(new[] { 5, 5 }, result.Layers.Select(l => l.Kept));
        Assert.Equal(new[] { 5, 5 }, model.PopulationLayers.Select(l => l.KeptCount()));
        Assert.Equal(2, result.Sweep.Count);
        Assert.Equal(new[] { 5, 3 }, result.Sweep[0].KeptPerLayer.Values); // 9 - round(4.5), 7 - round(3.5)
        Assert.Equal(8, result.Sweep[1].KeptPerLayer.Values.Sum()); // 16 - round(8)
        Assert.NotNull(result.FineTunedAccuracy);
        Assert.Equal(result.FinalAccuracy, result.FineTunedAccuracy!.Value);
        Assert.Equal(Evaluation.Accuracy(model, Data(128, 2)), result.FinalAccuracy, 12);
        foreach (var layer in model.PopulationLayers)
        {
            using var extinct = layer.KeepMask().logical_not().nonzero().squeeze(1);
            Assert.Equal(0.0, layer.Layer.weight!.index_select(0, extinct).abs().sum().item<double>());
            Assert.Equal(0.0, layer.Mass.index_select(0, extinct).abs().sum().item<double>());
        }

        // Global pruning needs one target: these layers declare two.
        var error = Assert.Throws<InvalidOperationException>(() =>
            new EvolutionTrainer(new MixedDynamicsMlp(), options with { Scope = ThresholdScope.Global, FineTuneEpochs = 0 }).Run(Data(64, 1), Data(32, 2)));
        Assert.Contains("TargetSparsity", error.Message);
    }

    [Fact]
    public void The_option_overrides_the_declared_target_and_the_pruned_accuracy_is_the_probe_at_that_level()
    {
        manual_seed(6);
        var model = new TinyEvolvingMlp();
        var options = new EvolutionTrainingOptions
        {
            Epochs = 1, BatchSize = 32, TargetSparsity = 0.5, Scope = ThresholdScope.Global,
            Sweep = new[] { new PruningPoint(0.5, ThresholdScope.Global) },
        };
        var test = Data(200, 4);
        var result = new EvolutionTrainer(model, options).Run(Data(128, 3), test);
        Assert.Equal(8, result.Layers.Sum(l => l.Kept)); // 16 - round(8)
        Assert.Equal(0.5, result.Sparsity, 12);
        Assert.Null(result.FineTunedAccuracy);
        Assert.Equal(result.Sweep[0].Accuracy, result.PrunedAccuracy, 12);
        Assert.Equal(result.Sweep[0].KeptPerLayer.Values, result.Layers.Select(l => l.Kept));
    }

    [Fact]
    public void A_bypassed_mass_and_a_model_without_populations_are_reported_with_the_fix()
    {
        var data = new LabeledData(randn(8, 4), randint(0, 2, 8));
        var error = Assert.Throws<InvalidOperationException>(() =>
            new EvolutionTrainer(new BypassingEvolvingMlp(), new EvolutionTrainingOptions { Epochs = 1, BatchSize = 4 }).Run(data, data));
        Assert.Contains("fc1", error.Message);
        Assert.Contains("call(x)", error.Message);

        var notEvolving = Assert.Throws<ArgumentException>(() => new EvolutionTrainer(new TinyCompetingMlp()));
        Assert.Contains("[SelectionDynamics]", notEvolving.Message);
        Assert.Throws<ArgumentException>(() => new EvolutionTrainer(new TinyEvolvingMlp(), new EvolutionTrainingOptions { TargetSparsity = 1.0 }));
        Assert.Throws<ArgumentException>(() => new EvolutionTrainer(new TinyEvolvingMlp(),
            new EvolutionTrainingOptions { Sweep = new[] { new PruningPoint(-0.1, ThresholdScope.PerLayer) } }));
    }

    private sealed class Progress(Action<EvolutionEpochReport> report) : IProgress<EvolutionEpochReport>
    {
        public void Report(EvolutionEpochReport value) => report(value);
    }
}
