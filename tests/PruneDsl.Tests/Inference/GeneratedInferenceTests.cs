using System.Linq;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Inference;

/// <summary>The mission's model: two gated layers and a 2:4 sparse head.</summary>
[Cost(Beta = 0.0, Gamma = 0.001, LearningRate = 1.0)]
public sealed partial class SparseHeadMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(64, 48);
    [ParticipationGroup] private readonly Linear fc2 = Linear(48, 32);
    [Sparsity("2:4")] private readonly Linear head = Linear(32, 10);

    public SparseHeadMlp() : base(nameof(SparseHeadMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Head => head;
}

public class GeneratedInferenceTests
{
    [Fact]
    public void Generated_inference_module_computes_the_pruned_model_with_a_compacted_body_and_a_2_4_head()
    {
        manual_seed(21);
        var model = new SparseHeadMlp();
        // The N:M mask was applied when the model was built: every group of 4 inputs of the head has at most 2 nonzero.
        Assert.True(model.Head.weight!.view(10, 8, 4).ne(0).sum(2).le(2).all().item<bool>());

        // Prune 30 of fc1's 48 neurons and 21 of fc2's 32 (in scattered positions), then compare.
        using (no_grad())
        {
            var s1 = ones(48);
            s1[arange(0, 48, 3)] = 0.005f;
            s1[arange(1, 48, 3)] = 0f;
            s1[arange(2, 48, 6)] = 0.3f;
            model.Fc1Participation.Participation.copy_(s1);
            var s2 = ones(32);
            s2[tensor(new long[] { 0, 1, 2, 3, 5, 6, 9, 10, 11, 13, 14, 15, 17, 18, 21, 22, 25, 26, 29, 30, 31 })] = 0f;
            model.Fc2Participation.Participation.copy_(s2);
        }
        var x = randn(25, 64);
        model.HardPrune();
        var expected = Evaluation.Outputs(model, x);

        var inference = model.ToInference(CPU);
        var actual = inference.call(x);
        Assert.True((actual - expected).abs().max().item<float>() <= 1e-5f,
            $"max |inference - pruned| = {(actual - expected).abs().max().item<float>()}");

        // fc1 kept the 16 neurons at index 2 mod 3 (s = 0.3 or 1); fc2 kept 11, but its consumer is 2:4 sparse, so whole
        // aligned groups of 4 stay: groups {4..7}, {8..11}, {12..15}, {16..19}, {20..23}, {24..27}, {28..31} -> 28 columns.
        var shapes = inference.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
        Assert.Equal(new long[] { 16, 64 }, shapes["fc1.weight"]);
        Assert.Equal(new long[] { 28, 16 }, shapes["fc2.weight"]);
        Assert.Equal(new long[] { 10, 28 }, shapes["head.weight"]);
    }
}
