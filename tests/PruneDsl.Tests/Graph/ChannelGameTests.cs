using System;
using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Evolution;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Pruning;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Tests.Compaction;
using PruneDsl.Tests.Data;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Graph;

/// <summary>The game, selection dynamics, the criteria and EMP on channel groups.</summary>
[Collection(MnistCollection.Name)]
public sealed class ChannelGameTests
{
    private readonly MnistFixture _mnist;

    public ChannelGameTests(MnistFixture mnist)
    {
        _mnist = mnist;
        // oneDNN's convolution backward reads uninitialized memory on this libtorch (LibTorchBackends); train without it.
        LibTorchBackends.MkldnnEnabled = false;
    }

    private LabeledData Data(int count = 128)
    {
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(count));
        return new LabeledData(data.Images.view(-1, 1, 28, 28).clone(), data.Labels.clone());
    }

    private static Tensor Loss(nn.Module<Tensor, Tensor> model, LabeledData data) => nn.functional.cross_entropy(model.call(data.Inputs), data.Labels);

    /// <summary>Adam steps on one batch, with the gates' step after each backward pass.</summary>
    private static void Train(nn.Module<Tensor, Tensor> model, LabeledData data, int steps, Action gateStep)
    {
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Loss(model, data).backward();
            gateStep();
            optimizer.step();
        }
    }

    [Fact]
    public void The_benefit_of_a_shared_gate_is_s_times_the_autograd_marginal_through_every_site()
    {
        // Training mode: a conv followed by BatchNorm contributes nothing through its filters (normalization), the
        // BatchNorm's affine carries the benefit; the stem's gate has three sites.
        var data = Data(64);
        manual_seed(51);
        using var model = new SmallResNet();
        model.train();
        foreach (var (layer, i) in model.Plan.ParticipationLayers.Select((l, i) => (l, i))) Participations.Set(layer, layer.Count, seed: 60 + i);
        foreach (var layer in model.Plan.ParticipationLayers) layer.StartMarginal();
        try
        {
            Loss(model, data).backward();
            foreach (var layer in model.Plan.ParticipationLayers)
            {
                using var marginal = layer.Marginal();
                using var expected = layer.Participation * marginal;
                using var inner = layer.GroupInner();
                using var scale = expected.abs().max();
                using var diff = (inner - expected).abs().max();
                Assert.True(diff.item<float>() <= 1e-4f * scale.item<float>() + 1e-8f,
                    $"'{layer.Name}': max |<grad, theta> - s dL/ds| = {diff.item<float>()} (scale {scale.item<float>()})");
            }
        }
        finally
        {
            foreach (var layer in model.Plan.ParticipationLayers) layer.StopMarginal();
        }
    }

    [Fact]
    public void Participation_steps_move_every_channel_gate_and_a_high_price_prunes_channels()
    {
        var data = Data(128);
        manual_seed(52);
        using var model = new ConvBn(cost: new CostSpec(Gamma: 0.05, LearningRate: 1.0));
        Train(model, data, 25, model.Plan.StepParticipations);
        foreach (var layer in model.Plan.ParticipationLayers)
        {
            using var min = layer.Participation.min();
            Assert.True(min.item<float>() < 1f, $"'{layer.Name}' did not move");
            Assert.True(layer.KeptCount() < layer.Count, $"'{layer.Name}': gamma 0.05 for 25 steps of lr 1 prunes channels");
        }
        // Pruned channels compact away exactly.
        model.eval();
        model.Plan.HardPrune();
        using var before = model.call(data.Inputs);
        var report = model.Plan.Compact();
        using var after = model.call(data.Inputs);
        using var diff = (after - before).abs().max();
        Assert.True(diff.item<float>() <= 1e-5f);
        Assert.All(report.Spaces, s => Assert.True(s.After < s.Before));
    }

    [Fact]
    public void Selection_dynamics_evolve_channel_masses_and_their_extinct_channels_compact_away()
    {
        var data = Data(128);
        manual_seed(53);
        using var model = new ConvBn(dynamics: new DynamicsSpec(Dynamics.Replicator, LearningRate: 10, TargetSparsity: 0.5));
        Assert.Equal(new[] { "conv1", "conv2" }, model.Plan.PopulationLayers.Select(p => p.Name).ToArray());
        Assert.Empty(model.Plan.ParticipationLayers);
        Train(model, data, 10, model.Plan.StepPopulations);
        foreach (var p in model.Plan.PopulationLayers)
        {
            using var mean = p.Mass.mean();
            Assert.Equal(1.0, mean.item<float>(), 4);
            using var spread = p.Mass.max() - p.Mass.min();
            Assert.True(spread.item<float>() > 1e-3f, $"'{p.Name}': masses did not move");
            p.PruneToSparsity();
        }
        model.eval();
        model.Plan.HardPrune();
        using var before = model.call(data.Inputs);
        var report = model.Plan.Compact();
        using var after = model.call(data.Inputs);
        using var diff = (after - before).abs().max();
        Assert.True(diff.item<float>() <= 1e-5f);
        Assert.Equal(new[] { 4, 8 }, report.Spaces.Select(s => s.After).ToArray());
    }

    [Fact]
    public void Magnitude_scores_a_channel_by_every_member_slice()
    {
        manual_seed(54);
        using var model = new ConvBn();
        using (no_grad())
        {
            model.Bn1.weight!.uniform_(0.5, 2);
            model.Bn1.bias!.uniform_(-1, 1);
        }
        var groups = model.Plan.Space("conv1").Groups!;
        using var l2 = MagnitudeCriterion.L2.Score(groups);
        using var l1 = MagnitudeCriterion.L1.Score(groups);
        using var w = model.Conv1.weight!.detach().to(ScalarType.Float64).reshape(8, -1);
        using var b = model.Conv1.bias!.detach().to(ScalarType.Float64);
        using var g = model.Bn1.weight!.detach().to(ScalarType.Float64);
        using var beta = model.Bn1.bias!.detach().to(ScalarType.Float64);
        using var expected2 = (w.square().sum(1) + b.square() + g.square() + beta.square()).sqrt();
        using var expected1 = w.abs().sum(1) + b.abs() + g.abs() + beta.abs();
        Assert.True(l2.allclose(expected2, rtol: 1e-12, atol: 0));
        Assert.True(l1.allclose(expected1, rtol: 1e-12, atol: 0));
    }

    [Fact]
    public void Taylor_and_Fisher_accumulate_per_channel_from_every_member()
    {
        var data = Data(64);
        manual_seed(55);
        using var model = new ConvBn();
        foreach (var layer in model.Plan.ParticipationLayers) Participations.Set(layer, layer.Count, seed: 3);
        var groups = model.Plan.Space("conv2").Groups!;
        var taylor = new TaylorCriterion();
        var fisher = new FisherCriterion();
        Tensor? taylorSum = null, fisherSum = null;
        for (var batch = 0; batch < 2; batch++)
        {
            model.zero_grad();
            Loss(model, data.Take(32 * (batch + 1))).backward();
            taylor.Observe(groups);
            fisher.Observe(groups);
            using var _ = no_grad();
            // Independent: |s dL/ds| from the BatchNorm's affine (the only site), Fisher from each tensor's gradient.
            var inner = (model.Bn2.weight!.grad! * model.Bn2.weight).to(ScalarType.Float64) + (model.Bn2.bias!.grad! * model.Bn2.bias).to(ScalarType.Float64);
            taylorSum = taylorSum is null ? inner.abs() : taylorSum + inner.abs();
            var f = (model.Conv2.weight!.square() * model.Conv2.weight.grad!.square()).to(ScalarType.Float64).reshape(16, -1).sum(1)
                + (model.Bn2.weight.square() * model.Bn2.weight.grad!.square()).to(ScalarType.Float64)
                + (model.Bn2.bias.square() * model.Bn2.bias.grad!.square()).to(ScalarType.Float64);
            fisherSum = fisherSum is null ? f : fisherSum + f;
        }
        Assert.Equal(2, taylor.ObservedBatches(groups));
        Assert.Equal(2, fisher.ObservedBatches(groups));
        using var t = taylor.Score(groups);
        using var fs = fisher.Score(groups);
        // Fisher uses the weights as they are now (unchanged: no optimizer step) and the mean squared gradient.
        using var expectedT = taylorSum! / 2.0;
        using var expectedF = fisherSum! / 4.0;
        Assert.True(t.allclose(expectedT, rtol: 1e-5, atol: 1e-12));
        Assert.True(fs.allclose(expectedF, rtol: 1e-5, atol: 1e-14));
    }

    [Fact]
    public void Wanda_reads_a_convolution_input_per_unfolded_feature()
    {
        var data = Data(16);
        manual_seed(56);
        using var model = new ConvBn();
        var wanda = new WandaCriterion();
        var groups = model.Plan.Space("conv2").Groups!;
        using var handle = wanda.Attach(groups);
        Tensor? captured = null;
        var capture = model.Conv2.register_forward_pre_hook((_, input) => { captured = input.detach().clone(); return input; });
        using (no_grad()) model.call(data.Inputs).Dispose();
        capture.remove();
        Assert.Equal(1, wanda.ObservedBatches(groups));
        using var score = wanda.Score(groups);

        // Independent: the 3x3, stride-2, padding-1 patches by slicing the zero-padded input.
        using var _ = no_grad();
        var x = nn.functional.pad(captured!.to(ScalarType.Float64), new long[] { 1, 1, 1, 1 });
        var norms = zeros(8, 3, 3, dtype: ScalarType.Float64);
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
            {
                var shifted = x[.., .., TensorIndex.Slice(i, i + 27, 2), TensorIndex.Slice(j, j + 27, 2)];
                norms[.., i, j] = shifted.square().sum(new long[] { 0, 2, 3 });
            }
        var expected = (model.Conv2.weight!.detach().to(ScalarType.Float64).abs() * norms.sqrt().unsqueeze(0)).reshape(16, -1).sum(1);
        Assert.True(score.allclose(expected, rtol: 1e-9, atol: 0));
        wanda.Dispose();
    }

    [Fact]
    public void Prune_settings_on_channel_spaces_run_EMP_and_compaction_honours_them()
    {
        var data = Data(64);
        manual_seed(57);
        using var model = new ConvBn(prune: new PruneSpec(Criterion.Taylor, PruneThreshold.Effective));
        var report = model.Plan.PruneByCriteria(data, (o, y) => nn.functional.cross_entropy(o, y), batchSize: 32, batches: 2);
        Assert.Equal(new[] { "conv1", "conv2" }, report.Layers.Select(l => l.Layer).ToArray());
        var kept = report.Layers.Select(l => l.Decision.KeptCount).ToArray();
        Assert.All(report.Layers, l => Assert.Equal(l.Decision.KeptCount, model.Plan.Space(l.Layer).Gate!.KeepMask().sum().item<long>()));
        Assert.Contains(kept, k => k < 16);
        var compaction = model.Plan.Compact();
        Assert.Equal(kept, compaction.Spaces.Select(s => s.After).ToArray());

        // A plain (ungated) channel target is zeroed, member by member.
        manual_seed(58);
        using var plain = new DepthwiseNet();
        var stem = plain.Plan.Space("stem").Groups!;
        using var pruner = new CriterionPruner(new[] { new PruneTarget("stem", stem, MagnitudeCriterion.L2, new TargetSparsity(0.5)) });
        var decision = pruner.Apply().Layers.Single().Decision;
        Assert.Equal(2, decision.KeptCount);
        foreach (var (_, t, _) in stem.Tensors())
            for (var c = 0; c < 4; c++)
            {
                using var slice = t[c].abs().sum();
                Assert.Equal(decision.KeepMask[c], slice.item<float>() > 0);
            }
    }
}
