using PruneDsl.Evolution;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Evolution;

/// <summary>A tiny float64 MLP whose two hidden layers evolve under the replicator (the generator writes the population code).</summary>
[SelectionDynamics(Dynamics.Replicator, LearningRate = 0.5, Smoothing = 0.0, TargetSparsity = 0.35)]
public sealed partial class TinyEvolvingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(12, 9, dtype: ScalarType.Float64);
    [ParticipationGroup] private readonly Linear fc2 = Linear(9, 7, dtype: ScalarType.Float64);
    private readonly Linear head = Linear(7, 3, dtype: ScalarType.Float64);

    public TinyEvolvingMlp() : base(nameof(TinyEvolvingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
}

/// <summary>Per-field dynamics: fc1 under exponential weights with smoothing, fc2 under the replicator with another target.</summary>
public sealed partial class MixedDynamicsMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup, SelectionDynamics(Dynamics.ExponentialWeights, LearningRate = 2.0, Smoothing = 0.5, TargetSparsity = 0.5)]
    private readonly Linear fc1 = Linear(12, 9, dtype: ScalarType.Float64);
    [ParticipationGroup, SelectionDynamics(Dynamics.Replicator, LearningRate = 0.5, Smoothing = 0.0, TargetSparsity = 0.25)]
    private readonly Linear fc2 = Linear(9, 7, dtype: ScalarType.Float64);
    private readonly Linear head = Linear(7, 3, dtype: ScalarType.Float64);

    public MixedDynamicsMlp() : base(nameof(MixedDynamicsMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>Calls forward() instead of call(): the mass hook never runs.</summary>
[SelectionDynamics]
public sealed partial class BypassingEvolvingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(4, 3);
    private readonly Linear head = Linear(3, 2);

    public BypassingEvolvingMlp() : base(nameof(BypassingEvolvingMlp)) => RegisterComponents();

#pragma warning disable PD0023 // the bypass is what the test is about
    public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.forward(x)));
#pragma warning restore PD0023
}
