using System;
using System.Linq;
using PruneDsl.Datasets;
using PruneDsl.Game;
using PruneDsl.Spec;
using PruneDsl.Tests.Data;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Game;

/// <summary>A toy with a class budget of 4 groups of its 9 and a fast price (the generator writes IBudgetedModel).</summary>
[Budget(Keep = 4, PriceStep = 0.1)]
public sealed partial class BudgetedToyMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(6, 5);
    [ParticipationGroup] private readonly Linear fc2 = Linear(5, 4);
    private readonly Linear head = Linear(4, 3);

    public BudgetedToyMlp() : base(nameof(BudgetedToyMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The toy with a budget on fc2 alone, in parameters.</summary>
public sealed partial class LayerBudgetToyMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(6, 5);
    [ParticipationGroup, Budget(Keep = 13, Unit = BudgetUnit.Parameters)] private readonly Linear fc2 = Linear(5, 4);
    private readonly Linear head = Linear(4, 3);

    public LayerBudgetToyMlp() : base(nameof(LayerBudgetToyMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

#pragma warning disable PD0030 // the settling test wants a strong price from the first step: its Gamma is where the price starts
/// <summary>
/// A narrow MNIST MLP with a strong starting price, a fast price (rho 0.01 on 47-step epochs) and a budget of 16 of its 96
/// hidden neurons; the game ends as soon as the budget is met (SettleEpochs = 0), by epoch 8 at the latest.
/// </summary>
[Cost(Gamma = 0.004, LearningRate = 2.5)]
[Budget(Keep = 16, PriceStep = 0.01, SettleEpochs = 0, FineTuneEpochs = 2)]
public sealed partial class BudgetMnistMlp : Module<Tensor, Tensor>
#pragma warning restore PD0030
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 64);
    [ParticipationGroup] private readonly Linear fc2 = Linear(64, 32);
    private readonly Linear head = Linear(32, 10);

    public BudgetMnistMlp() : base(nameof(BudgetMnistMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

public sealed class BudgetTests
{
    // ---- the price's law (Eq. 19) ----

    [Fact]
    public void Price_rises_by_rho_times_the_clamped_relative_excess_and_falls_below_the_budget()
    {
        Assert.Equal(Math.Log(1e-3) + 0.01, GameEquations.PriceStep(Math.Log(1e-3), 30, 15, 0.01), 12); // (30-15)/15 = 1
        Assert.Equal(Math.Log(1e-3) + 0.01, GameEquations.PriceStep(Math.Log(1e-3), 768, 15, 0.01), 12); // clamped at 1
        Assert.Equal(Math.Log(1e-3) + 0.002, GameEquations.PriceStep(Math.Log(1e-3), 18, 15, 0.01), 12); // 3/15 = 0.2
        Assert.Equal(Math.Log(1e-3), GameEquations.PriceStep(Math.Log(1e-3), 15, 15, 0.01), 12);
        Assert.Equal(Math.Log(1e-3) - 0.005, GameEquations.PriceStep(Math.Log(1e-3), 7.5, 15, 0.01), 12);
        Assert.Equal(Math.Log(BudgetDefaults.MaxPrice), GameEquations.PriceStep(Math.Log(0.999), 100, 1, 0.5), 12);
        Assert.Equal(Math.Log(BudgetDefaults.MinPrice), GameEquations.PriceStep(Math.Log(1.0001e-7), 0, 10, 0.5), 12);
        // In MACs (a scale of 45,000 MACs per average group) the bounds are per MAC: a price of 1e-9 is not clipped.
        Assert.Equal(Math.Log(1e-9) - 0.5, GameEquations.PriceStep(Math.Log(1e-9), 0, 10, 0.5, scale: 45_000), 12);
        Assert.Equal(Math.Log(BudgetDefaults.MinPrice / 45_000), GameEquations.PriceStep(Math.Log(2e-12), 0, 10, 0.5, scale: 45_000), 12);
    }

    // ---- the cost model, shared with PD0029 ----

    private static readonly BudgetGraph PaperChain = BudgetGraph.FromChain(new BudgetLayer[]
    {
        new("fc1", 784, 512, true, true), new("fc2", 512, 256, true, true), new("head", 256, 10, true, false),
    });

    [Fact]
    public void Cost_model_counts_groups_parameters_and_MACs_of_the_chain_at_the_kept_widths()
    {
        var all = new[] { true, true, true };
        var kept = new long[] { 10, 5, 10 };
        Assert.Equal(15, BudgetCost.Of(PaperChain, kept, BudgetUnit.Groups, all));
        Assert.Equal(784 * 10 + 10 + 10 * 5 + 5 + 5 * 10 + 10, BudgetCost.Of(PaperChain, kept, BudgetUnit.Parameters, all));
        Assert.Equal(784 * 10 + 10 * 5 + 5 * 10, BudgetCost.Of(PaperChain, kept, BudgetUnit.Macs, all));
        Assert.Equal(784 * 512 + 512 * 256 + 256 * 10, BudgetCost.Dense(PaperChain, BudgetUnit.Macs, all));
        // One more fc1 neuron costs its fan-in row and bias plus its column in fc2 (5 kept rows); in MACs no bias.
        Assert.Equal(784 + 1 + 5, BudgetCost.Marginal(PaperChain, kept, BudgetUnit.Parameters, 0, wholeModel: true));
        Assert.Equal(10 + 10, BudgetCost.Marginal(PaperChain, kept, BudgetUnit.Macs, 1, wholeModel: true));
        Assert.Equal(10 + 1, BudgetCost.Marginal(PaperChain, kept, BudgetUnit.Parameters, 1, wholeModel: false));
        // fc1 at one neuron (784 + 1); fc2, not priced, keeps its 256 rows of one input and a bias; the head as declared.
        Assert.Equal(784 + 1 + 256 + 256 + 256 * 10 + 10, BudgetCost.Minimum(PaperChain, BudgetUnit.Parameters, new[] { true, false, false }));
    }

    [Fact]
    public void Infeasible_budgets_are_refused_before_training_with_the_rule_of_PD0029()
    {
        var all = new[] { true, true, true };
        Assert.Null(BudgetCost.Infeasibility(new BudgetSpec(Keep: 2), PaperChain, all));
        Assert.Equal("Keep = 1 (groups) allows 1 groups, but the least the model can keep is 2 groups (one group in each of its 2 priced layer(s), every other layer as declared)",
            BudgetCost.Infeasibility(new BudgetSpec(Keep: 1), PaperChain, all));

        using var model = new BudgetedToyMlp();
        var e = Assert.Throws<ArgumentException>(() => BudgetController.Create(model, model, new BudgetSpec(Keep: 1), 10));
        Assert.Contains("The budget of 'BudgetedToyMlp' cannot be met: Keep = 1 (groups) allows 1 groups", e.Message);
        Assert.Contains("(PD0029)", e.Message);
        Assert.Throws<ArgumentException>(() => new GameTrainingOptions { Budget = new BudgetSpec(Keep: 3, KeepFraction: 0.5) }.EnsureValid());
    }

    // ---- the controller on a toy ----

    [Fact]
    public void Controller_moves_Gamma_by_the_dual_ascent_and_settles_after_the_kept_set_is_stable()
    {
        using var model = new BudgetedToyMlp();
        var controller = BudgetController.Create(model, model, null, stepsPerEpoch: 10)!;
        var budget = Assert.Single(controller.Constraints);
        Assert.Equal("model", budget.Scope);
        Assert.Equal(4, budget.Target);
        Assert.Equal(9, budget.Used);
        // The price starts at the declared Gamma (the default 7e-4) and is every layer's Gamma (groups: marginal cost 1).
        Assert.Equal(CostDefaults.Gamma, budget.Price, 12);
        Assert.All(model.ParticipationLayers, l => Assert.Equal(CostDefaults.Gamma, l.Cost.Gamma, 12));

        // 9 kept of 4: the relative excess 1.25 is clamped at 1, so each step multiplies the price by e^0.1.
        for (var step = 1; step <= 3; step++) controller.Step(step);
        Assert.All(model.ParticipationLayers, l => Assert.Equal(CostDefaults.Gamma * Math.Exp(0.3), l.Cost.Gamma, 12));
        Assert.False(controller.Met);

        // Three groups left (fc1 keeps 1, fc2 keeps 2): (3 - 4) / 4 = -0.25, the price falls by e^-0.025 per step.
        using (no_grad())
        {
            model.ParticipationLayers[0].Participation.copy_(tensor(new float[] { 0.5f, 0, 0, 0, 0 }));
            model.ParticipationLayers[1].Participation.copy_(tensor(new float[] { 0.3f, 0.9f, 0, 0 }));
        }
        controller.Step(4);
        Assert.Equal(3, budget.Used);
        Assert.True(controller.Met);
        Assert.Equal(CostDefaults.Gamma * Math.Exp(0.3 - 0.025), model.ParticipationLayers[1].Cost.Gamma, 12);
        Assert.Equal(4, controller.StableSince);

        // SettleEpochs = 1 epoch of 10 steps with the kept set unchanged.
        for (var step = 5; step <= 13; step++) controller.Step(step);
        Assert.False(controller.ReadyToSettle(13));
        controller.Step(14);
        Assert.True(controller.ReadyToSettle(14));
        Assert.Equal(CostDefaults.Gamma * Math.Exp(0.3 - 11 * 0.025), budget.Price, 12);

        // Settling hard-prunes and folds: same outputs, kept participations at 1, pruned rows zero.
        var x = randn(7, 6);
        var before = model.call(x).detach().clone();
        controller.Settle(model, 14, forced: false);
        var after = model.call(x).detach();
        Assert.True(after.allclose(before, rtol: 1e-5, atol: 1e-6), "settling changed the outputs");
        Assert.Equal(new float[] { 1, 0, 0, 0, 0 }, model.ParticipationLayers[0].Participation.data<float>().ToArray());
        Assert.Equal(new float[] { 1, 1, 0, 0 }, model.ParticipationLayers[1].Participation.data<float>().ToArray());
        Assert.Equal(14, controller.SettledAt);
        Assert.False(controller.ReadyToSettle(100));
    }

    [Fact]
    public void The_lookahead_stops_counting_a_group_on_its_way_out_before_it_crosses_epsilon()
    {
        using var model = new BudgetedToyMlp();
        var controller = BudgetController.Create(model, model, null, stepsPerEpoch: 100)!;
        var budget = controller.Constraints[0];
        // One fc1 group falls by 0.01 per step from 1: after 70 steps it is at 0.3, still kept, but its averaged drift,
        // -0.01 (1 - 0.98^69) = -0.0075 per step, takes it below epsilon within the lookahead of 0.5 epochs = 50 steps.
        // After 40 steps (at 0.6, drift -0.0055) it does not yet.
        for (var step = 1; step <= 40; step++)
        {
            using (no_grad()) model.ParticipationLayers[0].Participation[0] = 1 - 0.01 * step;
            controller.Step(step);
        }
        Assert.Equal(9, budget.Projected);
        for (var step = 41; step <= 70; step++)
        {
            using (no_grad()) model.ParticipationLayers[0].Participation[0] = 1 - 0.01 * step;
            controller.Step(step);
        }
        Assert.Equal(9, budget.Used);
        Assert.Equal(8, budget.Projected);
    }

    [Fact]
    public void With_the_budget_met_a_group_on_its_way_out_ends_the_game_before_the_settle_window()
    {
        using var model = new BudgetedToyMlp();
        // 4 kept of the budget's 4 (fc1: groups 0 and 1, fc2: groups 0 and 1): met from the start.
        using (no_grad())
        {
            model.ParticipationLayers[0].Participation.copy_(tensor(new float[] { 1, 1, 0, 0, 0 }));
            model.ParticipationLayers[1].Participation.copy_(tensor(new float[] { 1, 1, 0, 0 }));
        }
        var controller = BudgetController.Create(model, model, null, stepsPerEpoch: 100)!;
        Assert.True(controller.Met);
        // fc1's group 1 falls by 0.01 per step: at step 40 the lookahead still keeps it, so the game waits for its settle
        // window (1 epoch = 100 steps); by step 70 it is on its way out (the lookahead test above), and the game ends at
        // once, with all 4 groups still kept, instead of waiting and losing it.
        for (var step = 1; step <= 70; step++)
        {
            using (no_grad()) model.ParticipationLayers[0].Participation[1] = 1 - 0.01 * step;
            controller.Step(step);
            if (step == 40)
            {
                Assert.False(controller.Leaving);
                Assert.False(controller.ReadyToSettle(step));
            }
        }
        Assert.True(controller.Leaving);
        Assert.Equal(4, controller.Constraints[0].Used);
        Assert.True(controller.ReadyToSettle(70));
        controller.Settle(model, 70, forced: false);
        Assert.Equal(new float[] { 1, 1, 0, 0, 0 }, model.ParticipationLayers[0].Participation.data<float>().ToArray());
    }

    [Fact]
    public void A_field_budget_prices_its_layer_alone_in_parameters()
    {
        using var model = new LayerBudgetToyMlp();
        var controller = BudgetController.Create(model, model, null, stepsPerEpoch: 10)!;
        var budget = Assert.Single(controller.Constraints);
        Assert.Equal("fc2", budget.Scope);
        Assert.Equal(4 * (5 + 1), budget.Used); // fc2 alone: 4 rows of 5 inputs and a bias
        Assert.Equal(13, budget.Target);
        // Its price per parameter starts at Gamma / (5 + 1); fc2's Gamma is the price times 6, fc1 keeps its own Gamma.
        Assert.Equal(CostDefaults.Gamma / 6, budget.Price, 12);
        Assert.Equal(CostDefaults.Gamma, model.ParticipationLayers[1].Cost.Gamma, 12);
        controller.Step(1);
        // (24 - 13) / 13 of the excess, times the default step 0.002.
        Assert.Equal(CostDefaults.Gamma * Math.Exp(0.002 * 11.0 / 13.0), model.ParticipationLayers[1].Cost.Gamma, 12);
        Assert.Equal(CostDefaults.Gamma, model.ParticipationLayers[0].Cost.Gamma, 12);
    }

    [Fact]
    public void Folding_participations_into_the_weights_keeps_the_layer_function()
    {
        using var model = new BudgetedToyMlp();
        using (no_grad()) model.ParticipationLayers[0].Participation.copy_(tensor(new float[] { 0.5f, 0.25f, 0, 1, 0.125f }));
        var x = randn(5, 6);
        var before = model.call(x).detach().clone();
        model.ParticipationLayers[0].FoldIntoWeights();
        Assert.True(model.call(x).detach().allclose(before, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(new float[] { 1, 1, 0, 1, 1 }, model.ParticipationLayers[0].Participation.data<float>().ToArray());
    }
}

/// <summary>The game under a budget on real MNIST: it meets the budget, ends, and does not collapse afterwards.</summary>
[Collection(MnistCollection.Name)]
public sealed class BudgetSettlingTests(MnistFixture mnist, ITestOutputHelper output)
{
    /// <summary>How far below its accuracy at the end of the game the final accuracy may land (test-set noise on 2,000 images).</summary>
    private const double Tolerance = 0.01;

    [Fact]
    public void A_strong_price_meets_the_budget_and_the_fine_tune_does_not_lose_the_settled_accuracy()
    {
        using var trainSet = MnistDataset.Load(mnist.Directory, MnistSplit.Train, DataSubset.Stratified(6000, seed: 3));
        using var testSet = MnistDataset.Load(mnist.Directory, MnistSplit.Test, DataSubset.First(2000));
        var train = new LabeledData(trainSet.Images, trainSet.Labels);
        var test = new LabeledData(testSet.Images, testSet.Labels);

        manual_seed(11);
        var model = new BudgetMnistMlp();
        var options = new GameTrainingOptions { Epochs = 10, WeightDecay = 5e-4, Seed = 5, CertificateBatches = 5, ProbeConditionNumbers = false };
        var result = new GameTrainer(model, options).Run(train, test);
        foreach (var e in result.Epochs)
            output.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:F4}, acc {e.TestAccuracy:P2}, kept {string.Join("/", e.Layers.Select(l => l.Kept))}");
        var budget = result.Budget!;
        foreach (var p in budget.Prices) output.WriteLine($"epoch {p.Epoch}: price {p.Price:G3}, kept {p.Used} of {p.Target}");
        output.WriteLine($"settled in epoch {budget.SettledEpoch} (forced {budget.Forced}) at {budget.AccuracyAtSettle:P2}; final {result.AccuracyAfterPruning:P2}");

        Assert.True(budget.SettledStep > 0, "the game never ended");
        Assert.True(budget.SettledEpoch <= options.Epochs - 2, $"the game ended in epoch {budget.SettledEpoch}, after its deadline");
        Assert.False(budget.Forced, "the deadline ended the game: the price did not meet the budget in time");
        Assert.InRange(result.Layers.Sum(l => l.Kept), 2, 16);
        Assert.Equal(result.Layers.Sum(l => l.Kept), budget.Constraints[0].Used);
        // Frozen and folded: every participation is exactly 0 or 1, and the kept set did not change after the end.
        foreach (var layer in model.ParticipationLayers)
            Assert.All(layer.Participation.data<float>().ToArray(), s => Assert.True(s == 0 || s == 1, $"{layer.Name}: participation {s}"));
        var settledEpoch = (int)budget.SettledEpoch;
        var kept = result.Layers.Select(l => l.Kept).ToList();
        Assert.All(result.Epochs.Where(e => e.Epoch > settledEpoch), e => Assert.Equal(kept, e.Layers.Select(l => l.Kept).ToList()));
        // No late collapse: the fine-tune keeps (here: improves on) the accuracy the model had when the game ended.
        Assert.True(result.AccuracyAfterPruning >= budget.AccuracyAtSettle - Tolerance,
            $"final {result.AccuracyAfterPruning:P2} is more than {Tolerance:P0} below the {budget.AccuracyAtSettle:P2} at the end of the game");
        Assert.True(result.AccuracyAfterPruning > 0.7, $"final accuracy {result.AccuracyAfterPruning:P2}");
        Assert.Contains(result.History.Warnings, w => w.Kind == WarningKind.BudgetSettled);
    }
}
