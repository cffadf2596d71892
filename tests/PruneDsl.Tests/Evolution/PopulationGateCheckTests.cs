using System;
using PruneDsl.Evolution;
using PruneDsl.Training;
using TorchSharp;
using static PruneDsl.Tests.Game.TrainingPass;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Evolution;

/// <summary>A selection step needs a forward pass through the masses since the previous step, in any training loop.</summary>
public class PopulationGateCheckTests
{
    [Fact]
    public void A_hand_written_loop_over_bypassed_masses_throws_the_trainers_message()
    {
        var model = new BypassingEvolvingMlp();
        var (x, y) = (randn(8, 4), randint(0, 2, 8));
        ForwardBackward(model, x, y);
        var error = Assert.Throws<InvalidOperationException>(() => model.StepPopulations());
        Assert.Contains("Layer 'fc1' of 'BypassingEvolvingMlp'", error.Message);
        Assert.Contains("layer.call(x), not layer.forward(x), in forward()", error.Message);
        Assert.Equal(0, model.Fc1Population.Steps);

        var data = new LabeledData(x, y);
        var fromTrainer = Assert.Throws<InvalidOperationException>(() =>
            new EvolutionTrainer(new BypassingEvolvingMlp(), new EvolutionTrainingOptions { Epochs = 1, BatchSize = 4 }).Run(data, data));
        Assert.Equal(error.Message, fromTrainer.Message);
    }

    [Fact]
    public void A_correct_loop_steps_and_a_second_step_without_a_forward_pass_throws()
    {
        manual_seed(10);
        var model = new TinyEvolvingMlp();
        for (var step = 1; step <= 2; step++)
        {
            ForwardBackward(model, randn(16, 12, dtype: float64), randint(0, 3, 16));
            model.StepPopulations();
            Assert.Equal(step, model.Fc1Population.Steps);
        }
        var error = Assert.Throws<InvalidOperationException>(() => model.StepPopulations());
        Assert.Contains("Layer 'fc1' of 'TinyEvolvingMlp'", error.Message);
        Assert.Contains("since the previous step", error.Message);
        Assert.Equal(2, model.Fc1Population.Steps);
    }
}
