using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PruneDsl.Compaction;
using PruneDsl.Datasets;
using PruneDsl.Export;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using PruneDsl.Tests.Compaction;
using PruneDsl.Tests.Data;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Export;

/// <summary>
/// What the generated inference module of <see cref="PaperMlp"/> looks like with fc2 declared 2:4 and head 3:8: the same
/// forward over copies of the compacted layers, N:M layers in place of the sparse ones.
/// </summary>
public sealed class PaperMlpNmInference : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly NmLinear fc2;
    private readonly NmLinear head;

    public PaperMlpNmInference(PaperMlp compacted) : base(nameof(PaperMlpNmInference))
    {
        fc1 = Copy(compacted.Fc1);
        fc2 = new NmLinear("fc2", compacted.Fc2, SparsityPattern.Parse("2:4"));
        head = new NmLinear("head", compacted.Head, SparsityPattern.Parse("3:8"));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    private static Linear Copy(Linear source)
    {
        var copy = Linear(source.in_features, source.out_features);
        using var _ = no_grad();
        copy.weight!.copy_(source.weight!);
        copy.bias!.copy_(source.bias!);
        return copy;
    }
}

[Collection(MnistCollection.Name)]
public sealed class SafetensorsExportTests
{
    private readonly MnistFixture _mnist;
    private readonly ITestOutputHelper _output;

    public SafetensorsExportTests(MnistFixture mnist, ITestOutputHelper output)
    {
        _mnist = mnist;
        _output = output;
    }

