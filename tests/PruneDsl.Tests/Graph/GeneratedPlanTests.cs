using System;
using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Graph;
using PruneDsl.Tests.Data;
using PruneDsl.Tests.Graph.Generated;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Graph;

/// <summary>
/// The channel plans the generator writes from forward, run: LeNet-5 and a small ResNet whose blocks are models of their
/// own. The plans build (the runtime validates every width), gate the spaces the coupling rule says, take the blocks' own
/// plans over, and compact exactly: the compacted model and its inference module compute what the pruned gated model
/// computes on real MNIST images (max abs difference 1e-5). In float64: libtorch's float32 CPU convolution of LeNet's
/// conv2 (20 -> 50, 5x5) differs from float64 by up to 0.08 on these inputs (measured while writing this test), more
/// than compaction's own error, and that is libtorch's, not the plan's.
/// </summary>
[Collection(MnistCollection.Name)]
public sealed class GeneratedPlanTests
{
    private readonly MnistFixture _mnist;

    public GeneratedPlanTests(MnistFixture mnist) => _mnist = mnist;

    private Tensor Images(int count = 256)
    {
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(count));
        return data.Images.view(-1, 1, 28, 28).clone();
    }

    private static double MaxDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.to(ScalarType.Float64).item<double>();
    }

    [Fact]
    public void LeNet5_plan_gates_both_convolutions_and_the_hidden_Linear()
    {
        using var model = new GenLeNet5();
        var plan = model.ChannelPlan;
        Assert.Equal(new[] { "conv1", "conv2", "fc1" }, plan.ParticipationLayers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(new[] { 20, 50, 500 }, new[] { model.Conv1Participation.Count, model.Conv2Participation.Count, model.Fc1Participation.Count });
        Assert.Equal(new[] { "fc1" }, plan.Space("conv2").Consumers.Select(c => c.Name));
        Assert.DoesNotContain(plan.Space("fc2").Refusals, r => r.Kind != SpaceRefusalKind.Output);
    }

    [Fact]
    public void ResNet_plan_couples_the_stem_with_the_identity_blocks_and_takes_the_blocks_plans_over()
    {
        using var model = new GenResNet();
        var plan = model.ChannelPlan;
        Assert.Equal(new[] { "block1.conv1", "block2.conv1", "block3.conv1", "block3.conv2", "stem" },
            plan.ParticipationLayers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal));
        // The stem's space holds the stem and both identity blocks' conv2 (each normalized by its BatchNorm).
        var stem = plan.Space("stem");
        Assert.Equal(new[] { "block1.bn2", "block1.conv2", "block2.bn2", "block2.conv2", "stem", "stem_bn" },
            stem.Members.Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(new[] { "block1.conv1", "block2.conv1", "block3.conv1", "block3.shortcut" },
            stem.Consumers.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(16, model.StemParticipation.Count);
        Assert.Equal(32, model.Block3Conv2Participation.Count);
        Assert.NotNull(model.Block1.ChannelPlan.SupersededBy);
    }

    private void AssertCompactionAndInferenceAreExact(nn.Module<Tensor, Tensor> model, ChannelPlan plan, Func<PruneDsl.Graph.GraphCompactionReport> compact,
        Func<nn.Module<Tensor, Tensor>> toInference, int seed)
    {
        using var images = Images();
        using var x = images.to(ScalarType.Float64);
        var kept = GraphCompactionTests.SetGates(plan, seed);
        model.eval();
        plan.HardPrune();
        using var pruned = model.call(x);

        var report = compact();
        using var compacted = model.call(x);
        Assert.True(MaxDiff(pruned, compacted) <= 1e-5, $"max |compacted - pruned| = {MaxDiff(pruned, compacted)}");
        Assert.Equal(kept.OrderBy(k => k), report.Spaces.Where(s => s.Outcome == SpaceOutcome.Compacted).Select(s => s.After).OrderBy(k => k));
        Assert.True(report.ParametersAfter < report.ParametersBefore);

        using var inference = toInference();
        using var inferred = inference.call(x);
        Assert.True(MaxDiff(pruned, inferred) <= 1e-5, $"max |inference - pruned| = {MaxDiff(pruned, inferred)}");
    }

    [Fact]
    public void LeNet5_compaction_and_inference_are_exact()
    {
        manual_seed(61);
        using var model = new GenLeNet5(ScalarType.Float64);
        AssertCompactionAndInferenceAreExact(model, model.ChannelPlan, () => model.ChannelPlan.Compact(), () => model.ToInference(CPU), 61);
        Assert.True(model.Conv2.out_channels < 50);
        Assert.Equal(model.Conv2.out_channels * 16, model.Fc1.in_features);
    }

    [Fact]
    public void ResNet_compaction_and_inference_are_exact()
    {
        manual_seed(62);
        using var model = new GenResNet(ScalarType.Float64);
        AssertCompactionAndInferenceAreExact(model, model.ChannelPlan, () => model.ChannelPlan.Compact(), () => model.ToInference(CPU), 62);
    }
}
