using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistOneShot;

/// <summary>
/// The paper's dense MLP, 784-512-256-10, as a plain TorchSharp module (no attributes: one-shot reconstruction works on
/// any module whose forward calls its layers with <c>call</c>, which is what lets the calibration hooks see the inputs).
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    public readonly Linear fc1 = Linear(784, 512);
    public readonly Linear fc2 = Linear(512, 256);
    public readonly Linear head = Linear(256, 10);

    public Mlp() : base(nameof(Mlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    /// <summary>The Linear layers in forward order.</summary>
    public IReadOnlyList<(string Name, Linear Layer)> Layers => new[] { ("fc1", fc1), ("fc2", fc2), ("head", head) };
}
