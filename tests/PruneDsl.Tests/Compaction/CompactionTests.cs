using System.Collections.Generic;
using System.Linq;
using PruneDsl.Compaction;
using PruneDsl.Datasets;
using PruneDsl.Tests.Data;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Compaction;

/// <summary>Compaction of a generated model, checked on real MNIST test images.</summary>
[Collection(MnistCollection.Name)]
public sealed class CompactionTests
{
    private readonly MnistFixture _mnist;

    public CompactionTests(MnistFixture mnist) => _mnist = mnist;

    private MnistDataset Images() => MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(256));

    [Fact]
    public void Compacted_model_computes_what_the_pruned_gated_model_computes()
    {
        manual_seed(11);
        using var model = new PaperMlp();
        var kept1 = Participations.Set(model.Fc1Participation, 40, seed: 1);
        var kept2 = Participations.Set(model.Fc2Participation, 30, seed: 2);
        using var data = Images();
        model.eval();

        model.HardPrune();
        using var pruned = model.call(data.Images);
        // Independent reference from the raw weights: y = head(relu(s2 (W2 relu(s1 (W1 x + b1)) + b2))), pruned s = 0.
        using var reference = Reference(model, data.Images);
        Assert.True(pruned.allclose(reference, rtol: 0, atol: 1e-5), "the gated model after hard pruning is not the masked reference");

        using var s1 = model.Fc1Participation.Participation.index_select(0, tensor(kept1)).clone();
        var report = model.Compact();
        using var compacted = model.call(data.Images);

        Assert.Equal(new long[] { 256, 10 }, compacted.shape);
        using var diff = (compacted - pruned).abs().max();
        Assert.True(diff.item<float>() <= 1e-5f, $"max |compacted - pruned| = {diff.item<float>()}");
        // The participations were folded into the kept rows; the gates are now 1.
        using var ones1 = ones(40);
        Assert.True(model.Fc1Participation.Participation.eq(ones1).all().item<bool>());
        Assert.Equal(30, model.Fc2Participation.Count);
        Assert.True(s1.min().item<float>() >= 0.3f);
    }

    [Fact]
    public void Report_gives_widths_shapes_and_parameter_counts()
    {
        manual_seed(12);
        using var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed: 3);
        Participations.Set(model.Fc2Participation, 30, seed: 4);

        var report = model.Compact();

        Assert.Equal(new Dictionary<string, int> { ["fc1"] = 40, ["fc2"] = 30 }, report.Widths);
        Assert.Equal(new (string, int, int, string?)[] { ("fc1", 512, 40, "fc2"), ("fc2", 256, 30, "head") },
            report.Layers.Select(l => (l.Layer, l.Before, l.After, l.Next)).ToArray());
        const long before = 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10;
        const long after = 784 * 40 + 40 + 40 * 30 + 30 + 30 * 10 + 10;
        Assert.Equal(535_818L, before);
        Assert.Equal(before, report.ParametersBefore);
        Assert.Equal(after, report.ParametersAfter);
        Assert.Equal(after, Compactor.ParameterCount(model));

        Assert.Equal(new long[] { 40, 784 }, model.Fc1.weight!.shape);
        Assert.Equal(new long[] { 40 }, model.Fc1.bias!.shape);
        Assert.Equal(new long[] { 30, 40 }, model.Fc2.weight!.shape);
        Assert.Equal(new long[] { 10, 30 }, model.Head.weight!.shape);
        Assert.Equal(40, model.Fc1.out_features);
        Assert.Equal(40, model.Fc2.in_features);
        Assert.Equal(30, model.Head.in_features);
        var state = model.state_dict();
        Assert.Equal(new long[] { 40 }, state["fc1_participation"].shape);
        Assert.Equal(new long[] { 30 }, state["fc2_participation"].shape);
    }

    [Fact]
    public void Keeping_every_neuron_changes_nothing_and_a_layer_with_every_participation_below_epsilon_keeps_its_best_neuron()
    {
        manual_seed(13);
        using var data = Images();

        using (var all = new PaperMlp())
        {
            all.eval();
            using var before = all.call(data.Images);
            var report = all.Compact();
            using var after = all.call(data.Images);
            Assert.Equal(new Dictionary<string, int> { ["fc1"] = 512, ["fc2"] = 256 }, report.Widths);
            Assert.Equal(report.ParametersBefore, report.ParametersAfter);
            Assert.True(after.allclose(before, rtol: 0, atol: 1e-6));
        }

        // Every participation of fc2 below epsilon: the layer is not emptied (the "fc2 at 0 of 256") but keeps its
        // highest participation; here all are equal, so the lowest index (0) wins, as in every ranking of the thresholds.
        using var none = new PaperMlp();
        Participations.Set(none.Fc1Participation, 12, seed: 5);
        Participations.Set(none.Fc2Participation, 0, seed: 6);
        using (var best = none.Fc2Participation.Participation.clone())
        {
            best[17].fill_(0.9 * none.Fc2Participation.Cost.Epsilon);
            none.Fc2Participation.Participation.copy_(best);
        }
        Assert.True(none.Fc2Participation.EveryGroupBelowEpsilon());
        using (var keep = none.Fc2Participation.KeepMask())
            Assert.Equal(new long[] { 17 }, keep.nonzero().squeeze(1).data<long>().ToArray());
        none.HardPrune();
        using var expected = Reference(none, data.Images);
        var compacted = none.Compact();
        using var y = none.call(data.Images);
        Assert.Equal(1, compacted.Widths["fc2"]);
        Assert.Equal(new long[] { 10, 1 }, none.Head.weight!.shape);
        Assert.True(y.allclose(expected, rtol: 0, atol: 1e-5));
    }

    /// <summary>The pruned model computed from its raw weights and participations, without the hooks.</summary>
    private static Tensor Reference(PaperMlp model, Tensor x)
    {
        using var _ = no_grad();
        var s1 = model.Fc1Participation.Participation;
        var s2 = model.Fc2Participation.Participation;
        using var h1 = nn.functional.linear(x, model.Fc1.weight!, model.Fc1.bias) * s1;
        using var a1 = nn.functional.relu(h1);
        using var h2 = nn.functional.linear(a1, model.Fc2.weight!, model.Fc2.bias) * s2;
        using var a2 = nn.functional.relu(h2);
        return nn.functional.linear(a2, model.Head.weight!, model.Head.bias);
    }
}
