using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Spec;
using PruneDsl.Tests.Graph;
using PruneDsl.Tests.Graph.Generated;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

/// <summary>
/// What a budget counts on convolutional models (the budget graph read from the channel plan): at the dense widths and at
/// the kept widths of a pruned model, its MACs are what <see cref="MacCounter"/> counts on the dense and on the compacted
/// model, and its parameters are the compacted model's parameters; a MAC budget without an example shape is refused.
/// </summary>
public sealed class BudgetGraphTests
{
    private static readonly long[] Example = { 1, 28, 28 };

    private static long Parameters(nn.Module model) => model.parameters().Sum(p => p.numel());

    private static (double Macs, double Parameters, double Groups) Used(nn.Module<Tensor, Tensor> model, IParticipationModel game)
    {
        double Of(BudgetUnit unit) => BudgetController.Create(model, game, new BudgetSpec(KeepFraction: 0.5, Unit: unit), 10, Example)!.Constraints[0].Used;
        return (Of(BudgetUnit.Macs), Of(BudgetUnit.Parameters), Of(BudgetUnit.Groups));
    }

    private static void AssertCountsWhatCompactionLeaves(nn.Module<Tensor, Tensor> model, IParticipationModel game, ChannelPlan plan, int seed)
    {
        var dense = Used(model, game);
        Assert.Equal(MacCounter.Count(model, Example), dense.Macs);
        Assert.Equal(Parameters(model), dense.Parameters);
        Assert.Equal(plan.ParticipationLayers.Sum(l => l.Count), dense.Groups);

        var kept = GraphCompactionTests.SetGates(plan, seed);
        plan.HardPrune();
        var pruned = Used(model, game);
        plan.Compact();
        Assert.Equal(MacCounter.Count(model, Example), pruned.Macs);
        Assert.Equal(Parameters(model), pruned.Parameters);
        Assert.Equal(kept.Sum(), pruned.Groups);
        Assert.True(pruned.Macs < dense.Macs / 2, $"the pruned model's MACs {pruned.Macs} against {dense.Macs}");
    }

    [Fact]
    public void LeNet5_budget_counts_the_MACs_and_parameters_compaction_leaves()
    {
        manual_seed(71);
        using var model = new GenLeNet5();
        AssertCountsWhatCompactionLeaves(model, model, model.ChannelPlan, 71);
    }

    [Fact]
    public void Residual_budget_counts_the_MACs_and_parameters_compaction_leaves_through_adds_and_projections()
    {
        manual_seed(72);
        using var model = new GenResNet();
        AssertCountsWhatCompactionLeaves(model, model, model.ChannelPlan, 72);
    }

    [Fact]
    public void Marginal_cost_of_a_channel_is_the_cost_it_adds()
    {
        manual_seed(73);
        using var model = new GenLeNet5();
        var controller = BudgetController.Create(model, model, new BudgetSpec(KeepFraction: 0.2, Unit: BudgetUnit.Macs), 10, Example)!;
        // conv2's Gamma is the price times what one conv2 channel costs: its filter over conv1's 20 channels at 8x8, and
        // fc1's 16 columns per channel for 500 outputs.
        var conv2 = model.ChannelPlan.ParticipationLayers.Single(l => l.Name == "conv2");
        var budget = controller.Constraints[0];
        Assert.Equal(budget.Price * (20 * 25 * 64 + 16 * 500), conv2.Cost.Gamma, 12);
        // The price starts at the declared Gamma per average marginal cost (conv1 25x576 + conv2's 50x25x64 per channel,
        // conv2's above, fc1's 800 + 10), not clipped at a bound meant for groups.
        var scale = ((25 * 576 + 50 * 25 * 64) + (20 * 25 * 64 + 16 * 500) + (800 + 10)) / 3.0;
        Assert.Equal(scale, budget.Scale, 9);
        Assert.Equal(CostDefaults.Gamma / scale, budget.Price, 15);
    }

    [Fact]
    public void A_layer_that_reads_its_own_space_pays_for_both_sides_of_a_field_budget()
    {
        // y = x + conv(x): the conv's input and output are one space of width w; its MACs w * w * 9 grow by 2 w * 9 per channel.
        var graph = new BudgetGraph(new[] { new BudgetSpace("conv", 4, true) },
            new[] { new BudgetTerm("conv", 4, new[] { 0 }, 1, 4, 0, MacsPerPair: 9, ParamsPerPair: 9, ParamsPerOut: 0) });
        var kept = new long[] { 3 };
        Assert.Equal(81, BudgetCost.Of(graph, kept, BudgetUnit.Macs, new[] { true }, only: 0));
        Assert.Equal(2 * 3 * 9, BudgetCost.Marginal(graph, kept, BudgetUnit.Macs, 0, wholeModel: false));
        Assert.Equal(2 * 3 * 9, BudgetCost.Marginal(graph, kept, BudgetUnit.Macs, 0, wholeModel: true));
    }

    private sealed class Aliased : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(4, 3);
        private readonly TorchSharp.Modules.Linear alias;

        public Aliased() : base(nameof(Aliased))
        {
            alias = fc;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc.call(x);
    }

    [Fact]
    public void A_module_registered_under_two_names_is_counted_once_per_call()
    {
        using var model = new Aliased();
        Assert.Equal(12, MacCounter.Count(model, 4));
    }

    [Fact]
    public void MAC_budget_on_convolutions_without_an_example_shape_is_refused()
    {
        using var model = new GenLeNet5();
        var e = Assert.Throws<ArgumentException>(() => BudgetController.Create(model, model, new BudgetSpec(KeepFraction: 0.2, Unit: BudgetUnit.Macs), 10));
        Assert.Contains("output sizes are unknown", e.Message);
        Assert.Contains("GenLeNet5", e.Message);
        // Groups and parameters need no probe.
        Assert.NotNull(BudgetController.Create(model, model, new BudgetSpec(KeepFraction: 0.2, Unit: BudgetUnit.Parameters), 10));
    }

    [Fact]
    public void MAC_budget_below_what_the_model_can_reach_is_refused_with_PD0029s_rule()
    {
        using var model = new GenLeNet5();
        // At one channel per space LeNet-5 still computes conv1's 25x576 (14,400), conv2's 25x64 (1,600), fc1's 16 and fc2's 10: 16,026 MACs.
        var e = Assert.Throws<ArgumentException>(() => BudgetController.Create(model, model, new BudgetSpec(Keep: 16_000, Unit: BudgetUnit.Macs), 10, Example));
        Assert.Contains("16026", e.Message);
        Assert.Contains("PD0029", e.Message);
        Assert.NotNull(BudgetController.Create(model, model, new BudgetSpec(Keep: 16_026, Unit: BudgetUnit.Macs), 10, Example));
    }
}
