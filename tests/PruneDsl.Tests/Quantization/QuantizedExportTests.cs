using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PruneDsl.Export;
using PruneDsl.Quantization;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using PruneDsl.Tests.Export;
using PruneDsl.Tests.Reconstruction;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Quantization;

/// <summary>The quantized export: written by <see cref="SafetensorsExport"/>, read back by <see cref="QuantizedExport"/>, described in the manifest.</summary>
public sealed class QuantizedExportTests
{
    private readonly ITestOutputHelper _output;

    public QuantizedExportTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// A <see cref="SmallMlp"/> with fc1 pruned 2:4 and quantized to INT4 in one SparseGPT sweep, fc2 INT8 per channel
    /// (round to nearest) and head 2:4 INT8 in groups of 16 (GPTQ on a magnitude 2:4 mask), applied to the model.
    /// </summary>
    internal static (SmallMlp Model, Dictionary<string, QuantizedWeight> Quantized, Tensor Inputs) Quantized(int seed)
    {
        manual_seed(seed);
        var model = new SmallMlp();
        model.eval();
        var inputs = randn(200, 784);
        var calibration = new List<Tensor> { inputs[..100], inputs[100..] };
        var quantized = new Dictionary<string, QuantizedWeight>();
        using (var result = OneShot.Run(model, new[] { new ReconstructionTarget("fc1", model.fc1, new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: "2:4", Bits: 4, BlockSize: 112)) }, calibration))
            quantized["fc1"] = result.Layers[0].Quantized!;
        using (var rtn = RoundToNearest.Quantize(model.fc2.weight!, new QuantizationScheme(8), null, "fc2"))
        {
            rtn.ApplyTo(model.fc2);
            quantized["fc2"] = rtn.Quantized!;
        }
        using (no_grad()) PruneDsl.Sparsity.NmSparsity.Prune(model.head.weight!, SparsityPattern.Parse("2:4"), "head").Dispose();
        using (var result = OneShot.Run(model, new[] { new ReconstructionTarget("head", model.head, new ReconstructionSpec(ReconstructionMethod.None, Pattern: "2:4", Bits: 8, GroupSize: 16, BlockSize: 16)) }, calibration))
            quantized["head"] = result.Layers[0].Quantized!;
        return (model, quantized, inputs);
    }

    [Fact]
    public void Export_round_trip_loads_back_the_same_codes_scales_and_positions()
    {
        using var folder = new TempFolder("quantized-roundtrip");
        var (model, quantized, inputs) = Quantized(21);
        using var _ = model;
        using var __ = inputs;
        SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { QuantizedLayers = quantized });

        var back = QuantizedExport.Read(folder.Path);
        Assert.Equal(new[] { "fc1", "fc2", "head" }, back.Keys.OrderBy(k => k));
        foreach (var (name, q) in quantized)
        {
            var r = back[name];
            Assert.Equal(q.Scheme, r.Scheme);
            Assert.Equal(q.Pattern, r.Pattern);
            Assert.Equal(q.PackedCodes.ToArray(), r.PackedCodes.ToArray());
            Assert.Equal(q.Scales.ToArray(), r.Scales.ToArray());
            Assert.Equal(q.Metadata.ToArray(), r.Metadata.ToArray());
            Assert.Equal(q.Dequantize(), r.Dequantize());
        }

        // A fresh model built from the file alone computes what the quantized model computes.
        using var reloaded = new SmallMlp();
        reloaded.eval();
        using (no_grad())
            foreach (var ((name, layer), (_, source)) in reloaded.Layers.Zip(model.Layers))
            {
                using var w = back[name].ToTensor();
                layer.weight!.copy_(w);
                layer.bias!.copy_(source.bias!);
            }
        using var expected = model.call(inputs);
        using var actual = reloaded.call(inputs);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
    }

    [Fact]
    public void Manifest_describes_the_quantized_format()
    {
        using var folder = new TempFolder("quantized-manifest");
        var (model, quantized, inputs) = Quantized(22);
        using var _ = model;
        using var __ = inputs;
        var written = SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { QuantizedLayers = quantized });
        var manifest = SafetensorsExport.ReadManifest(folder.Path);

        Assert.Equal(SafetensorsExport.QuantizedFile, manifest.Files.Quantized);
        Assert.Equal(QuantizedExport.Layout.Keys.OrderBy(k => k), manifest.QuantizedLayout!.Keys.OrderBy(k => k));
        var fc1 = manifest.Layers.Single(l => l.Name == "fc1").Quantized!;
        Assert.Equal(("symmetric", 4, 0, 784, 1, "2:4", 392, 196), (fc1.Scheme, fc1.Bits, fc1.GroupSize, fc1.ColumnsPerScale, fc1.ScalesPerRow, fc1.Pattern, fc1.ValuesPerRow, fc1.BytesPerRow));
        Assert.Equal(("fc1.q_codes", "fc1.q_scales", "fc1.q_metadata", (string?)null), (fc1.Codes, fc1.Scales, fc1.Metadata, fc1.Indices));
        Assert.Equal(quantized["fc1"].StorageBytes, fc1.StorageBytes);
        Assert.Equal(96 * 196 + 96 * 49 * 2 + 96 * 4, fc1.StorageBytes);
        var fc2 = manifest.Layers.Single(l => l.Name == "fc2").Quantized!;
        Assert.Equal((8, 0, (string?)null, 96, 96, (string?)null), (fc2.Bits, fc2.GroupSize, fc2.Pattern, fc2.ValuesPerRow, fc2.BytesPerRow, fc2.Metadata));
        var head = manifest.Layers.Single(l => l.Name == "head").Quantized!;
        Assert.Equal((8, 16, 16, 3, "2:4", 24, 24), (head.Bits, head.GroupSize, head.ColumnsPerScale, head.ScalesPerRow, head.Pattern, head.ValuesPerRow, head.BytesPerRow));

        AssertTensor(manifest, "fc1.q_codes", "U8", 96, 196);
        AssertTensor(manifest, "fc1.q_scales", "F32", 96, 1);
        AssertTensor(manifest, "fc1.q_metadata", "I16", 96, 49);
        AssertTensor(manifest, "head.q_scales", "F32", 10, 3);
        Assert.All(new[] { "fc1.q_codes", "fc2.q_scales", "head.q_metadata" }, n => Assert.Equal(SafetensorsExport.QuantizedFile, manifest.Tensors[n].File));

        // snake_case names in the file itself, for readers outside .NET
        var json = File.ReadAllText(Path.Combine(folder.Path, SafetensorsExport.ManifestFile));
        foreach (var key in new[] { "\"quantized_layout\"", "\"columns_per_scale\"", "\"bytes_per_row\"", "\"storage_bytes\"", "\"quantized\": \"quantized.safetensors\"" })
            Assert.Contains(key, json);
        Assert.Equal(written.Layers.Select(l => l.Quantized?.StorageBytes), manifest.Layers.Select(l => l.Quantized?.StorageBytes));
    }

    private static void AssertTensor(ExportManifest manifest, string name, string dtype, params long[] shape)
    {
        Assert.Equal(dtype, manifest.Tensors[name].DType);
        Assert.Equal(shape, manifest.Tensors[name].Shape);
    }

    [Fact]
    public void Export_refuses_a_model_whose_weight_is_not_the_dequantized_one_and_unknown_layers()
    {
        using var folder = new TempFolder("quantized-refuse");
        var (model, quantized, inputs) = Quantized(23);
        using var _ = model;
        using var __ = inputs;
        using (no_grad()) model.fc2.weight![0, 0] = model.fc2.weight![0, 0] + 1;
        var e = Assert.Throws<ArgumentException>(() => SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { QuantizedLayers = quantized }));
        Assert.Contains("'fc2'", e.Message);
        Assert.Contains("ApplyTo", e.Message);
        quantized.Remove("fc2");
        quantized["fc7"] = quantized["head"];
        e = Assert.Throws<ArgumentException>(() => SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { QuantizedLayers = quantized }));
        Assert.Contains("fc7", e.Message);
    }

    [PythonTorchFact]
    public void PyTorch_dequantizes_the_export_from_the_manifest_alone()
    {
        using var folder = new TempFolder("quantized-python");
        var (model, quantized, inputs) = Quantized(24);
        using var _ = model;
        using var __ = inputs;
        SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { QuantizedLayers = quantized });
        var io = folder.File("io.safetensors");
        using (var y = model.call(inputs))
            TorchSharp.PyBridge.Safetensors.SaveStateDict(io, new Dictionary<string, Tensor> { ["x"] = inputs.contiguous(), ["y"] = y.detach().contiguous() });
        var script = Path.Combine(AppContext.BaseDirectory, "Export", "check_export.py");
        var (code, stdout, stderr) = PythonTorch.Run(script, folder.Path, io);
        _output.WriteLine(stdout);
        _output.WriteLine(stderr);
        Assert.True(code == 0, $"check_export.py failed: {stdout} {stderr}");
        using var report = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var layers = report.RootElement.GetProperty("quantized_layers");
        Assert.Equal(3, layers.GetArrayLength());
        Assert.All(layers.EnumerateArray(), l => Assert.True(l.GetProperty("dequantized_equal").GetBoolean()));
    }
}
