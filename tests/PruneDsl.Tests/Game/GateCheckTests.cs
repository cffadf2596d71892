using System;
using System.Linq;
using PruneDsl.Training;
using TorchSharp;
using static PruneDsl.Tests.Game.TrainingPass;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

/// <summary>A participation step needs a forward pass through its gate since the previous step, in any training loop.</summary>
public class GateCheckTests
{
    [Fact]
    public void A_hand_written_loop_over_a_bypassed_gate_throws_with_the_layer_the_model_and_the_fix()
    {
        var model = new BypassingMlp();
        var (x, y) = (randn(8, 4), randint(0, 2, 8));
        ForwardBackward(model, x, y);
        var error = Assert.Throws<InvalidOperationException>(() => model.StepParticipations());
        Assert.Contains("Layer 'fc1' of 'BypassingMlp'", error.Message);
        Assert.Contains("layer.call(x), not layer.forward(x), in forward()", error.Message);
        Assert.Equal(1f, model.Fc1Participation.Participation.min().item<float>());

        // One rule, one message: the trainer's first-batch check says the same.
        var data = new LabeledData(x, y);
        var fromTrainer = Assert.Throws<InvalidOperationException>(() =>
            new GameTrainer(new BypassingMlp(), new GameTrainingOptions { Epochs = 1, BatchSize = 4 }).Run(data, data));
        Assert.Equal(error.Message, fromTrainer.Message);
    }

    [Fact]
    public void A_correct_hand_written_loop_steps_every_batch()
    {
        manual_seed(8);
        var model = new TinyCompetingMlp();
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        var before = model.Fc1Participation.Participation.clone();
        for (var step = 0; step < 3; step++)
        {
            ForwardBackward(model, randn(16, 12), randint(0, 3, 16));
            model.StepParticipations();
            optimizer.step();
        }
        Assert.False(model.Fc1Participation.Participation.allclose(before, rtol: 0, atol: 0), "the participations did not move");
    }

    [Fact]
    public void Stepping_twice_for_one_forward_pass_throws()
    {
        manual_seed(9);
        var model = new TinyCompetingMlp();
        ForwardBackward(model, randn(16, 12), randint(0, 3, 16));
        model.StepParticipations();
        var error = Assert.Throws<InvalidOperationException>(() => model.Fc2Participation.Step());
        Assert.Contains("Layer 'fc2' of 'TinyCompetingMlp'", error.Message);
        Assert.Contains("since the previous step", error.Message);

        // A new forward pass (with its backward) allows the next step.
        ForwardBackward(model, randn(16, 12), randint(0, 3, 16));
        model.StepParticipations();
    }

    [Fact]
    public void The_first_step_needs_a_forward_pass()
    {
        var model = new TinyCompetingMlp();
        var error = Assert.Throws<InvalidOperationException>(() => model.StepParticipations());
        Assert.Contains("Layer 'fc1' of 'TinyCompetingMlp'", error.Message);
        Assert.Contains("none at all", error.Message);
    }
}
