using System.Collections.Generic;
using PruneDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistCompare;

/// <summary>
/// A plain 784-h1-h2-10 ReLU MLP with no PruneDsl attributes: the dense model the criteria prune (h1 = 512, h2 = 256) and
/// the small network trained from scratch (h1 = K1, h2 = K2).
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    public const int Inputs = 784;
    public const int Classes = 10;

    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear head;

    public Mlp(int hidden1 = 512, int hidden2 = 256) : base(nameof(Mlp))
    {
        fc1 = Linear(Inputs, hidden1);
        fc2 = Linear(hidden1, hidden2);
        head = Linear(hidden2, Classes);
        RegisterComponents();
    }

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
    public Linear Head => head;

    /// <summary>
    /// The same function at the kept widths: a new 784-K1-K2-10 MLP holding the rows of the neurons whose fan-in row and
    /// bias are not all zero (what structured pruning keeps) and the matching input columns of the next layer.
    /// </summary>
    public Mlp Compacted()
    {
        using var _ = no_grad();
        var keep1 = Kept(fc1);
        var keep2 = Kept(fc2);
        var small = new Mlp((int)keep1.shape[0], (int)keep2.shape[0]);
        small.fc1.weight!.copy_(fc1.weight!.index_select(0, keep1));
        small.fc1.bias!.copy_(fc1.bias!.index_select(0, keep1));
        small.fc2.weight!.copy_(fc2.weight!.index_select(0, keep2).index_select(1, keep1));
        small.fc2.bias!.copy_(fc2.bias!.index_select(0, keep2));
        small.head.weight!.copy_(head.weight!.index_select(1, keep2));
        small.head.bias!.copy_(head.bias!);
        return small;
    }

    private static Tensor Kept(Linear layer)
    {
        using var norms = layer.weight!.abs().sum(1).add(layer.bias!.abs());
        return norms.gt(0).nonzero().squeeze(1);
    }

    /// <summary>The two hidden layers whose output neurons are pruned, under their field names.</summary>
    public IReadOnlyList<(string Name, Linear Layer)> HiddenLayers => new[] { ("fc1", fc1), ("fc2", fc2) };

    // call(), not forward(): Wanda's input hooks run only through call().
    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    /// <summary>Parameters of a dense 784-h1-h2-10 MLP: what a network with these kept widths holds once compacted.</summary>
    public static long ParameterCount(int hidden1, int hidden2) =>
        (long)Inputs * hidden1 + hidden1 + (long)hidden1 * hidden2 + hidden2 + (long)hidden2 * Classes + Classes;
}

/// <summary>The game with PruneDsl's documented defaults: [ParticipationGroup] on fc1 and fc2, no [Cost].</summary>
public sealed partial class GameMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public GameMlp() : base(nameof(GameMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>
/// "Pruning as Evolution" with the replicator dynamic, with the mass step size and smoothing examples/MnistEvolution uses;
/// the per-layer target sparsity is set at run time so that exactly K1 / K2 neurons survive.
/// </summary>
[SelectionDynamics(Dynamics.Replicator, LearningRate = 10.0, Smoothing = 0.9)]
public sealed partial class EvolutionMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public EvolutionMlp() : base(nameof(EvolutionMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}
