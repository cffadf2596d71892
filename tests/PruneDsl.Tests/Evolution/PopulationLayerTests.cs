using System;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Evolution;

public class PopulationLayerTests
{
    private static Tensor Batch(int seed) => randn(32, 12, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    private static Tensor Labels(int seed) => randint(0, 3, 32, generator: new Generator((ulong)seed));

    private static void Backward(TinyEvolvingMlp model, int seed)
    {
        model.zero_grad();
        using var loss = nn.functional.cross_entropy(model.call(Batch(seed)), Labels(seed + 100));
        loss.backward();
    }

    /// <summary>Sets masses to positive values with mean 1, different per neuron, and one extinct neuron per layer.</summary>
    private static void SpreadMasses(TinyEvolvingMlp model)
    {
        using var _ = no_grad();
        foreach (var layer in model.PopulationLayers)
        {
            var m = linspace(0.2, 1.8, layer.Count, dtype: ScalarType.Float64);
            m[2] = 0.0;
            layer.Mass.copy_(m);
            MassNormalization.RescaleToMeanOne(layer.Mass);
        }
    }

    [Fact]
    public void Masses_start_at_one_are_registered_buffers_and_scale_the_output()
    {
        manual_seed(2);
        var model = new TinyEvolvingMlp();
        Assert.Equal(new[] { 9, 7 }, model.PopulationLayers.Select(l => l.Count));
        Assert.Equal(new[] { "fc1", "fc2" }, model.PopulationLayers.Select(l => l.Name));
        Assert.All(model.PopulationLayers, l => Assert.Equal(1.0, l.Mass.min().item<double>()));
        Assert.All(model.PopulationLayers, l => Assert.Same(l.Mass, ((PruneDsl.Game.IGroupGate)l).Gate));
        var buffers = model.named_buffers().Select(b => b.name).ToList();
        Assert.Contains("fc1_mass", buffers);
        Assert.Contains("fc2_mass", buffers);
        Assert.DoesNotContain(model.parameters(), p => p.Handle == model.Fc1Population.Mass.Handle);
        Assert.False(model.Fc1Population.Mass.requires_grad);
        Assert.Equal(Dynamics.Replicator, model.Fc1Population.Spec.Kind);
        Assert.IsType<Replicator>(model.Fc1Population.Dynamic);

        // A mass of 2 on neuron 3 equals doubling its fan-in row and bias; a mass of 0 equals zeroing them.
        var x = Batch(1);
        model.Fc1Population.Mass[3] = 2.0;
        model.Fc1Population.Mass[5] = 0.0;
        var gated = Evaluation.Outputs(model, x);
        using (no_grad())
        {
            model.Fc1.weight![3].mul_(2);
            model.Fc1.bias![3].mul_(2);
            model.Fc1.weight![5].zero_();
            model.Fc1.bias![5].zero_();
        }
        model.Fc1Population.Mass.fill_(1.0);
        var scaled = Evaluation.Outputs(model, x);
        Assert.True(gated.allclose(scaled, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void Fitness_equals_minus_dL_dm_from_autograd()
    {
        manual_seed(3);
        var model = new TinyEvolvingMlp();
        SpreadMasses(model);
        Backward(model, 5);
        var fitness = model.PopulationLayers.Select(l => l.Fitness()).ToList();

        // The reference: make the masses leaves that require gradients and let autograd differentiate the same loss.
        model.zero_grad();
        foreach (var l in model.PopulationLayers) l.Mass.requires_grad_(true);
        try
        {
            using var loss = nn.functional.cross_entropy(model.call(Batch(5)), Labels(105));
            loss.backward();
            for (var i = 0; i < fitness.Count; i++)
            {
                var layer = model.PopulationLayers[i];
                var expected = layer.Mass.grad!.neg();
                var alive = layer.Mass.detach().gt(0);
                Assert.True(fitness[i].masked_select(alive).allclose(expected.masked_select(alive), rtol: 1e-6, atol: 1e-9),
                    $"{layer.Name}: fitness {string.Join(", ", fitness[i].data<double>().ToArray())} vs -dL/dm {string.Join(", ", expected.data<double>().ToArray())}");
                // The extinct neuron gets fitness 0 by definition (every dynamic keeps a zero mass at zero).
                Assert.Equal(0.0, fitness[i][2].item<double>());
                Assert.True(expected.abs().sum().item<double>() > 1e-4, "the loss does not depend on the masses");
            }
        }
        finally
        {
            foreach (var l in model.PopulationLayers) l.Mass.requires_grad_(false);
        }
    }

    [Fact]
    public void Step_applies_the_dynamic_to_the_smoothed_fitness()
    {
        manual_seed(4);
        var model = new MixedDynamicsMlp();
        var fc1 = model.Fc1Population; // exponential weights, lr 2, smoothing 0.5
        var fc2 = model.Fc2Population; // replicator, lr 0.5, smoothing 0
        Assert.IsType<ExponentialWeights>(fc1.Dynamic);
        Assert.IsType<Replicator>(fc2.Dynamic);
        Assert.Equal(0.25, fc2.Spec.TargetSparsity);

        void BackwardOnce(int seed)
        {
            model.zero_grad();
            using var loss = nn.functional.cross_entropy(model.call(Batch(seed)), Labels(seed + 100));
            loss.backward();
        }

        BackwardOnce(1);
        var f1 = fc1.Fitness();
        var expected1 = fc1.Mass.clone();
        new ExponentialWeights().Update(expected1, f1, 2.0);
        var expected2 = fc2.Mass.clone();
        new Replicator().Update(expected2, fc2.Fitness(), 0.5);
        model.StepPopulations();
        Assert.True(fc1.Mass.allclose(expected1, rtol: 0, atol: 1e-12));
        Assert.True(fc2.Mass.allclose(expected2, rtol: 0, atol: 1e-12));
        Assert.True(fc1.SmoothedFitness!.allclose(f1, rtol: 0, atol: 0), "the first smoothed fitness is the first fitness");

        BackwardOnce(2);
        var f2 = fc1.Fitness();
        var smoothed = f1 * 0.5 + f2 * 0.5;
        new ExponentialWeights().Update(expected1, smoothed, 2.0);
        model.StepPopulations();
        Assert.True(fc1.SmoothedFitness!.allclose(smoothed, rtol: 0, atol: 1e-15));
        Assert.True(fc1.Mass.allclose(expected1, rtol: 0, atol: 1e-12));
        Assert.Equal(2, fc1.Steps);
        Assert.Equal(9.0, fc1.Mass.sum().item<double>(), 10);
        Assert.True(fc1.Mass.max().item<double>() > 1.0 && fc1.Mass.min().item<double>() < 1.0, "the masses did not move");
    }

    [Fact]
    public void Step_without_a_backward_pass_names_the_layer()
    {
        var model = new TinyEvolvingMlp();
        var error = Assert.Throws<InvalidOperationException>(() => model.StepPopulations());
        Assert.Contains("'fc1'", error.Message);
        Assert.Contains("backward", error.Message);
    }

    [Fact]
    public void PruneToSparsity_makes_exactly_the_lowest_mass_fraction_extinct()
    {
        var model = new TinyEvolvingMlp();
        var layer = model.Fc1Population;
        Assert.True(layer.KeepMask().all().item<bool>(), "every population survives before a decision");
        Assert.Equal(9, layer.KeptCount());
        using (no_grad()) layer.Mass.copy_(tensor(new[] { 1.4, 0.3, 1.1, 0.9, 0.2, 1.6, 0.5, 1.3, 1.7 }, dtype: ScalarType.Float64));

        // 35% of 9 = 3.15 -> 3 extinct: the masses 0.2, 0.3 and 0.5.
        layer.PruneToSparsity(0.35);
        Assert.Equal(new[] { true, false, true, true, false, true, false, true, true }, layer.KeepMask().data<bool>().ToArray());
        Assert.Equal(6, layer.KeptCount());

        // 50% of 9 = 4.5 -> 4 extinct (half to even): also 0.9.
        layer.PruneToSparsity(0.5);
        Assert.Equal(new[] { true, false, true, false, false, true, false, true, true }, layer.KeepMask().data<bool>().ToArray());

        // The attribute's target (35%) is the default; 0 keeps everyone.
        layer.PruneToSparsity();
        Assert.Equal(6, layer.KeptCount());
        layer.PruneToSparsity(0);
        Assert.Equal(9, layer.KeptCount());
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.PruneToSparsity(1.0));
        Assert.Throws<ArgumentException>(() => layer.Keep(new KeepDecision(new[] { true, false })));
    }

    [Fact]
    public void Global_pruning_ranks_the_masses_of_all_layers_together()
    {
        var model = new TinyEvolvingMlp();
        using (no_grad())
        {
            // fc1 holds the low masses: a global 50% cut (8 of 16) takes 7 from fc1 and 1 from fc2.
            model.Fc1Population.Mass.copy_(tensor(new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 5.4 }, dtype: ScalarType.Float64));
            model.Fc2Population.Mass.copy_(tensor(new[] { 1.2, 0.75, 1.0, 1.1, 0.95, 1.0, 1.0 }, dtype: ScalarType.Float64));
        }
        var global = PopulationPruning.PruneToSparsity(model.PopulationLayers, 0.5, ThresholdScope.Global);
        Assert.Equal(2, model.Fc1Population.KeptCount());
        Assert.Equal(6, model.Fc2Population.KeptCount());
        Assert.False(model.Fc2Population.KeepMask()[1].item<bool>());
        Assert.Equal(8, global.Global!.KeptCount);

        var perLayer = PopulationPruning.PruneToSparsity(model.PopulationLayers, 0.5, ThresholdScope.PerLayer);
        Assert.Equal(5, model.Fc1Population.KeptCount()); // 9 - round(4.5) = 5
        Assert.Equal(3, model.Fc2Population.KeptCount()); // 7 - round(3.5) = 3
        Assert.Null(perLayer.Global);
    }

    [Fact]
    public void Hard_pruning_computes_exactly_what_the_gated_model_computes_with_extinct_masses_at_zero()
    {
        manual_seed(6);
        var model = new TinyEvolvingMlp();
        SpreadMasses(model);
        var x = Batch(9);
        var decision = PopulationPruning.Decide(model.PopulationLayers, 0.5, ThresholdScope.PerLayer);

        // The gated model with the extinct masses at 0, measured without touching the model (and restored afterwards).
        var masses = model.PopulationLayers.Select(l => l.Mass.clone()).ToList();
        var silenced = PopulationPruning.WithExtinctSilenced(model.PopulationLayers, decision, () => Evaluation.Outputs(model, x));
        for (var i = 0; i < masses.Count; i++) Assert.True(model.PopulationLayers[i].Mass.eq(masses[i]).all().item<bool>(), "the masses were not restored");

        foreach (var layer in model.PopulationLayers) layer.Keep(decision[layer.Name]);
        model.HardPrune();
        var pruned = Evaluation.Outputs(model, x);
        Assert.True(silenced.eq(pruned).all().item<bool>(), "hard pruning changed the outputs");
        foreach (var layer in model.PopulationLayers)
        {
            using var extinct = layer.KeepMask().logical_not();
            using var index = extinct.nonzero().squeeze(1);
            Assert.Equal(layer.Count - layer.KeptCount(), (int)index.numel());
            Assert.Equal(0.0, layer.Layer.weight!.index_select(0, index).abs().sum().item<double>());
            Assert.Equal(0.0, layer.Layer.bias!.index_select(0, index).abs().sum().item<double>());
            Assert.Equal(0.0, layer.Mass.index_select(0, index).abs().sum().item<double>());
        }
        Assert.Equal(new[] { 5, 3 }, model.PopulationLayers.Select(l => l.KeptCount()));

        // Pruning again changes nothing; stepping keeps the extinct at zero.
        model.HardPrune();
        Assert.True(Evaluation.Outputs(model, x).eq(pruned).all().item<bool>());
    }

    [Fact]
    public void Compaction_removes_the_extinct_neurons_and_keeps_the_outputs()
    {
        manual_seed(8);
        var model = new TinyEvolvingMlp();
        SpreadMasses(model);
        var x = Batch(10);
        PopulationPruning.PruneToSparsity(model.PopulationLayers, 0.35, ThresholdScope.PerLayer);
        model.HardPrune();
        var pruned = Evaluation.Outputs(model, x);

        var report = model.Compact();
        Assert.Equal(new[] { 6, 5 }, report.Layers.Select(l => l.After));
        Assert.Equal(new long[] { 6, 12 }, model.Fc1.weight!.shape);
        Assert.Equal(new[] { 6, 5 }, model.PopulationLayers.Select(l => l.Count));
        Assert.All(model.PopulationLayers, l => Assert.True(l.KeepMask().all().item<bool>(), "every remaining population survives"));
        Assert.All(model.PopulationLayers, l => Assert.Equal(1.0, l.Mass.mean().item<double>(), 12));
        Assert.True(Evaluation.Outputs(model, x).allclose(pruned, rtol: 1e-9, atol: 1e-12));
    }

    [Fact]
    public void Invalid_settings_name_the_layer_and_a_new_kind_replaces_the_dynamic()
    {
        var model = new TinyEvolvingMlp();
        var error = Assert.Throws<ArgumentException>(() =>
            PopulationLayer.Attach(model, "extra", model.Fc1, new DynamicsSpec(LearningRate: -1)));
        Assert.Contains("'extra'", error.Message);
        Assert.Contains("LearningRate", error.Message);
        Assert.Throws<ArgumentException>(() => model.Fc1Population.Spec = model.Fc1Population.Spec with { Smoothing = 1.0 });

        model.Fc1Population.Spec = model.Fc1Population.Spec with { Kind = Dynamics.ExponentialWeights };
        Assert.IsType<ExponentialWeights>(model.Fc1Population.Dynamic);
        Assert.IsType<Replicator>(model.Fc2Population.Dynamic);
    }
}
