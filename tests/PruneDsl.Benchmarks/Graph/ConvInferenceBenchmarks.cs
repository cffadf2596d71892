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
/// seeded choice, no training). <see cref="Widths"/> "fixed": LeNet-5 keeps 8 of 20 conv1 channels, 16 of 50 conv2 channels
/// and 100 of 500 fc1 neurons; the residual CNN keeps half of every gated space (the trunk 8 of 16, each block's inner 8 of
/// 16, block3's 16 of 32 inner and output channels). "budget": the widths the MAC budgets of README's examples/MnistConv runs
/// chose (LeNet-5 4/25/500 under 19% of the dense MACs; the residual CNN's trunk 5 of 16, nothing else, under 45%);
/// "defaults": the widths PruneDsl's default costs left in those runs (LeNet-5 18/22/17; the residual CNN 1/1/1/5/32). The MACs per image of both forms are printed in the setup (MacCounter) so the Ratio column can be
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

    /// <summary>The kept widths: "fixed" (the seeded choice above), "budget" or "defaults" (the widths of README's runs).</summary>
    [Params("fixed", "budget", "defaults")]
    public string Widths { get; set; } = "fixed";

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
        var keep = (Net, Widths) switch
        {
            ("LeNet5", "budget") => new Dictionary<string, int> { ["conv1"] = 4, ["conv2"] = 25, ["fc1"] = 500 },
            ("LeNet5", "defaults") => new Dictionary<string, int> { ["conv1"] = 18, ["conv2"] = 22, ["fc1"] = 17 },
            ("LeNet5", _) => new Dictionary<string, int> { ["conv1"] = 8, ["conv2"] = 16, ["fc1"] = 100 },
            (_, "budget") => pruned.ParticipationLayers.ToDictionary(l => l.Name, l => l.Name == "stem" ? 5 : l.Count),
            (_, "defaults") => pruned.ParticipationLayers.ToDictionary(l => l.Name, l => l.Name switch
            {
                "block3.conv1" => 5,
                "block3.conv2" => 32,
                _ => 1,
            }),
            _ => null,
        };
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
