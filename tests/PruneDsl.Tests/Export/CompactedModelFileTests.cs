using System;
using System.IO;
using System.Linq;
using PruneDsl.Compaction;
using PruneDsl.Datasets;
using PruneDsl.Export;
using PruneDsl.Tests.Compaction;
using PruneDsl.Tests.Data;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Export;

[Collection(MnistCollection.Name)]
public sealed class CompactedModelFileTests
{
    private readonly MnistFixture _mnist;

    public CompactedModelFileTests(MnistFixture mnist) => _mnist = mnist;

    private static (PaperMlp Model, CompactionReport Report) Compacted(int keep1, int keep2, int seed)
    {
        manual_seed(seed);
        var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, keep1, seed);
        Participations.Set(model.Fc2Participation, keep2, seed + 1);
        return (model, model.Compact());
    }

    [Fact]
    public void Loaded_model_has_the_saved_widths_and_gives_identical_outputs()
    {
        using var folder = new TempFolder("roundtrip");
        var path = folder.File("mlp.safetensors");
        var (model, report) = Compacted(40, 30, seed: 21);
        using var _ = model;
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(256));
        using var before = model.call(data.Images);

        CompactedModelFile.Save(model, model, report, path);
        using var loaded = CompactedModelFile.Load<PaperMlp>(path);
        using var after = loaded.call(data.Images);

        Assert.True(File.Exists(CompactedModelFile.ManifestPath(path)));
        Assert.True(after.eq(before).all().item<bool>(), "outputs differ after Load");
        Assert.Equal(new long[] { 40, 784 }, loaded.Fc1.weight!.shape);
        Assert.Equal(new long[] { 30, 40 }, loaded.Fc2.weight!.shape);
        Assert.Equal(new long[] { 10, 30 }, loaded.Head.weight!.shape);
        Assert.Equal(report.ParametersAfter, Compactor.ParameterCount(loaded));
        var manifest = CompactedModelFile.ReadManifest(path);
        Assert.Equal(typeof(PaperMlp).FullName, manifest.ModelType);
        Assert.Equal(40, manifest.Widths["fc1"]);
        Assert.Equal(30, manifest.Widths["fc2"]);
        Assert.Equal(report.ParametersBefore, manifest.ParametersBefore);
        Assert.Equal(new long[] { 30, 40 }, manifest.Tensors["fc2.weight"]);
        // The loaded gates are 1 and still run: the model can be compacted again (nothing more to prune).
        var again = loaded.Compact();
        Assert.Equal(report.Widths, again.Widths);
    }

    [Fact]
    public void Missing_manifest_says_which_file_and_what_to_do()
    {
        using var folder = new TempFolder("nomanifest");
        var path = folder.File("mlp.safetensors");
        var (model, report) = Compacted(10, 8, seed: 22);
        using var _ = model;
        CompactedModelFile.Save(model, model, report, path);
        File.Delete(CompactedModelFile.ManifestPath(path));

        var e = Assert.Throws<FileNotFoundException>(() => CompactedModelFile.Load<PaperMlp>(path));

        Assert.Contains(CompactedModelFile.ManifestPath(path), e.Message);
        Assert.Contains("copy both files together", e.Message);
    }

    [Fact]
    public void Another_model_class_is_refused_with_the_class_to_use()
    {
        using var folder = new TempFolder("wrongtype");
        var path = folder.File("mlp.safetensors");
        var (model, report) = Compacted(10, 8, seed: 23);
        using var _ = model;
        CompactedModelFile.Save(model, model, report, path);

        var e = Assert.Throws<InvalidDataException>(() => CompactedModelFile.Load<NarrowMlp>(path));

        Assert.Contains(typeof(PaperMlp).FullName!, e.Message);
        Assert.Contains(typeof(NarrowMlp).FullName!, e.Message);
        Assert.Contains($"Load<{typeof(PaperMlp).FullName}>", e.Message);
    }

    [Fact]
    public void A_truncated_weights_file_is_reported_as_unreadable()
    {
        using var folder = new TempFolder("truncated");
        var path = folder.File("mlp.safetensors");
        var (model, report) = Compacted(10, 8, seed: 24);
        using var _ = model;
        CompactedModelFile.Save(model, model, report, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.Take(bytes.Length / 3).ToArray());

        var e = Assert.Throws<InvalidDataException>(() => CompactedModelFile.Load<PaperMlp>(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("safetensors", e.Message);
    }

    [Fact]
    public void Weights_and_manifest_from_different_saves_are_refused()
    {
        using var folder = new TempFolder("mismatch");
        var a = folder.File("a.safetensors");
        var b = folder.File("b.safetensors");
        var (small, smallReport) = Compacted(10, 8, seed: 25);
        var (large, largeReport) = Compacted(20, 12, seed: 26);
        using var _ = small;
        using var __ = large;
        CompactedModelFile.Save(small, small, smallReport, a);
        CompactedModelFile.Save(large, large, largeReport, b);
        File.Copy(CompactedModelFile.ManifestPath(b), CompactedModelFile.ManifestPath(a), overwrite: true);

        var e = Assert.Throws<InvalidDataException>(() => CompactedModelFile.Load<PaperMlp>(a));

        Assert.Contains("do not belong together", e.Message);
        Assert.Contains("fc1.weight", e.Message);
    }

    [Fact]
    public void Widths_that_do_not_fit_the_class_are_refused()
    {
        using var folder = new TempFolder("badwidth");
        var path = folder.File("mlp.safetensors");
        var (model, report) = Compacted(10, 8, seed: 27);
        using var _ = model;
        CompactedModelFile.Save(model, model, report, path);
        var manifestPath = CompactedModelFile.ManifestPath(path);
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"fc2\": 8", "\"fc2\": 9999"));

        var e = Assert.Throws<InvalidDataException>(() => CompactedModelFile.Load<PaperMlp>(path));

        Assert.Contains(manifestPath, e.Message);
        Assert.Contains("9999", e.Message);
    }

    [Fact]
    public void Saving_with_a_report_that_does_not_describe_the_model_is_refused()
    {
        using var folder = new TempFolder("badreport");
        var (model, _) = Compacted(10, 8, seed: 28);
        var (other, otherReport) = Compacted(20, 12, seed: 29);
        using var _1 = model;
        using var _2 = other;

        var e = Assert.Throws<ArgumentException>(() => CompactedModelFile.Save(model, model, otherReport, folder.File("x.safetensors")));

        Assert.Contains("'fc1'", e.Message);
        Assert.Contains("Compact()", e.Message);
        Assert.False(File.Exists(folder.File("x.safetensors")));
    }
}
