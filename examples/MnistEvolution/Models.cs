using PruneDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistEvolution;

// The paper's population-scaled MLP, 784 -> 512 -> 256 -> 10 with 768 prunable neuron populations, once per selection
// dynamic. Each class is the whole user-side declaration: the source generator writes the populations, the selection
// step, hard pruning and compaction. The mass step size is 100x DynamicsDefaults.LearningRate (0.1) because the fitness
// -dL/dm_i of a neuron is small: with 0.1 the masses move by less than 10% in 10 epochs and removing half of the neurons
// costs 4.3 points of accuracy (before a fine-tune), with 10 it costs 0.8-1.7 (run with --mass-lr 0.1 to compare).

/// <summary>Every hidden neuron is a population under the replicator dynamic.</summary>
[SelectionDynamics(Dynamics.Replicator, LearningRate = 10.0, Smoothing = 0.9, TargetSparsity = 0.5)]
public sealed partial class ReplicatorMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public ReplicatorMlp() : base(nameof(ReplicatorMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>Every hidden neuron is a population under exponential weights.</summary>
[SelectionDynamics(Dynamics.ExponentialWeights, LearningRate = 10.0, Smoothing = 0.9, TargetSparsity = 0.5)]
public sealed partial class ExponentialWeightsMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public ExponentialWeightsMlp() : base(nameof(ExponentialWeightsMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}
