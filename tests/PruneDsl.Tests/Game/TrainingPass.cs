using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

/// <summary>The part of a hand-written training loop that comes before a gate's step.</summary>
internal static class TrainingPass
{
    /// <summary>Zeroes the gradients, runs the model through <c>call</c> and back-propagates the cross-entropy.</summary>
    public static void ForwardBackward(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.zero_grad();
        using var loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
    }
}
