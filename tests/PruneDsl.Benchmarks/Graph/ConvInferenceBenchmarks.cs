using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using MnistConv;
using PruneDsl.Benchmarks.Inference;
using PruneDsl.Graph;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Benchmarks.Graph;

/// <summary>
/// Inference (forward only, no_grad, eval) of the two convolutional networks of examples/MnistConv (LeNet-5 and the small
/// residual CNN with BatchNorm), dense vs compacted, both as the generated <c>ToInference()</c> module runs them (plain
/// Conv2d/Linear copies, BatchNorms folded into the convolutions, no gates). The participations are set directly (a
/// seeded choice, no training): LeNet-5 keeps 8 of 20 conv1 channels, 16 of 50 conv2 channels and 100 of 500 fc1 neurons;
/// the residual CNN keeps half of every gated space (the trunk 8 of 16, each block's inner 8 of 16, block3's 16 of 32 inner
/// and output channels). The MACs per image of both forms are printed in the setup (MacCounter) so the Ratio column can be
/// set against the MAC ratio (issue 10's goal: latency ratio at batch 128 at least 0.8 of the MAC ratio).
/// <c>dotnet run -c Release --project tests/PruneDsl.Benchmarks -- --filter '*ConvInferenceBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser(false)]
public class ConvInferenceBenchmarks
{
    private Module<Tensor, Tensor> _dense = null!;
    private Module<Tensor, Tensor> _compacted = null!;
    private Tensor _x = null!;

    /// <summary>Which network.</summary>
    [Params("LeNet5", "ResNetSmall")]
    public string Net { get; set; } = "LeNet5";

    /// <summary>Images per forward.</summary>
    [Params(1, 128)]
    public int Batch { get; set; }

    /// <summary>libtorch intra-op threads.</summary>
    [Params(1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        LibTorchBackends.NnpackEnabled = false;
        manual_seed(1);
        var dense = Create();
        var pruned = Create();
        ((Module)pruned).load_state_dict(((Module)dense).state_dict());
        var keep = Net == "LeNet5"
            ? new Dictionary<string, int> { ["conv1"] = 8, ["conv2"] = 16, ["fc1"] = 100 }
            : null;
        var seed = 1;
        foreach (var layer in pruned.ParticipationLayers)
            InferenceBenchmarks.SetParticipations(layer, keep?[layer.Name] ?? layer.Count / 2, seed++);
        // BatchNorm statistics that are not the init's 0 and 1, so folding them is exercised.
        if (Net == "ResNetSmall")
        {
            using var _ = no_grad();
            foreach (var m in new[] { (Module)dense, (Module)pruned })
            foreach (var (name, buffer) in m.named_buffers().Where(b => b.name.EndsWith("running_var", StringComparison.Ordinal)))
                buffer.fill_(0.5);
        }

        _x = randn(Batch, 1, 28, 28);
        float difference;
        using (no_grad())
        {
            var module = (Module<Tensor, Tensor>)pruned;
            module.eval();
            using var gated = module.call(_x);
            _dense = dense.Inference();
            _compacted = pruned.Inference();
            using var compacted = _compacted.call(_x);
            using var d = (compacted - gated).abs().max();
            difference = d.item<float>();
        }
        // Exactness is the tests' (tests/PruneDsl.Tests/Graph, float64); here the float32 difference is only shown.
        long denseMacs = MacCounter.Count(_dense, 1, 28, 28), compactedMacs = MacCounter.Count(_compacted, 1, 28, 28);
        Console.WriteLine($"// {Net}: {denseMacs:N0} MACs dense, {compactedMacs:N0} compacted ({(double)denseMacs / compactedMacs:F2}x); " +
                          $"widths {string.Join("/", pruned.Widths())}; max |compacted - gated| = {difference:G3}");
    }

    private IConvNet Create() => Net == "LeNet5" ? new LeNet5() : new ResNetSmall();

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _dense.Dispose();
        _compacted.Dispose();
    }

    [Benchmark(Baseline = true, Description = "dense ToInference()")]
    public long Dense() => Run(_dense);

    [Benchmark(Description = "compacted ToInference()")]
    public long Compacted() => Run(_compacted);

    private long Run(Module<Tensor, Tensor> model)
    {
        using var _ = no_grad();
        using var y = model.call(_x);
        return y.shape[0];
    }
}
