using System;
using System.Linq;
using PruneDsl.Reconstruction;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>The mask rules the one-shot methods share: unstructured all-but-the-smallest and N:M, ties to the lower index.</summary>
public sealed class WeightMasksTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 7)]
    [InlineData(3, 50)]
    [InlineData(4, 99)]
    [InlineData(5, 100)]
    public void Unstructured_keeps_all_but_the_smallest_with_ties_kept_at_the_lower_index(int seed, int prune)
    {
        var random = new Random(seed);
        var scores = Enumerable.Range(0, 100).Select(_ => (double)random.Next(0, 12)).ToArray(); // many ties
        // Reference: a stable sort by descending score keeps the first 100 - prune.
        var kept = Enumerable.Range(0, 100).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(100 - prune).ToHashSet();
        var keep = WeightMasks.KeepAllButSmallest(scores, prune);
        Assert.Equal(Enumerable.Range(0, 100).Select(kept.Contains), keep);
        using var tensorScores = tensor(scores, new long[] { 10, 10 });
        using var mask = WeightMasks.KeepAllButSmallest(tensorScores, prune);
        Assert.Equal(keep, mask.data<bool>().ToArray());
    }

    [Fact]
    public void Targets_choose_over_the_layer_per_row_or_per_group()
    {
        using var scores = tensor(new double[] { 5, 1, 1, 4, 9, 9, 0, 2 }, new long[] { 2, 4 });
        using var overall = WeightMasks.Select(scores, PruneTarget.Unstructured(0.5));
        Assert.Equal(new[] { true, false, false, true, true, true, false, false }, overall.data<bool>().ToArray());
        using var perRow = WeightMasks.Select(scores, PruneTarget.Unstructured(0.25), perRow: true);
        Assert.Equal(new[] { true, true, false, true, true, true, false, true }, perRow.data<bool>().ToArray());
        using var nm = WeightMasks.Select(scores, PruneTarget.NM("2:4"));
        using var reference = NmSparsity.ComputeMask(scores, SparsityPattern.Parse("2:4"));
        Assert.Equal(reference.data<bool>().ToArray(), nm.data<bool>().ToArray());
        Assert.Equal(new[] { true, false, false, true, true, true, false, false }, nm.data<bool>().ToArray());
        Assert.Equal(2, PruneTarget.Unstructured(0.25).PruneCount(8));
        Assert.Equal("2:4", PruneTarget.NM("2:4").ToString());
        Assert.Equal("70% unstructured", PruneTarget.Unstructured(0.7).ToString());
    }
}
