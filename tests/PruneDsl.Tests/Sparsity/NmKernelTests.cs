using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Sparsity;

public class NmKernelTests
{
    public static IEnumerable<object[]> Shapes()
    {
        var paths = new[] { NmKernelPath.Simd, NmKernelPath.Scalar };
        foreach (var path in paths)
            foreach (var batch in new[] { 1, 3, 32 })
                foreach (var inFeatures in new[] { 8, 256 })
                    foreach (var outFeatures in new[] { 5, 64 })
                        foreach (var bias in new[] { false, true })
                            foreach (var pattern in new[] { "2:4", "3:8" })
                                yield return new object[] { path, pattern, batch, inFeatures, outFeatures, bias };
        // Odd widths and batches: partial 2:4 metadata words, odd word counts, every tile width and remainder.
        foreach (var path in paths)
            foreach (var (pattern, batch, inFeatures, outFeatures) in new[]
            {
                ("2:4", 2, 24, 7), ("2:4", 4, 48, 3), ("2:4", 9, 20, 17), ("2:4", 40, 48, 33), ("2:4", 50, 256, 16),
                ("2:4", 17, 12, 1), ("1:4", 3, 12, 6), ("1:2", 35, 10, 9), ("5:16", 20, 64, 11), ("2:4", 0, 16, 4),
                // Several input chunks of the batch-tile kernel, with a short last chunk.
                ("3:8", 20, 2048, 9), ("2:4", 12, 1040, 37), ("2:4", 2, 1040, 3),
            })
                yield return new object[] { path, pattern, batch, inFeatures, outFeatures, true };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Kernel_equals_the_dense_masked_product(NmKernelPath path, string text, int batch, int inFeatures, int outFeatures, bool withBias)
    {
        if (path == NmKernelPath.Simd && !NmKernel.IsSimdSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => NmKernel.MatMul(new float[inFeatures], 1, Compressed(text, 1, inFeatures, out _),
                ReadOnlySpan<float>.Empty, new float[1], path));
            return;
        }
        var pattern = SparsityPattern.Parse(text);
        manual_seed(100 + batch * 7 + inFeatures + outFeatures);
        var c = Compressed(text, outFeatures, inFeatures, out var dense);
        using var x = randn(batch, inFeatures);
        using var b = randn(outFeatures);

        using var got = NmKernel.MatMul(x, c, withBias ? b : null, path);
        Assert.Equal(new long[] { batch, outFeatures }, got.shape);

        using var expected = withBias ? x.matmul(dense.t()) + b : x.matmul(dense.t());
        // Float summation error bound: relative 1e-4 of sum |w x| (+|b|) per output.
        using var scale = x.abs().matmul(dense.abs().t()) + (withBias ? b.abs() : zeros(outFeatures));
        using var error = (got - expected).abs();
        using var allowed = scale * 1e-4 + 1e-6;
        Assert.True(error.le(allowed).all().item<bool>(),
            $"max error {(batch == 0 ? 0 : error.max().item<float>())} on {path} {pattern} [{batch}x{inFeatures}] -> {outFeatures}");
        Assert.True(pattern.N < pattern.M);
    }

    [Fact]
    public void Span_overload_overwrites_the_output_and_matches_the_tensor_overload()
    {
        manual_seed(4);
        var c = Compressed("2:4", 6, 16, out var dense);
        using var x = randn(5, 16);
        var xs = x.data<float>().ToArray();
        var bias = Enumerable.Range(0, 6).Select(i => 0.5f * i).ToArray();
        var output = Enumerable.Repeat(float.NaN, 5 * 6 + 3).ToArray();
        NmKernel.MatMul(xs, 5, c, bias, output);
        using var expected = x.matmul(dense.t()) + tensor(bias);
        var e = expected.data<float>().ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], output[i], 4);
        Assert.True(output.Skip(30).All(float.IsNaN)); // nothing written past [batch, out]

        Assert.Throws<ArgumentException>(() => NmKernel.MatMul(xs, 5, c, new float[5], output));
        Assert.Throws<ArgumentException>(() => NmKernel.MatMul(xs, 6, c, bias, output));
        Assert.Throws<ArgumentException>(() => NmKernel.MatMul(xs, 5, c, bias, new float[29]));
        using var wrongWidth = randn(2, 12);
        var ex = Assert.Throws<ArgumentException>(() => NmKernel.MatMul(wrongWidth, c));
        Assert.Contains("[2, 12]", ex.Message);
    }

    [Fact]
    public void Simd_and_scalar_paths_agree_on_a_wide_layer()
    {
        manual_seed(6);
        var c = Compressed("2:4", 40, 1024, out _);
        using var x = randn(33, 1024);
        using var scalar = NmKernel.MatMul(x, c, path: NmKernelPath.Scalar);
        using var auto = NmKernel.MatMul(x, c);
        Assert.True(auto.allclose(scalar, rtol: 1e-4, atol: 1e-4));
        using var one = NmKernel.MatMul(x.narrow(0, 0, 1), c);
        Assert.True(one.allclose(scalar.narrow(0, 0, 1), rtol: 1e-4, atol: 1e-4));
    }

    /// <summary>A random N:M weight [rows, columns], its compressed form and the dense masked weight.</summary>
    private static NmCompressed Compressed(string text, int rows, int columns, out Tensor dense)
    {
        var pattern = SparsityPattern.Parse(text);
        dense = randn(rows, columns);
        NmSparsity.Prune(dense, pattern).Dispose();
        return NmCompressed.FromTensor(dense, pattern);
    }
}
