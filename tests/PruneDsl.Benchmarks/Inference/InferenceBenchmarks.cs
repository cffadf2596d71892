using System.Linq;
using BenchmarkDotNet.Attributes;
using PruneDsl;
using PruneDsl.Compaction;
using PruneDsl.Game;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Benchmarks.Inference;

/// <summary>
/// Inference (forward only, no_grad, eval) of the paper's 784-512-256-10 MLP at a realistic game sparsity, with the
/// participations set directly (no training): fc1 keeps 40 of 512 neurons, fc2 keeps 30 of 256. Four forms of the same
/// network on the same random input:
/// dense (a plain TorchSharp MLP with the unpruned weights, the baseline), masked (the generated gated model after hard
/// pruning: same size, pruned rows zero, gates applied), compacted (the same generated model after <c>Compact()</c>,
/// gates still hooked but 1) and compacted plain (plain Linear copies of the compacted layers, which is what the
/// generated inference module runs), with 1 and 2 libtorch threads. Report: the Ratio column; target compacted &gt;= 20x faster than dense at batch 128.
/// </summary>
[MemoryDiagnoser(false)]
public class InferenceBenchmarks
{
    private const int Fc1Kept = 40;
    private const int Fc2Kept = 30;

    private InferenceMlp _dense = null!;
    private BenchInferenceMlp _masked = null!;
    private BenchInferenceMlp _compacted = null!;
    private InferenceMlp _compactedPlain = null!;
    private Tensor _x = null!;

    /// <summary>Rows of the input.</summary>
    [Params(1, 32, 128, 1024)]
    public int Batch { get; set; }

    /// <summary>libtorch intra-op threads (the development machines have 2 cores).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        manual_seed(1);
        _masked = new BenchInferenceMlp();
        SetParticipations(_masked.Fc1Participation, Fc1Kept, seed: 1);
        SetParticipations(_masked.Fc2Participation, Fc2Kept, seed: 2);

        _dense = InferenceMlp.CopyOf(_masked.Fc1, _masked.Fc2, _masked.Head);
        _masked.HardPrune();

        _compacted = new BenchInferenceMlp();
        _compacted.load_state_dict(_masked.state_dict());
        var report = _compacted.Compact();
        if (report.Widths["fc1"] != Fc1Kept || report.Widths["fc2"] != Fc2Kept)
            throw new System.InvalidOperationException($"Compaction kept {report.Widths["fc1"]} and {report.Widths["fc2"]} neurons, expected {Fc1Kept} and {Fc2Kept}.");
        _compactedPlain = InferenceMlp.CopyOf(_compacted.Fc1, _compacted.Fc2, _compacted.Head);

        foreach (var m in new Module[] { _dense, _masked, _compacted, _compactedPlain }) m.eval();
        _x = randn(Batch, 784);

        // The forms must compute the same function (compaction is exact): checked once per setup.
        using (no_grad())
        {
            using var masked = _masked.call(_x);
            using var compacted = _compacted.call(_x);
            using var plain = _compactedPlain.call(_x);
            using var d1 = (compacted - masked).abs().max();
            using var d2 = (plain - masked).abs().max();
            if (d1.item<float>() > 1e-5f || d2.item<float>() > 1e-5f)
                throw new System.InvalidOperationException($"Compacted outputs differ from the masked model's by {d1.item<float>()} / {d2.item<float>()}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _dense.Dispose();
        _masked.Dispose();
        _compacted.Dispose();
        _compactedPlain.Dispose();
    }

    [Benchmark(Baseline = true, Description = "dense 784-512-256-10")]
    public long Dense() => Run(_dense);

    [Benchmark(Description = "masked (gated, hard-pruned)")]
    public long Masked() => Run(_masked);

    [Benchmark(Description = "compacted model 784-40-30-10")]
    public long Compacted() => Run(_compacted);

    [Benchmark(Description = "compacted, plain Linear copies")]
    public long CompactedPlain() => Run(_compactedPlain);

    private long Run(Module<Tensor, Tensor> model)
    {
        using var _ = no_grad();
        using var y = model.call(_x);
        return y.shape[0];
    }

    /// <summary>The kept neurons (a seeded choice) get participations in [0.3, 1); the others 0.4 * epsilon (pruned).</summary>
    internal static void SetParticipations(ParticipationLayer layer, int keep, int seed)
    {
        var random = new System.Random(seed);
        var values = new float[layer.Count];
        var order = Enumerable.Range(0, layer.Count).OrderBy(_ => random.Next()).ToArray();
        for (var i = 0; i < values.Length; i++) values[i] = (float)(0.4 * layer.Cost.Epsilon);
        for (var i = 0; i < keep; i++) values[order[i]] = 0.3f + 0.7f * (float)random.NextDouble();
        using var _ = no_grad();
        using var s = tensor(values);
        layer.Participation.copy_(s);
    }
}

/// <summary>The paper's MLP declared with PruneDsl (game and compaction code generated).</summary>
public sealed partial class BenchInferenceMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public BenchInferenceMlp() : base(nameof(BenchInferenceMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
    public Linear Head => head;
}

/// <summary>A plain TorchSharp MLP (no gates) holding copies of given layers.</summary>
public sealed class InferenceMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear head;

    private InferenceMlp(Linear fc1, Linear fc2, Linear head) : base(nameof(InferenceMlp))
    {
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.head = head;
        RegisterComponents();
    }

    public static InferenceMlp CopyOf(Linear fc1, Linear fc2, Linear head) => new(Copy(fc1), Copy(fc2), Copy(head));

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    private static Linear Copy(Linear source)
    {
        var weight = source.weight!;
        var copy = Linear(weight.shape[1], weight.shape[0]);
        using var _ = no_grad();
        copy.weight!.copy_(weight);
        copy.bias!.copy_(source.bias!);
        return copy;
    }
}
