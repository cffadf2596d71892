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

#pragma warning disable PD0023 // the bypass is what the tests are about
    public override Tensor forward(Tensor x) => head.forward(functional.relu(fc1.forward(x)));
#pragma warning restore PD0023
}

/// <summary>
/// <see cref="TinyCompetingMlp"/> in float64 (for the comparison with autograd at 1e-6): every cost term on at class
/// level, fc2 overriding Eta and the reading.
/// </summary>
[Cost(Alpha = 1.3, Beta = 0.07, Gamma = 0.02, Eta = 0.011, LearningRate = 0.05)]
public sealed partial class TinyCompetingMlp64 : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(12, 9, dtype: ScalarType.Float64);
    [ParticipationGroup, Cost(Eta = 0.0, Benefit = BenefitSign.Literal)] private readonly Linear fc2 = Linear(9, 7, dtype: ScalarType.Float64);
    private readonly Linear head = Linear(7, 3, dtype: ScalarType.Float64);

    public TinyCompetingMlp64() : base(nameof(TinyCompetingMlp64)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
    public Linear Head => head;
}

/// <summary>
/// One gated layer feeding a linear read-out, directly or through a ReLU (float64): the loss's marginal in a participation
/// has a closed form, so the certificate's re-entry test can be checked against it.
/// </summary>
[Cost(Alpha = 1.0, Beta = 0.0, Gamma = 1e-3, Eta = 0.0, LearningRate = 0.1)]
public sealed partial class GatedLinearReadout : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(4, 3, dtype: ScalarType.Float64);
    private readonly Linear head = Linear(3, 2, dtype: ScalarType.Float64);
    private readonly bool _relu;

    public GatedLinearReadout(bool relu = false) : base(nameof(GatedLinearReadout))
    {
        _relu = relu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var hidden = fc1.call(x);
        return head.call(_relu ? functional.relu(hidden) : hidden);
    }

    public Linear Fc1 => fc1;
    public Linear Head => head;
}
