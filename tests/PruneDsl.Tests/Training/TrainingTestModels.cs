using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// These models carry every cost term so that checkpoints and fault checks see every tensor; they train for a handful
// of steps, where PD0024's collapse (a whole-run forecast) does not matter.
#pragma warning disable PD0024

namespace PruneDsl.Tests.Training;

/// <summary>
/// A small gated MLP with every cost term on (the competition's Gram product too) and a 2:4 sparse head: everything a
/// checkpoint has to carry (weights, participations, N:M masks and counters).
/// </summary>
[Cost(Beta = 0.01, Gamma = 0.01, Eta = 0.005, LearningRate = 0.5)]
public sealed partial class ResumeMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 16);
    [ParticipationGroup] private readonly Linear fc2 = Linear(16, 12);
    [Sparsity("2:4")] private readonly Linear head = Linear(12, 4);

    public ResumeMlp() : base(nameof(ResumeMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
}

/// <summary>The same layers under another class name: a checkpoint of <see cref="ResumeMlp"/> must not load into it.</summary>
[Cost(Beta = 0.01, Gamma = 0.01, Eta = 0.005, LearningRate = 0.5)]
public sealed partial class LookalikeMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 16);
    [ParticipationGroup] private readonly Linear fc2 = Linear(16, 12);
    [Sparsity("2:4")] private readonly Linear head = Linear(12, 4);

    public LookalikeMlp() : base(nameof(LookalikeMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>One class, several widths: a checkpoint of one width must not load into another.</summary>
public sealed partial class WidthMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1;
    private readonly Linear head;

    public WidthMlp(int hidden) : base(nameof(WidthMlp))
    {
        fc1 = Linear(20, hidden);
        head = Linear(hidden, 4);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
}

/// <summary>
/// A gated layer followed by <c>sqrt(h^2) = |h|</c>, with its first neuron's row and bias zeroed by the constructor: the
/// loss stays finite, but that neuron's output is exactly 0, where the backward pass multiplies sqrt's infinite slope by
/// the square's zero slope, so fc1's gradients (and only fc1's) hold NaN.
/// </summary>
[Cost(Gamma = 0.001, LearningRate = 0.1)]
public sealed partial class NaNGradientMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 8);
    private readonly Linear head = Linear(8, 4);

    public NaNGradientMlp() : base(nameof(NaNGradientMlp))
    {
        RegisterComponents();
        TrainingData.ZeroFirstNeuron(fc1);
    }

    // square().sqrt() is there to make the gradient NaN at the zeroed neuron; the channel plan does not follow it (PD0008),
    // which these fault tests do not need: they never compact.
#pragma warning disable PD0008
    public override Tensor forward(Tensor x) => head.call(fc1.call(x).square().sqrt());
#pragma warning restore PD0008
}

/// <summary>The evolving version of <see cref="NaNGradientMlp"/>: its fitness becomes NaN.</summary>
[SelectionDynamics(Dynamics.Replicator, LearningRate = 0.5, Smoothing = 0.0)]
public sealed partial class NaNFitnessMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 8);
    private readonly Linear head = Linear(8, 4);

    public NaNFitnessMlp() : base(nameof(NaNFitnessMlp))
    {
        RegisterComponents();
        TrainingData.ZeroFirstNeuron(fc1);
    }

    // square().sqrt() is there to make the gradient NaN at the zeroed neuron; the channel plan does not follow it (PD0008),
    // which these fault tests do not need: they never compact.
#pragma warning disable PD0008
    public override Tensor forward(Tensor x) => head.call(fc1.call(x).square().sqrt());
#pragma warning restore PD0008
}

/// <summary>An L1 price so high that one step takes every participation to 0: each layer is about to be emptied.</summary>
[Cost(Gamma = 5.0, LearningRate = 1.0)]
public sealed partial class CollapsingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 8);
    private readonly Linear head = Linear(8, 4);

    public CollapsingMlp() : base(nameof(CollapsingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
}

/// <summary>An evolving MLP with a fitness smoothing (state outside the buffers) for the evolution resume test.</summary>
[SelectionDynamics(Dynamics.ExponentialWeights, LearningRate = 1.0, Smoothing = 0.5, TargetSparsity = 0.5)]
public sealed partial class ResumeEvolvingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(20, 16);
    [ParticipationGroup] private readonly Linear fc2 = Linear(16, 12);
    private readonly Linear head = Linear(12, 4);

    public ResumeEvolvingMlp() : base(nameof(ResumeEvolvingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>Data for the training tests: 20 features, 4 classes from a fixed linear rule.</summary>
internal static class TrainingData
{
    public static LabeledData Make(int count, int seed, int features = 20)
    {
        var generator = new Generator((ulong)seed);
        var x = randn(count, features, generator: generator);
        var w = randn(features, 4, generator: new Generator(99));
        return new LabeledData(x, x.mm(w).argmax(1));
    }

    /// <summary>Zeroes the first output neuron's row and bias: its output is exactly 0 for every input.</summary>
    public static void ZeroFirstNeuron(Linear layer)
    {
        using var _ = no_grad();
        layer.weight![0].zero_();
        layer.bias![0].zero_();
    }

    /// <summary>A copy of every tensor of the model's state dict.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    /// <summary>Whether two tensors have the same type, shape and bytes (NaN equal to the same NaN).</summary>
    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var x = a.detach().cpu().contiguous();
        using var y = b.detach().cpu().contiguous();
        return x.numel() == 0 || x.bytes.SequenceEqual(y.bytes);
    }

    /// <summary>Asserts that the model's state equals the snapshot bit for bit.</summary>
    public static void AssertUnchanged(Dictionary<string, Tensor> snapshot, nn.Module model)
    {
        var live = model.state_dict();
        Assert.Equal(snapshot.Keys.OrderBy(k => k), live.Keys.OrderBy(k => k));
        foreach (var (name, tensor) in live)
            Assert.True(BitEqual(tensor, snapshot[name]), $"tensor '{name}' changed");
    }
}

/// <summary>An IProgress that reports on the caller's thread.</summary>
internal sealed class Sync<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>Stops a run from its step listener, as a crash would.</summary>
internal sealed class Interrupt : Exception
{
}

/// <summary>Runs with one libtorch thread (bit-exact kernels) and restores the count afterwards.</summary>
internal sealed class OneThread : IDisposable
{
    private readonly int _before = get_num_threads();

    public OneThread() => set_num_threads(1);

    public void Dispose() => set_num_threads(_before);
}
