using System;
using System.Linq;
using PruneDsl.Quantization;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using PruneDsl.Tests.Reconstruction;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Quantization;

/// <summary>Symmetric INT8/INT4 quantization: the rounding rule, the stored form, round-to-nearest against GPTQ.</summary>
public sealed class QuantizationTests
{
    private readonly ITestOutputHelper _output;

    public QuantizationTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(8, 127)]
    [InlineData(4, 7)]
    public void Round_trip_of_every_weight_is_within_half_a_step_and_zero_stays_zero(int bits, int maxCode)
    {
        Assert.Equal(maxCode, SymmetricQuantizer.MaxCode(bits));
        var random = new Random(bits);
        var weights = Enumerable.Range(0, 2000).Select(_ => (random.NextDouble() - 0.5) * 3).ToArray();
        var max = weights.Max(Math.Abs);
        var scale = SymmetricQuantizer.Scale(max, bits);
        foreach (var w in weights)
        {
            var code = SymmetricQuantizer.Code(w, scale, bits);
            Assert.InRange(code, -maxCode, maxCode);
            Assert.True(Math.Abs(w - SymmetricQuantizer.Dequantize(code, scale)) <= scale / 2 * (1 + 1e-6), $"w = {w}, code {code}, scale {scale}");
        }
        var largest = weights.First(w => Math.Abs(w) == max);
        Assert.Equal(Math.Sign(largest) * maxCode, SymmetricQuantizer.Code(largest, scale, bits));
        Assert.Equal(0, SymmetricQuantizer.Code(0, scale, bits));
        Assert.Equal(0f, SymmetricQuantizer.Dequantize(0, scale));
        Assert.Equal(1f, SymmetricQuantizer.Scale(0, bits));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricQuantizer.MaxCode(3));
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(4, 0)]
    [InlineData(4, 8)]
    public void Round_to_nearest_stays_within_half_a_step_of_each_group_and_keeps_pruned_weights_at_zero(int bits, int groupSize)
    {
        manual_seed(3);
        using var weight = randn(6, 32);
        using var mask = rand(6, 32).gt(0.4);
        using var pruned = weight * mask;
        var scheme = new QuantizationScheme(bits, groupSize);
        using var result = RoundToNearest.Quantize(pruned, scheme, layerName: "rtn");
        var q = result.Quantized!;
        var w = pruned.data<float>().ToArray();
        var wq = result.Weight.data<float>().ToArray();
        for (var r = 0; r < 6; r++)
            for (var j = 0; j < 32; j++)
            {
                var scale = q.Scales[r * q.ScalesPerRow + j / q.ColumnsPerScale];
                Assert.True(Math.Abs(w[r * 32 + j] - wq[r * 32 + j]) <= scale / 2 * (1 + 1e-6));
                if (w[r * 32 + j] == 0) Assert.Equal(0f, wq[r * 32 + j]);
                Assert.Equal(wq[r * 32 + j], SymmetricQuantizer.Dequantize(q.Code(r, j), scale));
            }
        Assert.Equal(wq, q.Dequantize());
        Assert.Equal(groupSize == 0 ? 1 : 32 / groupSize, q.ScalesPerRow);
    }

    [Theory]
    [InlineData(4, null)]
    [InlineData(8, null)]
    [InlineData(4, "2:4")]
    [InlineData(8, "2:4")]
    [InlineData(4, "3:8")]
    public void Packed_codes_round_trip_through_the_stored_parts(int bits, string? patternText)
    {
        const int rows = 5, columns = 48;
        var pattern = patternText is null ? (SparsityPattern?)null : SparsityPattern.Parse(patternText);
        var scheme = new QuantizationScheme(bits, 16);
        var max = scheme.MaxCode;
        var random = new Random(bits + columns);
        var keep = new bool[rows * columns];
        var codes = new sbyte[rows * columns];
        for (var r = 0; r < rows; r++)
            for (var g = 0; g < columns / (pattern?.M ?? 1); g++)
            {
                var m = pattern?.M ?? 1;
                var kept = Enumerable.Range(0, m).OrderBy(_ => random.Next()).Take(pattern?.N ?? 1).ToArray();
                foreach (var k in kept)
                {
                    keep[r * columns + g * m + k] = true;
                    codes[r * columns + g * m + k] = (sbyte)random.Next(-max, max + 1); // every code, the extremes and 0 included
                }
            }
        var scales = Enumerable.Range(0, rows * 3).Select(i => 0.01f * (i + 1)).ToArray();
        var q = QuantizedWeight.FromCodes(scheme, rows, columns, codes, scales, pattern, keep, "packed");
        var dense = q.Dequantize();
        for (var r = 0; r < rows; r++)
            for (var slot = 0; slot < q.ValuesPerRow; slot++)
            {
                var column = q.ColumnOf(r, slot);
                Assert.True(keep[r * columns + column]);
                Assert.Equal(codes[r * columns + column], q.Code(r, slot));
            }
        for (var i = 0; i < dense.Length; i++)
            Assert.Equal(keep[i] ? SymmetricQuantizer.Dequantize(codes[i], scales[i / columns * 3 + i % columns / 16]) : 0f, dense[i]);

        var positions = pattern is null ? null : q.ToNmCompressed().UnpackIndices();
        var again = QuantizedWeight.FromParts(scheme, rows, columns, pattern, q.PackedCodes.ToArray(), q.Scales.ToArray(), positions, "packed");
        Assert.Equal(dense, again.Dequantize());
        Assert.Equal(q.Metadata.ToArray(), again.Metadata.ToArray());

        // Bytes: values at `bits` each, positions (2:4: 4 bits per group of 4; N:M: one byte per value), float32 scales.
        var values = pattern is { } p ? columns / p.M * p.N : columns;
        long positionBytes = pattern is null ? 0 : patternText == "2:4" ? rows * (columns / 16) * 2 : rows * values;
        Assert.Equal(rows * (values * bits / 8) + positionBytes + rows * 3 * 4, q.StorageBytes);
    }

    [Fact]
    public void Stored_2_4_int4_takes_12_bits_per_four_weights_plus_the_scales()
    {
        const int rows = 256, columns = 1024;
        var keep = Enumerable.Range(0, rows * columns).Select(i => i % 4 < 2).ToArray();
        var q = QuantizedWeight.FromCodes(new QuantizationScheme(4), rows, columns, new sbyte[rows * columns], Enumerable.Repeat(1f, rows).ToArray(),
            SparsityPattern.Parse("2:4"), keep);
        Assert.Equal(rows * columns / 4 * 12 / 8, q.CodeBytes + q.PositionBytes);
        Assert.Equal(rows * 4, q.ScaleBytes);
        // 128 / 12 = 10.67x for the values and positions; the per-row scales take it to 10.56x here.
        Assert.Equal(98_304 + 1_024, q.StorageBytes);
        Assert.InRange((double)rows * columns * 4 / q.StorageBytes, 10.55, 10.56);
    }

    [Fact]
    public void Invalid_parts_are_refused_with_the_layer_and_the_reason()
    {
        var scheme = new QuantizationScheme(4);
        var e = Assert.Throws<ArgumentException>(() => QuantizedWeight.FromParts(scheme, 2, 8, null, new byte[7], new[] { 1f, 1f }, null, "fc9"));
        Assert.Contains("fc9", e.Message);
        e = Assert.Throws<ArgumentException>(() => QuantizedWeight.FromParts(scheme, 2, 8, null, new byte[8], new[] { 1f, 0f }, null, "fc9"));
        Assert.Contains("scale 0", e.Message);
        var eight = new byte[8];
        eight[3] = 0x80; // -8 in the high nibble: outside [-7, 7]
        e = Assert.Throws<ArgumentException>(() => QuantizedWeight.FromParts(scheme, 2, 8, null, eight, new[] { 1f, 1f }, null, "fc9"));
        Assert.Contains("-8", e.Message);
        e = Assert.Throws<ArgumentException>(() => new QuantizationScheme(3));
        Assert.Contains("Bits", e.Message);
        e = Assert.Throws<ArgumentException>(() => QuantizedWeight.FromCodes(scheme, 1, 8, new sbyte[] { 1, 1, 1, 0, 0, 0, 0, 0 }, new[] { 1f },
            SparsityPattern.Parse("2:4"), new[] { true, true, true, false, false, false, false, false }, "fc9"));
        Assert.Contains("not 2:4 sparse", e.Message);
    }

    public static TheoryData<int, int, int> GptqCases() => new()
    {
        { 4, 0, 1 }, { 4, 0, 2 }, { 4, 16, 3 }, { 8, 0, 4 }, { 8, 16, 5 },
    };

    [Theory]
    [MemberData(nameof(GptqCases))]
    public void Gptq_error_on_the_calibration_data_is_never_above_round_to_nearest(int bits, int groupSize, int seed)
    {
        using var p = new LayerProblem(rows: 24, columns: 64, n: 256, seed: seed);
        var spec = new ReconstructionSpec(ReconstructionMethod.None, Bits: bits, GroupSize: groupSize, BlockSize: 32);
        using var gptq = Gptq.QuantizeLayer(p.Weight, p.Hessian, spec, layerName: "random", calibrationRows: p.Rows);
        using var rtn = RoundToNearest.Quantize(p.Weight, new QuantizationScheme(bits, groupSize), layerName: "random");
        var gptqError = p.Error(gptq.Weight);
        var rtnError = p.Error(rtn.Weight);
        _output.WriteLine($"INT{bits} g{groupSize} seed {seed}: GPTQ {gptqError:G4}, RTN {rtnError:G4} ({gptqError / rtnError:F2})");
        Assert.True(gptqError <= rtnError, $"GPTQ {gptqError} > RTN {rtnError}");
        // Every weight is on its grid: the stored codes times the scales give the new weight exactly.
        Assert.Equal(gptq.Weight.data<float>().ToArray(), gptq.Quantized!.Dequantize());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Gptq_holds_pruned_weights_at_exactly_zero_and_stores_the_2_4_mask(int bits)
    {
        using var p = new LayerProblem(rows: 16, columns: 64, n: 200, seed: 9);
        using var pruned = SparseGpt.PruneLayer(p.Weight, p.Hessian, new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: "2:4", BlockSize: 32), "nm", p.Rows);
        var spec = new ReconstructionSpec(ReconstructionMethod.None, Pattern: "2:4", Bits: bits, BlockSize: 32);
        using var quantized = Gptq.QuantizeLayer(pruned.Weight, p.Hessian, spec, layerName: "nm", calibrationRows: p.Rows);
        Assert.Equal(pruned.KeepMask.data<bool>().ToArray(), quantized.KeepMask.data<bool>().ToArray());
        using var outside = quantized.Weight.masked_select(pruned.KeepMask.logical_not());
        Assert.True(outside.eq(0).all().item<bool>());
        var q = quantized.Quantized!;
        Assert.Equal(SparsityPattern.Parse("2:4"), q.Pattern);
        Assert.Equal(quantized.Weight.data<float>().ToArray(), q.Dequantize());
        var compressed = q.ToNmCompressed();
        Assert.Equal(PruneDsl.Sparsity.NmCompressed.FromTensor(pruned.Weight, SparsityPattern.Parse("2:4")).Metadata.ToArray(), compressed.Metadata.ToArray());
        // The codes' error feedback beats rounding the same pruned weights.
        using var rtn = RoundToNearest.Quantize(pruned.Weight, new QuantizationScheme(bits), SparsityPattern.Parse("2:4"), "nm");
        Assert.True(LayerProblem.Error(pruned.Weight, quantized.Weight, p.Inputs) <= LayerProblem.Error(pruned.Weight, rtn.Weight, p.Inputs));
    }

    [Fact]
    public void SparseGpt_with_bits_prunes_and_quantizes_in_one_sweep()
    {
        using var p = new LayerProblem(rows: 12, columns: 32, n: 150, seed: 12);
        var spec = new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: "2:4", Bits: 4, GroupSize: 8, BlockSize: 16);
        using var result = SparseGpt.PruneLayer(p.Weight, p.Hessian, spec, "joint", p.Rows);
        using var perGroup = result.KeepMask.reshape(12, 8, 4).sum(-1);
        Assert.True(perGroup.eq(2).all().item<bool>());
        var q = result.Quantized!;
        Assert.Equal(4, q.ScalesPerRow);
        Assert.Equal(result.Weight.data<float>().ToArray(), q.Dequantize());
        Assert.True(p.Error(result.Weight) < p.Error(p.Weight * result.KeepMask));
    }

    [Fact]
    public void Gptq_is_bit_identical_for_the_same_inputs()
    {
        float[] Run()
        {
            using var p = new LayerProblem(rows: 20, columns: 48, n: 120, seed: 13);
            using var r = Gptq.QuantizeLayer(p.Weight, p.Hessian, new ReconstructionSpec(ReconstructionMethod.None, Bits: 4, BlockSize: 16), layerName: "again");
            return r.Weight.data<float>().ToArray();
        }
        Assert.Equal(Run(), Run());
    }
}
