using System.Threading.Tasks;
using PruneDsl.SourceGenerators.Diagnostics;
using static PruneDsl.SourceGenerators.Tests.Harness;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>PD0029-PD0031 and PD0010 for [Budget]: the same rules (src/PruneDsl.Spec/BudgetSpec.cs) the runtime throws on.</summary>
public class BudgetDiagnosticTests
{
    private static string Mlp(string classAttributes, string fc1 = "[ParticipationGroup]", string fc2 = "[ParticipationGroup]", string head = "") => $$"""
        {{classAttributes}}
        public partial class Net : Module<Tensor, Tensor>
        {
            {{fc1}} private readonly Linear fc1 = Linear(784, 512);
            {{fc2}} private readonly Linear fc2 = Linear(512, 256);
            {{head}} private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    [Fact]
    public Task A_budget_that_can_be_met_reports_nothing() => VerifyAsync(
        Mlp("[Budget(Keep = 15)]", fc2: "[ParticipationGroup, Budget(KeepFraction = 0.1)]"));

    // ---- PD0029 ----

    [Fact]
    public Task Fewer_groups_than_layers_is_PD0029_on_Keep() => VerifyAsync(
        Mlp("[Budget({|#0:Keep = 1|})]"),
        Expect(DiagnosticDescriptors.BudgetCannotBeMet, 0,
            "Keep = 1 (groups) allows 1 groups, but the least the model can keep is 2 groups (one group in each of its 2 priced layer(s), every other layer as declared)"));

    [Fact]
    public Task A_fraction_that_rounds_below_one_group_is_PD0029_on_KeepFraction() => VerifyAsync(
        Mlp("", fc2: "[ParticipationGroup, Budget({|#0:KeepFraction = 0.001|})]"),
        Expect(DiagnosticDescriptors.BudgetCannotBeMet, 0,
            "KeepFraction = 0.001 (groups) allows 0 groups, but the least the model can keep is 1 groups (one group in each of its 1 priced layer(s), every other layer as declared)"));

    /// <summary>
    /// fc1 gated, fc2 and head not: at one kept group the model still costs 784 * 1 + 1 * 256 + 256 * 10 = 3,600 MACs,
    /// most of it in the ungated layers.
    /// </summary>
    [Fact]
    public Task Fewer_MACs_than_the_ungated_layers_need_is_PD0029() => VerifyAsync(
        Mlp("[Budget({|#0:Keep = 3000|}, Unit = BudgetUnit.Macs)]", fc2: ""),
        Expect(DiagnosticDescriptors.BudgetCannotBeMet, 0,
            "Keep = 3000 (macs) allows 3000 macs, but the least the model can keep is 3600 macs (one group in each of its 1 priced layer(s), every other layer as declared)"));

    private static string ConvFirst(string budget) => $$"""
        {{budget}}
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 4, 3);
            [ParticipationGroup] private readonly Linear fc1 = Linear(2704, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 64);
            private readonly Linear head = Linear(64, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(conv.call(x).flatten(1))))));
        }
        """;

    /// <summary>
    /// A class-level MAC budget on a model with a convolution before the chain: the Linear layers alone would say "at least
    /// 2,704 + 64 + 640 MACs", the whole model needs the convolution's 24,336 more, known only from its output size at run
    /// time; the analyzer leaves the check to the runtime (BudgetController.Create, the same rule on the channel plan)
    /// rather than report a minimum that is not the model's.
    /// </summary>
    [Fact]
    public Task A_class_MAC_budget_on_a_model_with_a_convolution_is_left_to_the_runtime() => VerifyAsync(
        ConvFirst("[Budget(Keep = 2000, Unit = BudgetUnit.Macs)]"));

    /// <summary>In groups the convolution costs nothing the budget counts: the chain's rule holds and is reported.</summary>
    [Fact]
    public Task A_class_budget_in_groups_on_a_model_with_a_convolution_is_still_checked() => VerifyAsync(
        ConvFirst("[Budget({|#0:Keep = 1|})]"),
        Expect(DiagnosticDescriptors.BudgetCannotBeMet, 0,
            "Keep = 1 (groups) allows 1 groups, but the least the model can keep is 2 groups (one group in each of its 2 priced layer(s), every other layer as declared)"));

    [Fact]
    public Task Enough_MACs_for_one_group_report_nothing() => VerifyAsync(
        Mlp("[Budget(Keep = 3600, Unit = BudgetUnit.Macs)]", fc2: ""));

    // ---- PD0030 ----

    [Fact]
    public Task Class_Gamma_under_a_class_budget_is_PD0030_on_Gamma() => VerifyAsync(
        Mlp("[Cost({|#0:Gamma = 0.003|}), Budget(Keep = 20)]"),
        Expect(DiagnosticDescriptors.BudgetOverridesGamma, 0, "'fc1', 'fc2'"));

    [Fact]
    public Task Field_Gamma_under_the_fields_budget_is_PD0030_and_a_Gamma_no_budget_covers_is_not() => VerifyAsync(
        Mlp("", fc1: "[ParticipationGroup, Cost(Gamma = 0.002)]", fc2: "[ParticipationGroup, Cost({|#0:Gamma = 0.003|}), Budget(Keep = 8)]"),
        Expect(DiagnosticDescriptors.BudgetOverridesGamma, 0, "'fc2'"));

    /// <summary>
    /// Gamma = 0.1 alone collapses both layers (PD0024); under a budget the price replaces it, so only PD0030 is reported.
    /// </summary>
    [Fact]
    public Task A_Gamma_that_would_collapse_the_layers_is_only_PD0030_under_a_budget() => VerifyAsync(
        Mlp("[Cost({|#0:Gamma = 0.1|}), Budget(Keep = 20)]"),
        Expect(DiagnosticDescriptors.BudgetOverridesGamma, 0, "'fc1', 'fc2'"));

    [Fact]
    public Task The_same_Gamma_without_a_budget_is_PD0024() => VerifyAsync(
        Mlp("[{|#0:Cost(Gamma = 0.1)|}]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.1", "0.01", "0.01", "10", "9380",
            "||theta_i||^2 = 0.3338 assumed from TorchSharp's default init of Linear(784, 512): (fan_in + 1)/(3*fan_in); " + PaperLength, "Gamma = 0.0007"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc2", "0.1", "0.01", "0.01", "10", "9380",
            "||theta_i||^2 = 0.334 assumed from TorchSharp's default init of Linear(512, 256): (fan_in + 1)/(3*fan_in); " + PaperLength, "Gamma = 0.0007"));

    private const string PaperLength = "T assumed: the paper's 20 epochs x 469 steps; declare [TrainingLength] for yours";

    // ---- PD0031 ----

    [Fact]
    public Task Budget_on_a_field_without_groups_is_PD0031() => VerifyAsync(
        Mlp("", head: "[{|#0:Budget(Keep = 5)|}]"),
        Expect(DiagnosticDescriptors.BudgetWithoutGroups, 0, "head", "it has no [ParticipationGroup], so it has no groups to keep or prune"));

    [Fact]
    public Task Class_budget_when_every_game_layer_has_its_own_is_PD0031() => VerifyAsync(
        Mlp("[{|#0:Budget(Keep = 20)|}]", fc1: "[ParticipationGroup, Budget(Keep = 10)]", fc2: "[ParticipationGroup, Budget(Keep = 5)]"),
        Expect(DiagnosticDescriptors.BudgetWithoutGroups, 0, "Net", "every game layer has a [Budget] of its own"));

    [Fact]
    public Task Budget_on_an_evolving_layer_is_PD0031() => VerifyAsync(
        Mlp("", fc1: "[ParticipationGroup, SelectionDynamics(Dynamics.Replicator), {|#0:Budget(Keep = 10)|}]"),
        Expect(DiagnosticDescriptors.BudgetWithoutGroups, 0, "fc1", "it evolves under [SelectionDynamics], and a budget prices the game's participations"));

    // ---- PD0010 ----

    [Fact]
    public Task Keep_and_KeepFraction_together_and_a_negative_PriceStep_are_PD0010() => VerifyAsync(
        Mlp("[Budget(Keep = 20, {|#0:KeepFraction = 0.5|}, {|#1:PriceStep = -1|})]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Budget", "KeepFraction", "0.5", "cannot be set together with Keep (set one of them)"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "Budget", "PriceStep", "-1", "must lie in (0, 1]"));

    [Fact]
    public Task A_budget_without_Keep_or_KeepFraction_is_PD0010_on_the_attribute() => VerifyAsync(
        Mlp("[{|#0:Budget(SettleEpochs = 2)|}]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Budget", "Keep", "0", "or KeepFraction must be set (neither is)"));
}
