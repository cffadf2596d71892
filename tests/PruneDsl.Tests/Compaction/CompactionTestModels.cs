using System;
using System.Linq;
using PruneDsl.Game;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Compaction;

/// <summary>The paper's MLP, 784 -> 512 -> 256 -> 10, gated on both hidden layers (the generator writes the game and compaction code).</summary>
public sealed partial class PaperMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public PaperMlp() : base(nameof(PaperMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
    public Linear Head => head;
}

/// <summary>A second, smaller gated MLP: another class for the file-mismatch tests.</summary>
public sealed partial class NarrowMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 64);
    private readonly Linear head = Linear(64, 10);

    public NarrowMlp() : base(nameof(NarrowMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
}

/// <summary>Sets participations directly, as a finished game would leave them.</summary>
internal static class Participations
{
    /// <summary>
    /// <paramref name="keep"/> neurons picked by a seeded permutation get participations in [0.3, 1); every other neuron
    /// gets 0.4 * epsilon, below the pruning threshold but not zero (so hard pruning has something to do).
    /// Returns the kept indices, ascending.
    /// </summary>
    public static long[] Set(ParticipationLayer layer, int keep, int seed)
    {
        using var _ = no_grad();
        var generator = new Random(seed);
        var order = Enumerable.Range(0, layer.Count).OrderBy(_ => generator.Next()).ToArray();
        var kept = order.Take(keep).OrderBy(i => i).Select(i => (long)i).ToArray();
        var values = Enumerable.Repeat((float)(0.4 * layer.Cost.Epsilon), layer.Count).ToArray();
        foreach (var i in kept) values[i] = 0.3f + 0.7f * (float)generator.NextDouble();
        using var s = tensor(values, dtype: layer.Participation.dtype);
        layer.Participation.copy_(s);
        return kept;
    }
}
