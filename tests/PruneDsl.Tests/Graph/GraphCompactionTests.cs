using System;
using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Tests.Compaction;
using PruneDsl.Tests.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Graph;

/// <summary>
/// Compaction of channel plans, one test per shape: a compacted model computes what the pruned gated model computes on
/// real MNIST images (max abs difference 1e-5), in eval mode and, for BatchNorm, in training mode with the same running
/// statistics for the kept channels.
/// </summary>
[Collection(MnistCollection.Name)]
public sealed class GraphCompactionTests
{
    private readonly MnistFixture _mnist;

    public GraphCompactionTests(MnistFixture mnist) => _mnist = mnist;

    private Tensor Images(int count = 256)
    {
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(count));
        return data.Images.view(-1, 1, 28, 28).clone();
    }

    /// <summary>Keeps about half of every gated space (seeded), the rest just below epsilon; returns the kept counts by space.</summary>
    internal static int[] SetGates(ChannelPlan plan, int seed, double keepFraction = 0.5)
    {
        return plan.ParticipationLayers.Select((layer, i) =>
        {
            var keep = Math.Max(1, (int)Math.Round(layer.Count * keepFraction));
            Participations.Set(layer, keep, seed + 17 * i);
            return keep;
        }).ToArray();
    }

    private static float MaxDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }

    private void AssertCompactionIsExact<TModel>(Func<TModel> create, int seed) where TModel : nn.Module<Tensor, Tensor>, IPlannedModel
    {
        using var x = Images();
        manual_seed(seed);
        using var model = create();
        var kept = SetGates(model.Plan, seed);
        model.eval();
        model.Plan.HardPrune();
        using var pruned = model.call(x);
        var paramsBefore = PruneDsl.Compaction.Compactor.ParameterCount(model);

        var report = model.Plan.Compact();
        using var compacted = model.call(x);

        Assert.Equal(pruned.shape, compacted.shape);
        var diff = MaxDiff(pruned, compacted);
        Assert.True(diff <= 1e-5f, $"{typeof(TModel).Name}: max |compacted - pruned| = {diff}");
        Assert.Equal(kept, report.Spaces.Where(s => s.Outcome == SpaceOutcome.Compacted).Select(s => s.After).ToArray());
        Assert.Equal(paramsBefore, report.ParametersBefore);
        Assert.True(report.ParametersAfter < report.ParametersBefore);
        foreach (var gate in model.Plan.ParticipationLayers)
        {
            using var one = gate.Participation.eq(1).all();
            Assert.True(one.item<bool>(), $"the gate of '{gate.Name}' is not reset to 1 after folding");
        }
    }

    [Fact]
    public void Plain_conv_chain_with_flatten_into_linear() => AssertCompactionIsExact(() => new ConvChain(), 21);

    [Fact]
    public void Conv_with_batchnorm() => AssertCompactionIsExact(() => new ConvBn(), 22);

    [Fact]
    public void Residual_blocks_with_identity_and_projection_shortcuts() => AssertCompactionIsExact(() => new SmallResNet(), 23);

    [Fact]
    public void Channel_concatenation() => AssertCompactionIsExact(() => new ConcatNet(), 24);

    [Fact]
    public void Depthwise_conv() => AssertCompactionIsExact(() => new DepthwiseNet(), 25);

    [Fact]
    public void Conv_chain_shapes_sizes_and_macs_follow_the_kept_channels()
    {
        manual_seed(31);
        using var model = new ConvChain();
        Participations.Set(model.Plan.ParticipationLayers[0], 3, seed: 1);
        Participations.Set(model.Plan.ParticipationLayers[1], 5, seed: 2);

        var report = model.Plan.Compact();

        Assert.Equal(new long[] { 3, 1, 3, 3 }, model.Conv1.weight!.shape);
        Assert.Equal(new long[] { 3 }, model.Conv1.bias!.shape);
        Assert.Equal(3, model.Conv1.out_channels);
        Assert.Equal(new long[] { 5, 3, 3, 3 }, model.Conv2.weight!.shape);
        Assert.Equal(3, model.Conv2.in_channels);
        Assert.Equal(5, model.Conv2.out_channels);
        Assert.Equal(new long[] { 10, 5 * 25 }, model.Fc.weight!.shape);
        Assert.Equal(5 * 25, model.Fc.in_features);
        // MACs per example: conv1 26*26 outputs * 9, conv2 11*11 outputs * in*9, fc in*10.
        Assert.Equal(8L * 26 * 26 * 9 + 12L * 11 * 11 * 8 * 9 + 300 * 10, report.MacsBefore);
        Assert.Equal(3L * 26 * 26 * 9 + 5L * 11 * 11 * 3 * 9 + 125 * 10, report.MacsAfter);
        Assert.Equal(new[] { ("conv1", 8, 3), ("conv2", 12, 5) }, report.Spaces.Select(s => (s.Space, s.Before, s.After)).ToArray());
        Assert.Equal(new[] { "conv2" }, report.Spaces[0].Consumers);
        Assert.Equal(new[] { "fc" }, report.Spaces[1].Consumers);
        Assert.Equal(3, report.Widths["conv1"]);
        var state = model.state_dict();
        Assert.Equal(new long[] { 3 }, state["conv1_participation"].shape);
    }

    [Fact]
    public void Batchnorm_in_training_mode_gives_the_same_outputs_and_running_statistics_after_compaction()
    {
        using var x = Images(128);
        manual_seed(41);
        using var gated = new SmallResNet();
        manual_seed(41);
        using var compacted = new SmallResNet();
        var kept = SetGates(gated.Plan, 5);
        SetGates(compacted.Plan, 5);
        // Make the running statistics non-trivial first (same batches for both).
        gated.train();
        compacted.train();
        using (no_grad())
        {
            gated.call(x).Dispose();
            compacted.call(x).Dispose();
        }
        gated.Plan.HardPrune();
        using var stemKeep = gated.Plan.Space("stem").Gate!.KeepMask().nonzero().squeeze(1);
        compacted.Plan.Compact();

        using (no_grad())
        {
            using var y1 = gated.call(x);
            using var y2 = compacted.call(x);
            var diff = MaxDiff(y1, y2);
            Assert.True(diff <= 1e-5f, $"training mode: max |compacted - pruned| = {diff}");
        }
        using var mean1 = gated.StemBn.running_mean!.index_select(0, stemKeep);
        using var var1 = gated.StemBn.running_var!.index_select(0, stemKeep);
        Assert.Equal(kept[0], (int)compacted.StemBn.running_mean!.shape[0]);
        Assert.True(MaxDiff(mean1, compacted.StemBn.running_mean!) <= 1e-6f);
        Assert.True(MaxDiff(var1, compacted.StemBn.running_var!) <= 1e-6f);
        Assert.Equal(kept[0], compacted.StemBn.num_features);

        gated.eval();
        compacted.eval();
        using var e1 = gated.call(x);
        using var e2 = compacted.call(x);
        Assert.True(MaxDiff(e1, e2) <= 1e-5f);
    }
}
