using BenchmarkDotNet.Attributes;
using PruneDsl;
using System;
using PruneDsl.Game;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Benchmarks.Game;

/// <summary>
/// One training step (forward, backward, Adam step) of the paper's 784-512-256-10 MLP at batch 128: the generated
/// gated model with its participation step (Eq. 17) against a hand-written plain TorchSharp model of the same shape, and
/// the same gated step with the numerical checks the trainers run on every step (finite loss, one fused reduction over all
/// gradients, one over the participations; <see cref="FaultChecks"/>). Report: the Ratio column (target &lt;= 1.10).
/// </summary>
[MemoryDiagnoser(false)]
public class TrainingStepBenchmarks
{
    private PlainMlp _plain = null!;
    private BenchGatedMlp _gated = null!;
    private BenchGatedMlp _checked = null!;
    private optim.Optimizer _checkedOptimizer = null!;
    private FaultChecks _checks = null!;
    private optim.Optimizer _plainOptimizer = null!;
    private optim.Optimizer _gatedOptimizer = null!;
    private Tensor _x = null!;
    private Tensor _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        // One libtorch thread: on a shared 2-core machine, two OpenMP threads wait on busy cores and swing 10x.
        set_num_threads(1);
        manual_seed(1);
        _plain = new PlainMlp();
        _gated = new BenchGatedMlp();
        _plainOptimizer = optim.Adam(_plain.parameters(), 1e-3);
        _gatedOptimizer = optim.Adam(_gated.parameters(), 1e-3);
        _checked = new BenchGatedMlp();
        _checkedOptimizer = optim.Adam(_checked.parameters(), 1e-3);
        _checks = new FaultChecks(_checked, _checked.ParticipationLayers, "participation");
        _x = randn(128, 784);
        _y = randint(0, 10, 128);
        // Gradients for the checks-alone benchmark (a backward pass leaves them on every parameter).
        using (var loss = functional.cross_entropy(_checked.call(_x), _y)) loss.backward();
    }

    [Benchmark(Baseline = true, Description = "plain TorchSharp MLP")]
    public float PlainStep()
    {
        using var scope = NewDisposeScope();
        _plainOptimizer.zero_grad();
        var loss = functional.cross_entropy(_plain.call(_x), _y);
        loss.backward();
        _plainOptimizer.step();
        return loss.item<float>();
    }

    [Benchmark(Description = "generated gated MLP + participation step")]
    public float GatedStep()
    {
        using var scope = NewDisposeScope();
        _gatedOptimizer.zero_grad();
        var loss = functional.cross_entropy(_gated.call(_x), _y);
        loss.backward();
        _gated.StepParticipations();
        _gatedOptimizer.step();
        return loss.item<float>();
    }

    [Benchmark(Description = "generated gated MLP + participation step + fault checks")]
    public float CheckedGatedStep()
    {
        using var scope = NewDisposeScope();
        _checkedOptimizer.zero_grad();
        var loss = functional.cross_entropy(_checked.call(_x), _y);
        var value = loss.item<float>();
        if (!float.IsFinite(value)) throw new InvalidOperationException("loss");
        loss.backward();
        if (_checks.NonFiniteGradient() is string gradient) throw new InvalidOperationException(gradient);
        _checked.StepParticipations();
        if (_checks.NonFiniteGate() is string gate) throw new InvalidOperationException(gate);
        _checkedOptimizer.step();
        return value;
    }

    /// <summary>The checks alone, on the gradients and participations a step leaves: their share of a step.</summary>
    [Benchmark(Description = "fault checks alone (gradients, participations)")]
    public bool ChecksAlone() => _checks.NonFiniteGradient() is null && _checks.NonFiniteGate() is null;
}

/// <summary>The hand-written baseline.</summary>
public sealed class PlainMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1 = Linear(784, 512);
    private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public PlainMlp() : base(nameof(PlainMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The same network declared with PruneDsl (its game code is generated).</summary>
[Cost(Beta = 0.0, Gamma = 1e-4, LearningRate = 1.0)]
public sealed partial class BenchGatedMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public BenchGatedMlp() : base(nameof(BenchGatedMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}
