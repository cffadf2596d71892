using System;
using System.Linq;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Sparsity;

public class NmSparsityTests
{
    private static readonly SparsityPattern TwoFour = SparsityPattern.Parse("2:4");

    [Theory]
    [InlineData("2:4", 7, 16)]
    [InlineData("1:4", 3, 8)]
    [InlineData("3:8", 5, 24)]
    [InlineData("1:2", 4, 6)]
    public void Mask_keeps_exactly_N_per_group_and_they_are_the_largest(string text, int rows, int width)
    {
        var pattern = SparsityPattern.Parse(text);
        manual_seed(11);
        using var w = randn(rows, width);
        using var mask = NmSparsity.ComputeMask(w, pattern, "fc");
        Assert.Equal(ScalarType.Bool, mask.dtype);
        Assert.Equal(new long[] { rows, width }, mask.shape);

        var weights = w.data<float>().ToArray();
        var keep = mask.data<bool>().ToArray();
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < width / pattern.M; g++)
            {
                var cols = Enumerable.Range(g * pattern.M, pattern.M).Select(c => r * width + c).ToArray();
                Assert.Equal(pattern.N, cols.Count(i => keep[i]));
                float minKept = cols.Where(i => keep[i]).Min(i => Math.Abs(weights[i]));
                float maxDropped = cols.Where(i => !keep[i]).Max(i => Math.Abs(weights[i]));
                Assert.True(minKept >= maxDropped, $"row {r} group {g}: kept {minKept} < dropped {maxDropped}");
            }
    }

    [Fact]
    public void Ties_are_broken_towards_the_lower_index_every_time()
    {
        using var w = tensor(new float[]
        {
            1, 1, 1, 1,      2, -2, 2, -2,      0, -0f, 0, 0,      3, 1, 3, 3,
            1, 2, 2, 2,      -5, 5, 5, -5,      0, 0, 0, 0.5f,     -1, -1, 4, -1,
        }, new long[] { 2, 16 });
        var expected = new[]
        {
            true, true, false, false,   true, true, false, false,   true, true, false, false,   true, false, true, false,
            false, true, true, false,   true, true, false, false,   true, false, false, true,   true, false, true, false,
        };
        for (int repeat = 0; repeat < 3; repeat++)
        {
            using var mask = NmSparsity.ComputeMask(w, TwoFour);
            Assert.Equal(expected, mask.data<bool>().ToArray());
        }
    }

    [Fact]
    public void Prune_zeroes_the_dropped_weights_in_place_and_leaves_the_kept_ones_untouched()
    {
        manual_seed(3);
        using var lin = nn.Linear(16, 6);
        var before = lin.weight!.data<float>().ToArray();
        using var mask = NmSparsity.Prune(lin.weight!, TwoFour, "fc1");
        var after = lin.weight!.data<float>().ToArray();
        var keep = mask.data<bool>().ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            if (keep[i]) Assert.Equal(before[i], after[i]);
            else Assert.True(after[i] == 0f && !float.IsNegative(after[i]), $"weight {i} = {after[i]}");
        }
        Assert.Equal(6 * 8, keep.Count(k => k));
        Assert.True(lin.weight!.requires_grad);
    }

    [Theory]
    [InlineData(4, 4, 16, "4:4")]
    [InlineData(5, 4, 16, "5:4")]
    [InlineData(0, 4, 16, "0:4")]
    [InlineData(2, 0, 16, "2:0")]
    [InlineData(2, 4, 10, "2:4")]
    [InlineData(3, 8, 12, "3:8")]
    public void Invalid_patterns_and_widths_throw_naming_layer_pattern_and_width(int n, int m, int width, string shown)
    {
        using var w = randn(3, width);
        var ex = Assert.Throws<ArgumentException>(() => NmSparsity.ComputeMask(w, new SparsityPattern(n, m), "encoder.fc7"));
        Assert.Contains("encoder.fc7", ex.Message);
        Assert.Contains(shown, ex.Message);
        Assert.Contains(width.ToString(), ex.Message);

        using var lin = nn.Linear(width, 3);
        var ex2 = Assert.Throws<ArgumentException>(() => new NmMaskedLinear(lin, new SparsityPattern(n, m), "encoder.fc7"));
        Assert.Contains("encoder.fc7", ex2.Message);
        Assert.Contains(shown, ex2.Message);
        Assert.Contains(width.ToString(), ex2.Message);
    }

    [Fact]
    public void A_weight_that_is_not_2D_is_rejected()
    {
        using var w = randn(2, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => NmSparsity.ComputeMask(w, TwoFour, "conv"));
        Assert.Contains("[2, 3, 4]", ex.Message);
    }

    [Fact]
    public void Masked_linear_stays_N_of_M_through_training_and_gradients_of_pruned_weights_are_zeroed()
    {
        manual_seed(5);
        using var lin = nn.Linear(16, 8);
        using var sparse = new NmMaskedLinear(lin, TwoFour, "fc1");
        AssertNm(lin.weight!, TwoFour);
        using var keepAtStart = sparse.Mask.clone();

        var opt = optim.SGD(lin.parameters(), learningRate: 0.1, momentum: 0.9);
        using var x = randn(32, 16);
        using var target = randn(32, 8);
        for (int step = 0; step < 5; step++)
        {
            opt.zero_grad();
            using var loss = nn.functional.mse_loss(lin.call(x), target);
            loss.backward();
            sparse.BeforeOptimizerStep();
            using (var pruned = sparse.Mask.logical_not())
            using (var prunedGrads = lin.weight!.grad!.masked_select(pruned))
            using (var keptGrads = lin.weight!.grad!.masked_select(sparse.Mask))
            {
                Assert.Equal(0f, prunedGrads.abs().max().item<float>());
                Assert.True(keptGrads.abs().max().item<float>() > 0f);
            }
            opt.step();
            Assert.True(sparse.AfterOptimizerStep());
            AssertNm(lin.weight!, TwoFour);
        }
        Assert.Equal(5, sparse.Steps);
        Assert.Equal(5, sparse.Refreshes);
        // Gradient masking keeps pruned weights at zero, so refreshing re-selects the same weights.
        Assert.True(keepAtStart.eq(sparse.Mask).all().item<bool>());

        // The layer computes with the masked weight in forward and call alike.
        using var dense = lin.weight!.detach().clone();
        using var expected = x.matmul(dense.t()) + lin.bias!;
        using var got = lin.forward(x);
        Assert.True(got.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Refresh_follows_the_schedule_and_lets_a_grown_weight_back_in_when_gradients_are_not_masked()
    {
        using var lin = nn.Linear(4, 1);
        using (no_grad()) lin.weight!.copy_(tensor(new float[] { 4, 3, 2, 1 }).reshape(1, 4));
        using var everyTwo = new NmMaskedLinear(lin, TwoFour, "fc", refreshEvery: 2, maskGradients: false);
        Assert.Equal(new float[] { 4, 3, 0, 0 }, lin.weight!.data<float>().ToArray());

        // Step 1 (no refresh): a pruned weight that the optimizer moved is zeroed again by the fixed mask.
        using (no_grad()) lin.weight![0, 3] = tensor(10f);
        Assert.False(everyTwo.AfterOptimizerStep());
        Assert.Equal(new float[] { 4, 3, 0, 0 }, lin.weight!.data<float>().ToArray());

        // Step 2 (refresh): a pruned weight that outgrew a kept one takes its place.
        using (no_grad()) lin.weight![0, 3] = tensor(10f);
        Assert.True(everyTwo.AfterOptimizerStep());
        Assert.Equal(new float[] { 4, 0, 0, 10 }, lin.weight!.data<float>().ToArray());
        Assert.Equal(new[] { true, false, false, true }, everyTwo.Mask.data<bool>().ToArray());
        Assert.Equal(1, everyTwo.Refreshes);

        // Gradients are left alone when maskGradients is off.
        using (var loss = lin.call(ones(1, 4)).sum()) loss.backward(); // d loss / d w = x = 1
        everyTwo.BeforeOptimizerStep();
        Assert.Equal(new float[] { 1, 1, 1, 1 }, lin.weight!.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Step_wraps_an_optimizer_step_and_refreshEvery_must_be_positive()
    {
        manual_seed(8);
        using var lin = nn.Linear(8, 3);
        using var sparse = new NmMaskedLinear(lin, SparsityPattern.Parse("1:4"), "head", refreshEvery: 3);
        var opt = optim.Adam(lin.parameters(), lr: 0.05);
        using var x = randn(4, 8);
        var refreshed = new bool[6];
        for (int i = 0; i < 6; i++)
        {
            opt.zero_grad();
            using var loss = lin.call(x).pow(2).sum();
            loss.backward();
            refreshed[i] = sparse.Step(() => opt.step());
            AssertNm(lin.weight!, SparsityPattern.Parse("1:4"));
        }
        Assert.Equal(new[] { false, false, true, false, false, true }, refreshed);

        var ex = Assert.Throws<ArgumentException>(() => new NmMaskedLinear(lin, TwoFour, "head", refreshEvery: 0));
        Assert.Contains("head", ex.Message);
        Assert.Contains("refreshEvery", ex.Message);
    }

    /// <summary>Asserts that every group of M has at most N nonzero weights.</summary>
    internal static void AssertNm(Tensor weight, SparsityPattern pattern)
    {
        var w = weight.data<float>().ToArray();
        int width = (int)weight.shape[1];
        for (int start = 0; start < w.Length; start += pattern.M)
        {
            int nonzero = w.Skip(start).Take(pattern.M).Count(v => v != 0f);
            Assert.True(nonzero <= pattern.N, $"group at flat index {start} has {nonzero} nonzero weights (width {width})");
        }
    }
}
