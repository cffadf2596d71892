using PruneDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Game;

/// <summary>A small gated MLP with every cost term switched on (the generator writes its game code).</summary>
[Cost(Alpha = 1.3, Beta = 0.07, Gamma = 0.02, Eta = 0.011, LearningRate = 0.05)]
public sealed partial class TinyCompetingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(12, 9);
    [ParticipationGroup, Cost(Eta = 0.0, Benefit = BenefitSign.Literal)] private readonly Linear fc2 = Linear(9, 7);
    private readonly Linear head = Linear(7, 3);

    public TinyCompetingMlp() : base(nameof(TinyCompetingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
}

/// <summary>A model that bypasses its gate by calling forward() directly.</summary>
public sealed partial class BypassingMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
    private readonly Linear head = Linear(4, 2);

    public BypassingMlp() : base(nameof(BypassingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.forward(functional.relu(fc1.forward(x)));
}
