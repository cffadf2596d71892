using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Sparsity;

public sealed class NmLinearTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var path in new[] { NmKernelPath.Simd, NmKernelPath.Scalar })
            foreach (var (pattern, inFeatures, outFeatures) in new[] { ("2:4", 40, 30), ("2:4", 256, 64), ("3:8", 32, 10), ("1:4", 12, 5) })
                foreach (var batch in new[] { 1, 7, 128 })
                    yield return new object[] { path, pattern, inFeatures, outFeatures, batch };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_equals_the_dense_masked_linear(NmKernelPath path, string text, int inFeatures, int outFeatures, int batch)
    {
        if (path == NmKernelPath.Simd && !NmKernel.IsSimdSupported) return; // the scalar rows of this theory still run
        var pattern = SparsityPattern.Parse(text);
        manual_seed(inFeatures * 31 + outFeatures + batch);
        using var source = nn.Linear(inFeatures, outFeatures);
        using var original = source.weight!.detach().clone();
        using var layer = new NmLinear("fc2", source, pattern) { KernelPath = path };
        using var x = randn(batch, inFeatures);

        using var got = layer.call(x);

        using var mask = NmSparsity.ComputeMask(original, pattern);
        using var masked = original * mask;
        using var expected = nn.functional.linear(x, masked, source.bias);
        Assert.Equal(new long[] { batch, outFeatures }, got.shape);
        // Relative 1e-4 of sum |w x| + |b| per output (float summation order differs).
        using var scale = x.abs().matmul(masked.abs().t()) + source.bias!.abs();
        using var error = (got - expected).abs();
        Assert.True(error.le(scale * 1e-4 + 1e-6).all().item<bool>(), $"max error {error.max().item<float>()}");
        // The source is untouched; the layer keeps exactly the mask, compressed and dense alike.
        Assert.True(source.weight!.eq(original).all().item<bool>());
        Assert.True(layer.Weight.eq(masked).all().item<bool>());
        Assert.True(layer.Mask.eq(mask).all().item<bool>());
        using var decompressed = layer.Compressed.ToTensor();
        Assert.True(decompressed.eq(masked).all().item<bool>());
        Assert.Equal((inFeatures, outFeatures, pattern), (layer.InFeatures, layer.OutFeatures, layer.Pattern));
    }

    [Fact]
    public void A_weight_masked_by_training_keeps_its_mask()
    {
        manual_seed(3);
        var pattern = SparsityPattern.Parse("2:4");
        using var source = nn.Linear(16, 6);
        using (var sparse = new NmMaskedLinear(source, pattern, "fc"))
        {
            using var layer = new NmLinear("fc", source, pattern);
            Assert.True(layer.Weight.eq(source.weight!).all().item<bool>());
            Assert.True(layer.Mask.eq(sparse.Mask).all().item<bool>());
        }
    }

    [Fact]
    public void Vectors_and_higher_rank_inputs_keep_their_leading_shape()
    {
        manual_seed(4);
        using var source = nn.Linear(24, 9);
        using var layer = new NmLinear("head", source, SparsityPattern.Parse("2:4"));
        using var v = randn(24);
        using var t = randn(2, 3, 24);

        using var yv = layer.call(v);
        using var yt = layer.call(t);

        Assert.Equal(new long[] { 9 }, yv.shape);
        Assert.Equal(new long[] { 2, 3, 9 }, yt.shape);
        using var ev = nn.functional.linear(v, layer.Weight, layer.Bias);
        using var et = nn.functional.linear(t, layer.Weight, layer.Bias);
        Assert.True(yv.allclose(ev, rtol: 1e-4, atol: 1e-5));
        Assert.True(yt.allclose(et, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Float64_inputs_come_back_as_float64_and_a_source_without_bias_works()
    {
        manual_seed(5);
        using var source = nn.Linear(8, 4, hasBias: false);
        using var layer = new NmLinear("fc", source, SparsityPattern.Parse("1:2"));
        using var x = randn(3, 8, dtype: ScalarType.Float64);

        using var y = layer.call(x);

        Assert.Null(layer.Bias);
        Assert.Equal(ScalarType.Float64, y.dtype);
        using var expected = x.matmul(layer.Weight.to(ScalarType.Float64).t());
        Assert.True(y.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void An_input_that_needs_a_gradient_gets_the_dense_product_and_its_gradient()
    {
        manual_seed(6);
        using var source = nn.Linear(16, 3);
        using var layer = new NmLinear("fc", source, SparsityPattern.Parse("2:4"));
        using var x = randn(5, 16).requires_grad_(true);

        using var y = layer.call(x);
        using var loss = y.sum();
        loss.backward();

        // d(sum(x W^T + b))/dx = the column sums of W, for every row.
        using var expected = layer.Weight.sum(0L).expand(5, 16);
        Assert.Equal((ScalarType.Float32, ScalarType.Float32), (x.grad!.dtype, expected.dtype));
        Assert.True(x.grad!.allclose(expected, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void State_dict_uses_the_names_of_a_Linear()
    {
        using var source = nn.Linear(8, 2);
        using var layer = new NmLinear("fc", source, SparsityPattern.Parse("2:4"));
        var state = layer.state_dict();
        Assert.Equal(new[] { "bias", "weight" }, state.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        Assert.Equal(new long[] { 2, 8 }, state["weight"].shape);
        Assert.Empty(layer.parameters());
    }

    [Fact]
    public void A_wrong_input_width_names_the_layer_and_both_widths()
    {
        using var source = nn.Linear(40, 30);
        using var layer = new NmLinear("fc2", source, SparsityPattern.Parse("2:4"));
        using var x = randn(4, 39);

        var e = Assert.Throws<ArgumentException>(() => layer.call(x));

        Assert.Contains("'fc2'", e.Message);
        Assert.Contains("width 40", e.Message);
        Assert.Contains("width 39", e.Message);
    }

    [Fact]
    public void A_pattern_that_does_not_divide_the_inputs_is_refused_at_construction()
    {
        using var source = nn.Linear(30, 10);
        var e = Assert.Throws<ArgumentException>(() => new NmLinear("fc2", source, SparsityPattern.Parse("2:4")));
        Assert.Contains("fc2", e.Message);
        Assert.Contains("30", e.Message);
    }
}
