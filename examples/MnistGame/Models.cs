using PruneDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistGame;

// The paper's network, 784 -> 512 -> 256 -> 10, once per configuration of its table and once with PruneDsl's
// defaults. Each class is the whole user-side declaration: the source generator writes the rest.

/// <summary>PruneDsl's documented default: no [Cost] at all.</summary>
public sealed partial class DefaultMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public DefaultMlp() : base(nameof(DefaultMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The paper's "Very High Beta" row.</summary>
[Cost(Alpha = 1.0, Beta = 0.1, Gamma = 0.0, LearningRate = 0.001)]
public sealed partial class VeryHighBetaMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public VeryHighBetaMlp() : base(nameof(VeryHighBetaMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The paper's "Extreme Beta" row.</summary>
[Cost(Alpha = 1.0, Beta = 0.5, Gamma = 0.0, LearningRate = 0.001)]
public sealed partial class ExtremeBetaMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public ExtremeBetaMlp() : base(nameof(ExtremeBetaMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The paper's "L1 Sparsity Strong" row.</summary>
[Cost(Alpha = 1.0, Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)]
public sealed partial class L1StrongMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public L1StrongMlp() : base(nameof(L1StrongMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The paper's "L1+L2 Combined" row.</summary>
[Cost(Alpha = 1.0, Beta = 0.05, Gamma = 0.05, LearningRate = 0.001)]
public sealed partial class L1L2Mlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
    private readonly Linear head = Linear(256, 10);

    public L1L2Mlp() : base(nameof(L1L2Mlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}
