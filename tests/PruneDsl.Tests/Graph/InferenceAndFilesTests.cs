using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Export;
using PruneDsl.Tests.Data;
using PruneDsl.Tests.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Graph;

/// <summary>The inference module of a plan model (BatchNorm folded, no gates) and compacted files of plan models.</summary>
[Collection(MnistCollection.Name)]
public sealed class InferenceAndFilesTests
{
    private readonly MnistFixture _mnist;

    public InferenceAndFilesTests(MnistFixture mnist) => _mnist = mnist;

    private Tensor Images()
    {
        using var data = MnistDataset.Load(_mnist.Directory, MnistSplit.Test, DataSubset.First(256));
        return data.Images.view(-1, 1, 28, 28).clone();
    }

    /// <summary>Non-trivial BatchNorm statistics and affine parameters, as a trained model has.</summary>
    private static void Randomize(SmallResNet model)
    {
        using var _ = no_grad();
        foreach (var bn in model.modules().OfType<BatchNorm2d>())
        {
            bn.weight!.uniform_(0.5, 1.5);
            bn.bias!.uniform_(-0.2, 0.2);
            bn.running_mean!.uniform_(-0.3, 0.3);
            bn.running_var!.uniform_(0.5, 2);
        }
    }

    [Fact]
    public void Inference_module_folds_batchnorm_into_the_convolutions_and_computes_what_the_pruned_model_computes()
    {
        using var x = Images();
        manual_seed(71);
        using var model = new SmallResNet();
        Randomize(model);
        GraphCompactionTests.SetGates(model.Plan, 9);
        model.eval();
        model.HardPrune();
        using var pruned = model.call(x);

        using var inference = model.ToInference();
        using var y = inference.call(x);

        using var diff = (y - pruned).abs().max();
        Assert.True(diff.item<float>() <= 1e-5f, $"max |inference - pruned| = {diff.item<float>()}");
        Assert.IsType<Identity>(inference.StemBn);
        Assert.IsType<Identity>(inference.Block1.Bn1);
        Assert.Empty(inference.modules().OfType<BatchNorm2d>());
        Assert.False(inference.training);
        // The copies are detached: changing the model changes nothing in the inference module.
        using (no_grad()) foreach (var p in model.parameters()) p.zero_();
        using var again = inference.call(x);
        Assert.True(again.allclose(y, rtol: 0, atol: 0));
    }

    [Fact]
    public void A_compacted_plan_model_saves_and_loads_at_its_widths()
    {
        using var x = Images();
        using var folder = new TempFolder("graph");
        var path = folder.File("resnet.safetensors");
        manual_seed(72);
        using (var model = new SmallResNet())
        {
            Randomize(model);
            GraphCompactionTests.SetGates(model.Plan, 10);
            var report = model.Compact();
            CompactedModelFile.Save(model, model, report, path);
        }

        using var loaded = CompactedModelFile.Load<SmallResNet>(path);
        manual_seed(72);
        using var original = new SmallResNet();
        Randomize(original);
        GraphCompactionTests.SetGates(original.Plan, 10);
        original.Compact();
        original.eval();
        loaded.eval();
        using var expected = original.call(x);
        using var y = loaded.call(x);
        Assert.True(y.allclose(expected, rtol: 0, atol: 1e-6));
        Assert.Equal(original.Plan.Space("block3.out").Width, loaded.Plan.Space("block3.out").Width);
    }
}
