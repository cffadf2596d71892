using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

public class ParticipationLayerTests
{
    [Fact]
    public void Participations_start_at_one_are_registered_buffers_and_gate_the_output()
    {
        manual_seed(2);
        var model = new TinyCompetingMlp();
        Assert.Equal(new[] { 9, 7 }, model.ParticipationLayers.Select(l => l.Count));
        Assert.All(model.ParticipationLayers, l => Assert.Equal(1f, l.Participation.min().item<float>()));
        var buffers = model.named_buffers().Select(b => b.name).ToList();
        Assert.Contains("fc1_participation", buffers);
        Assert.Contains("fc2_participation", buffers);
        Assert.DoesNotContain(model.parameters(), p => p.shape.SequenceEqual(new long[] { 9 }) && p.Handle == model.Fc1Participation.Participation.Handle);

        // Gating neuron 3 of fc1 to 0 equals zeroing its fan-in row and bias.
        var x = randn(5, 12);
        model.Fc1Participation.Participation[3] = 0f;
        var gated = Evaluation.Outputs(model, x);
        using (no_grad())
        {
            model.Fc1.weight![3].zero_();
            model.Fc1.bias![3].zero_();
        }
        model.Fc1Participation.Participation[3] = 1f;
        var zeroed = Evaluation.Outputs(model, x);
        Assert.True(gated.allclose(zeroed, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Hard_pruning_computes_exactly_what_the_gated_model_computes()
    {
        manual_seed(4);
        var model = new TinyCompetingMlp();
        using (no_grad())
        {
            model.Fc1Participation.Participation.copy_(tensor(new[] { 1f, 0.005f, 0.7f, 0f, 0.2f, 0.009f, 1f, 0.5f, 0.3f }));
            model.Fc2Participation.Participation.copy_(tensor(new[] { 0.001f, 1f, 1f, 0.6f, 0f, 0.4f, 0.8f }));
        }
        var x = randn(20, 12);
        // The gated model with the pruned participations at 0 (they are below epsilon = 0.01).
        using (no_grad())
        {
            foreach (var l in model.ParticipationLayers)
                l.Participation.masked_fill_(l.PrunedMask(), 0f);
        }
        var gated = Evaluation.Outputs(model, x);
        model.HardPrune();
        var pruned = Evaluation.Outputs(model, x);
        Assert.True(gated.eq(pruned).all().item<bool>(), "hard pruning changed the outputs");
        Assert.Equal(new long[] { 3, 9 }, new[] { model.Fc1.weight!.eq(0).all(1).sum().item<long>(), model.Fc1.weight!.numel() / 12 });
        Assert.Equal(6, model.Fc1Participation.KeptCount());
        Assert.Equal(5, model.Fc2Participation.KeptCount());
    }

    [Fact]
    public void Bypassed_gate_is_reported_with_the_fix()
    {
        var model = new BypassingMlp();
        var data = new LabeledData(randn(8, 4), randint(0, 2, 8));
        var error = Assert.Throws<InvalidOperationException>(() =>
            new GameTrainer(model, new GameTrainingOptions { Epochs = 1, BatchSize = 4 }).Run(data, data));
        Assert.Contains("fc1", error.Message);
        Assert.Contains("call(x)", error.Message);
    }

    [Fact]
    public void Invalid_cost_at_run_time_names_the_layer_and_the_value()
    {
        var model = new TinyCompetingMlp();
        var error = Assert.Throws<ArgumentException>(() =>
            ParticipationLayer.Attach(model, "extra", model.Fc1, model.Fc1Participation.Cost with { Beta = -1 }));
        Assert.Contains("'extra'", error.Message);
        Assert.Contains("Beta = -1", error.Message);
    }

    [Fact]
    public void Condition_number_probe_is_finite_for_a_full_rank_layer_and_infinite_when_all_are_pruned()
    {
        manual_seed(6);
        var model = new TinyCompetingMlp();
        var c = model.Fc1Participation.ConditionNumber();
        Assert.True(c > 1 && double.IsFinite(c), $"cond = {c}");
        model.Fc1Participation.Participation.zero_();
        Assert.Equal(double.PositiveInfinity, model.Fc1Participation.ConditionNumber());
    }
}