    private static (PaperMlp Model, CompactionReport Report) Compacted(int seed)
    {
        manual_seed(seed);
        var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed);
        Participations.Set(model.Fc2Participation, 32, seed + 1);
        return (model, model.Compact());
    }

    [Fact]
    public void Manifest_lists_files_layers_shapes_kept_widths_and_nm_storage()
    {
        using var folder = new TempFolder("manifest");
        var (model, report) = Compacted(31);
        using var _ = model;
        using var inference = new PaperMlpNmInference(model);

        var written = SafetensorsExport.Export(inference, folder.Path, new SafetensorsExportOptions { Compaction = report });
        var manifest = SafetensorsExport.ReadManifest(folder.Path);

        foreach (var file in new[] { "model.safetensors", "nm_compressed.safetensors", "masks.safetensors", "manifest.json" })
            Assert.True(File.Exists(folder.File(file)), file);
        Assert.Equal(JsonSerializer.Serialize(written), JsonSerializer.Serialize(manifest));
        Assert.Equal(("model.safetensors", "nm_compressed.safetensors", "masks.safetensors"), (manifest.Files.Weights, manifest.Files.Nm, manifest.Files.Masks));
        Assert.Equal(new[] { ("fc1", "linear", 784L, 40L), ("fc2", "nm_linear", 40L, 32L), ("head", "nm_linear", 32L, 10L) },
            manifest.Layers.Select(l => (l.Name, l.Kind, l.InFeatures, l.OutFeatures)).ToArray());
        Assert.Equal((512, 40, "fc2"), (manifest.Layers[0].Kept!.Before, manifest.Layers[0].Kept!.After, manifest.Layers[0].Kept!.Next));
        Assert.Equal((256, 32), (manifest.Layers[1].Kept!.Before, manifest.Layers[1].Kept!.After));
        Assert.Null(manifest.Layers[2].Kept);
        Assert.Equal(report.ParametersAfter, manifest.Compaction!.ParametersAfter);
        Assert.Equal(new Dictionary<string, int> { ["fc1"] = 40, ["fc2"] = 32 }, manifest.Compaction.Widths);

        var fc2 = manifest.Layers[1].Nm!;
        Assert.Equal(("2:4", 2, 4, 10, 20, 3), (fc2.Pattern, fc2.N, fc2.M, fc2.GroupsPerRow, fc2.ValuesPerRow, fc2.MetadataWordsPerRow));
        Assert.Equal(("fc2.nm_values", "fc2.nm_metadata", null, "fc2.mask"), (fc2.Values, fc2.Metadata, fc2.Indices, fc2.Mask));
        var head = manifest.Layers[2].Nm!;
        Assert.Equal(("3:8", 4, 12, "head.nm_indices", null), (head.Pattern, head.GroupsPerRow, head.ValuesPerRow, head.Indices, head.Metadata));

        AssertTensor(manifest, "fc2.nm_values", "nm_compressed.safetensors", "F32", 32, 20);
        AssertTensor(manifest, "fc2.nm_metadata", "nm_compressed.safetensors", "I16", 32, 3);
        AssertTensor(manifest, "head.nm_indices", "nm_compressed.safetensors", "U8", 10, 12);
        AssertTensor(manifest, "head.mask", "masks.safetensors", "BOOL", 10, 32);
        AssertTensor(manifest, "fc1.weight", "model.safetensors", "F32", 40, 784);
        Assert.Empty(manifest.OtherTensors);
        Assert.Equal(new[] { "fc1", "fc2", "head" }, manifest.PyTorch!.Layers);
        Assert.Equal(("relu", 784L, 10L), (manifest.PyTorch.Activation, manifest.PyTorch.InputFeatures, manifest.PyTorch.OutputFeatures));
        Assert.Contains("torch.nn.ReLU()", string.Join("\n", manifest.PyTorch.Recipe));
        Assert.NotNull(manifest.NmLayout!["metadata"]);

        // The compressed file holds exactly what the layer multiplies with.
        var nm = StateDictFile.Read(folder.File("nm_compressed.safetensors"), "the test");
        try
        {
            var layer = inference.named_modules().Single(m => m.name == "fc2").module as NmLinear;
            Assert.Equal(layer!.Compressed.Values.ToArray(), nm["fc2.nm_values"].data<float>().ToArray());
            Assert.Equal(layer.Compressed.Metadata.ToArray().Select(w => (short)w).ToArray(), nm["fc2.nm_metadata"].data<short>().ToArray());
        }
        finally
        {
            foreach (var t in nm.Values) t.Dispose();
        }
    }

    [PythonTorchFact]
    public void PyTorch_rebuilds_the_nm_inference_module_and_matches_the_CSharp_outputs()
    {
        using var folder = new TempFolder("py-nm");
        var (model, report) = Compacted(32);
        using var _ = model;
        using var inference = new PaperMlpNmInference(model);
        inference.eval();
        SafetensorsExport.Export(inference, folder.Path, new SafetensorsExportOptions { Compaction = report });

        var result = CheckInPython(inference, folder);

        Assert.Equal(2, result.GetProperty("nm_layers").GetArrayLength());
        var layers = result.GetProperty("nm_layers").EnumerateArray().ToList();
        Assert.Equal(("fc2", "2:4", "metadata"), (layers[0].GetProperty("name").GetString(), layers[0].GetProperty("pattern").GetString(), layers[0].GetProperty("storage").GetString()));
        Assert.Equal(("head", "3:8", "indices"), (layers[1].GetProperty("name").GetString(), layers[1].GetProperty("pattern").GetString(), layers[1].GetProperty("storage").GetString()));
        Assert.All(layers, l => Assert.True(l.GetProperty("decompressed_equal").GetBoolean() && l.GetProperty("mask_ok").GetBoolean()));
        Assert.InRange(result.GetProperty("max_abs_diff_nm").GetDouble(), 0, 1e-5);
    }

    [PythonTorchFact]
    public void PyTorch_rebuilds_the_compacted_model_from_its_recipe()
    {
        using var folder = new TempFolder("py-dense");
        var (model, report) = Compacted(33);
        using var _ = model;
        model.eval();
        var manifest = SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { Compaction = report });

        CheckInPython(model, folder);

        Assert.Null(manifest.Files.Nm);
        Assert.Equal(new[] { "fc1_participation", "fc2_participation" }, manifest.OtherTensors.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Masked_layers_of_a_training_model_export_their_masks_and_must_satisfy_them()
    {
        using var folder = new TempFolder("masked");
        var (model, report) = Compacted(34);
        using var _ = model;
        using var sparse = new NmMaskedLinear(model.Head, SparsityPattern.Parse("2:4"), "head");

        var manifest = SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { Compaction = report, MaskedLayers = new[] { sparse } });

        var head = manifest.Layers.Single(l => l.Name == "head");
        Assert.Equal(("nm_linear", "2:4", "head.mask", "head.nm_metadata"), (head.Kind, head.Nm!.Pattern, head.Nm.Mask, head.Nm.Metadata));
        var masks = StateDictFile.Read(folder.File("masks.safetensors"), "the test");
        try
        {
            Assert.True(masks["head.mask"].eq(sparse.Mask).all().item<bool>());
        }
        finally
        {
            foreach (var t in masks.Values) t.Dispose();
        }

        // A weight outside the mask that became nonzero (e.g. after an optimizer step without the mask) is refused.
        using (no_grad())
        {
            using var outside = sparse.Mask.logical_not().nonzero()[0];
            model.Head.weight![outside[0].item<long>(), outside[1].item<long>()] = tensor(0.5f);
        }
        var e = Assert.Throws<ArgumentException>(() => SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { MaskedLayers = new[] { sparse } }));
        Assert.Contains("'head'", e.Message);
        Assert.Contains("Refresh()", e.Message);
    }

    [Fact]
    public void Bad_options_are_refused_with_what_to_pass()
    {
        using var folder = new TempFolder("badoptions");
        var (model, _) = Compacted(35);
        using var _1 = model;
        using var stranger = Linear(8, 4);
        using var sparse = new NmMaskedLinear(stranger, SparsityPattern.Parse("2:4"), "stranger");

        var activation = Assert.Throws<ArgumentException>(() => SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { Activation = "swish" }));
        var foreign = Assert.Throws<ArgumentException>(() => SafetensorsExport.Export(model, folder.Path, new SafetensorsExportOptions { MaskedLayers = new[] { sparse } }));

        Assert.Contains("'swish'", activation.Message);
        Assert.Contains("relu", activation.Message);
        Assert.Contains("stranger", foreign.Message);
    }

    [Fact]
    public void Layers_that_do_not_chain_get_no_PyTorch_recipe()
    {
        using var folder = new TempFolder("nochain");
        using var model = new TwoHeads();

        var manifest = SafetensorsExport.Export(model, folder.Path);

        Assert.Null(manifest.PyTorch);
        Assert.Equal(2, manifest.Layers.Count);
        Assert.True(File.Exists(folder.File("model.safetensors")));
        Assert.False(File.Exists(folder.File("nm_compressed.safetensors")));
    }

    private static void AssertTensor(ExportManifest manifest, string name, string file, string dtype, params long[] shape)
    {
        var t = manifest.Tensors[name];
        Assert.Equal((file, dtype), (t.File, t.DType));
        Assert.Equal(shape, t.Shape);
    }

    private sealed class TwoHeads : Module<Tensor, Tensor>
    {
        private readonly Linear left = Linear(6, 3);
        private readonly Linear right = Linear(6, 2);

        public TwoHeads() : base(nameof(TwoHeads)) => RegisterComponents();

        public override Tensor forward(Tensor x) => cat(new[] { left.call(x), right.call(x) }, 1);
    }

    /// <summary>Writes MNIST inputs and the module's C# outputs beside the export, runs check_export.py, returns its JSON.</summary>
    private JsonElement CheckInPython(Module<Tensor, Tensor> module, TempFolder folder)
    {
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(256));
        using var y = module.call(data.Images);
        var inputs = folder.File("inputs.safetensors");
        StateDictFile.Write(inputs, new Dictionary<string, Tensor> { ["x"] = data.Images, ["y"] = y });
        var script = Path.Combine(AppContext.BaseDirectory, "Export", "check_export.py");
        Assert.True(File.Exists(script), $"{script} is not in the test output; the test project copies it there.");

        var (code, stdout, stderr) = PythonTorch.Run(script, folder.Path, inputs);

        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        _output.WriteLine(line);
        Assert.True(code == 0, $"check_export.py failed with exit code {code}:\n{stdout}\n{stderr}");
        var result = JsonDocument.Parse(line).RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean(), line);
        Assert.Equal(256, result.GetProperty("batch").GetInt32());
        Assert.InRange(result.GetProperty("max_abs_diff_dense").GetDouble(), 0, 1e-5);
        Assert.InRange(result.GetProperty("max_abs_diff_recipe").GetDouble(), 0, 1e-5);
        return result.Clone();
    }
}
