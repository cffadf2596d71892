using System.Threading.Tasks;
using PruneDsl.Spec;
using static PruneDsl.SourceGenerators.Tests.Harness;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>PD0010-PD0016: each fires at its exact span with its exact message arguments, and stays quiet on good settings.</summary>
public class CostDiagnosticTests
{
    private const string Fc1Norm = "||theta_i||^2 = 0.3338 assumed from TorchSharp's default init of Linear(784, 512): (fan_in + 1)/(3*fan_in)";
    private const string Fc2Norm = "||theta_i||^2 = 0.334 assumed from TorchSharp's default init of Linear(512, 256): (fan_in + 1)/(3*fan_in)";
    private const string PaperLength = "T assumed: the paper's 20 epochs x 469 steps; declare [TrainingLength] for yours";
    private const string DeclaredLength = "T from [TrainingLength]: 20 epochs x 469 steps";

    /// <summary>A one-layer model: <paramref name="classAttributes"/> on the class, <paramref name="fieldAttributes"/> on fc1.</summary>
    private static string OneLayer(string classAttributes, string fieldAttributes, string layer = "Linear(784, 512)", string members = "") => $$"""
        {{classAttributes}}
        public partial class Net : Module<Tensor, Tensor>
        {
            {{fieldAttributes}} private readonly Linear fc1 = {{layer}};
            private readonly Linear head = Linear(512, 10);
            {{members}}
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
        }
        """;

    // ---- PD0010 ----

    [Fact]
    public Task Negative_beta_is_PD0010_on_the_argument() => VerifyAsync(
        OneLayer("[Cost({|#0:Beta = -0.1|}, Gamma = 0)]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Cost", "Beta", "-0.1", "must be a finite number greater than or equal to 0"));

    [Fact]
    public Task NaN_rate_infinite_gamma_and_epsilon_outside_the_interval_are_each_PD0010() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, Cost({|#0:LearningRate = double.NaN|}, {|#1:Gamma = double.PositiveInfinity|}, {|#2:Epsilon = 1.5|})]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "Cost", "Gamma", "Infinity", "must be a finite number greater than or equal to 0"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Cost", "LearningRate", "NaN", "must be a finite number greater than 0"),
        Expect(DiagnosticDescriptors.InvalidSetting, 2, "Cost", "Epsilon", "1.5", "must lie in the open interval (0, 1)"));

    [Fact]
    public Task Zero_alpha_negative_eta_and_undefined_benefit_are_PD0010() => VerifyAsync(
        OneLayer("[Cost({|#0:Alpha = 0|}, {|#1:Eta = -1|}, {|#2:Benefit = (BenefitSign)7|})]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Cost", "Alpha", "0", "must be a finite number greater than 0"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "Cost", "Eta", "-1", "must be a finite number greater than or equal to 0"),
        Expect(DiagnosticDescriptors.InvalidSetting, 2, "Cost", "Benefit", "7", "is not a defined BenefitSign"));

    [Fact]
    public Task Invalid_selection_dynamics_and_prune_settings_are_PD0010_on_the_argument() => VerifyAsync(
        OneLayer("[SelectionDynamics(Dynamics.Replicator, {|#0:LearningRate = -1|}, {|#1:TargetSparsity = 1.0|})]",
            "[ParticipationGroup, Prune(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, {|#2:Sparsity = 1.5|})]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "SelectionDynamics", "LearningRate", "-1", "must be a finite number greater than 0"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "SelectionDynamics", "TargetSparsity", "1", "must lie in [0, 1)"),
        Expect(DiagnosticDescriptors.InvalidSetting, 2, "Prune", "Sparsity", "1.5", "must lie in [0, 1)"));

    /// <summary>Found by RandomModelPropertyTests: a class whose only PruneDsl attributes were these two was not analyzed.</summary>
    [Fact]
    public Task Class_level_dynamics_and_prune_are_PD0010_without_any_annotated_field() => VerifyAsync("""
        [{|#0:SelectionDynamics((Dynamics)5)|}, {|#1:Prune((Criterion)(-1), Sparsity = 0.5)|}]
        public sealed class Plain : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 2);
            public Plain() : base(nameof(Plain)) => RegisterComponents();
            public override Tensor forward(Tensor x) => fc1.call(x);
        }
        """,
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "SelectionDynamics", "Kind", "5", "is not a defined Dynamics"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "Prune", "Criterion", "-1", "is not a defined Criterion"));

    [Fact]
    public Task Invalid_training_length_is_PD0010_on_the_argument_or_the_attribute() => VerifyAsync(
        OneLayer("[TrainingLength({|#0:Epochs = 0|}, StepsPerEpoch = 469)]", "[ParticipationGroup]")
        + "\n[{|#1:TrainingLength|}] public partial class Other : Module<Tensor, Tensor>\n{\n    [ParticipationGroup] private readonly Linear fc = Linear(8, 8);\n    public Other() : base(\"Other\") { }\n    public override Tensor forward(Tensor x) => x;\n}",
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "TrainingLength", "Epochs", "0", "must be at least 1"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "TrainingLength", "Epochs", "0", "must be at least 1"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "TrainingLength", "StepsPerEpoch", "0", "must be at least 1"));

    // ---- PD0011, PD0024: what the costs do over the training (the paper's rows: PaperConfigurationTests) ----

    private const string Selective = "Beta = 0, Gamma = 0.0007, LearningRate = 0.16";

    [Fact]
    public Task Declared_length_replaces_the_papers_in_PD0024() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469)]\n[{|#0:Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + DeclaredLength, Selective));

    /// <summary>Below the benefits, with Gamma = Eta = 0, only the L2 relaxation can prune: a short training is too short for it.</summary>
    [Fact]
    public Task A_short_declared_training_is_PD0011_for_the_L2_relaxation() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 1, StepsPerEpoch = 20)]\n[{|#0:Cost(Beta = 0.005, Gamma = 0)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1", NoExactZero("0.06675"), "0.9353", "0.01", "20",
            Fc1Norm + "; T from [TrainingLength]: 1 epochs x 20 steps", "Gamma = 0.0007, LearningRate = 25"));

    [Fact]
    public Task A_longer_declared_training_lets_the_L2_term_prune() =>
        VerifyAsync(OneLayer("[TrainingLength(Epochs = 1, StepsPerEpoch = 469)]\n[Cost(Beta = 0.005, Gamma = 0)]", "[ParticipationGroup]"));

    [Fact]
    public Task Field_level_cost_is_the_location_and_the_class_settings_are_merged() => VerifyAsync(
        OneLayer("[Cost(Beta = 0.1, LearningRate = 0.001)]", "[ParticipationGroup, {|#0:Cost(Gamma = 0)|}]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective));

    [Fact]
    public Task No_cost_at_all_is_PD0011_with_a_zero_pull() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1", NoExactZero("0"), "1", "0.01", "9380", Fc1Norm + "; " + PaperLength, "Gamma = 0.0007, LearningRate = 0.16"));

    [Fact]
    public Task Non_constant_fan_in_assumes_the_large_fan_in_limit() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]", "Linear(Inputs, 512)", "private static readonly int Inputs = 784;"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06667", "0.01", "0.01", "7500", "9380",
            "||theta_i||^2 = 1/3 assumed: the large-fan-in limit of TorchSharp's default Linear init, (fan_in + 1)/(3*fan_in), since the layer's fan-in is not a compile-time constant; " + PaperLength,
            Selective));

    [Fact]
    public Task Sizes_assigned_in_the_constructor_and_named_constants_are_read() => VerifyAsync("""
        [{|#0:Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)|}]
        public partial class Net : Module<Tensor, Tensor>
        {
            private const long Hidden = 512;
            [ParticipationGroup] private readonly Linear fc1;
            private readonly Linear head;

            public Net() : base(nameof(Net))
            {
                fc1 = Linear(inputSize: 784, outputSize: Hidden);
                this.head = Linear(Hidden, 10);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """,
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective));

    /// <summary>Below the benefits, competition can take a group to exactly 0 (Eq. 15), so only its cost note is reported.</summary>
    [Fact]
    public Task Competition_alone_can_prune_so_only_its_cost_note_is_reported() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.001, Gamma = 0, Eta = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    /// <summary>Competition does not save a layer whose L2 term alone outweighs every benefit.</summary>
    [Fact]
    public Task Competition_does_not_save_a_collapsing_layer() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.1, Gamma = 0, Eta = 0.01, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    /// <summary>Gamma alone above the benefits, with PruneDsl's step size: every participation is gone within 10 updates.</summary>
    [Fact]
    public Task A_gamma_above_the_benefits_collapses_the_layer_and_the_fix_is_the_default_gamma() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Gamma = 0.1)|}]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.1", "0.01", "0.01", "10", "9380", Fc1Norm + "; " + PaperLength, "Gamma = 0.0007"));

    private static string NoExactZero(string l2Pull) =>
        "with Gamma = 0 and Eta = 0 no cost term reaches s = 0, and under an L2 pull 2*LearningRate*Beta*||theta_i||^2*T of " + l2Pull + " a group with no benefit";

    // ---- PD0012 ----

    /// <summary>Below the benefits with Gamma &gt; 0, but the step too small for the declared training: the fix raises the step.</summary>
    [Fact]
    public Task Small_step_with_the_papers_declared_length_is_PD0012() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469)]\n[{|#0:Cost(Gamma = 0.005, LearningRate = 0.01)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.L1BudgetTooSmall, 0, "fc1", "0.469", "9380", "0.531", "0.01", Fc1Norm, "LearningRate = 0.022"));

    /// <summary>L1 Strong with its length declared: the pull outweighs the benefits, so it is the uniform drift of PD0011, not PD0012.</summary>
    [Fact]
    public Task L1_strong_with_the_papers_declared_length_is_PD0011() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469)]\n[{|#0:Cost(Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1",
            "the cost pull Gamma + 2*Beta*||theta_i||^2 = 0.1007 outweighs every group's benefit (at most about Alpha*0.01 under a mean-reduced loss), so every participation drifts down together, and with the weights growing to hold s_i*theta_i the drift",
            "0.04174", "0.01", "9380", Fc1Norm + "; " + DeclaredLength, "Gamma = 0.0007, LearningRate = 0.11"));

    /// <summary>The library defaults (Beta 0, Gamma 7e-4, lr_s 1) with a training too short for them: reported on each group.</summary>
    [Fact]
    public Task Defaults_with_a_short_declared_length_are_PD0012_on_each_group_attribute() => VerifyAsync($$"""
        [TrainingLength(Epochs = 2, StepsPerEpoch = 469)]
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|#0:ParticipationGroup|}] private readonly Linear fc1 = Linear(784, 512);
            [{|#1:ParticipationGroup|}] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc2.call(fc1.call(x)));
        }
        """,
        Expect(DiagnosticDescriptors.L1BudgetTooSmall, 0, "fc1", Budget(938), "938", Remaining(938), "0.01", Fc1Norm, "Gamma = 0.0011"),
        Expect(DiagnosticDescriptors.L1BudgetTooSmall, 1, "fc2", Budget(938), "938", Remaining(938), "0.01", Fc2Norm, "Gamma = 0.0011"));

    /// <summary>lr_s Gamma T and 1 - lr_s Gamma T for the defaults (Beta = 0), formatted as the messages format them.</summary>
    private static string Budget(long updates) => (CostDefaults.LearningRate * CostDefaults.Gamma * updates).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    private static string Remaining(long updates) => (1 - CostDefaults.LearningRate * CostDefaults.Gamma * updates).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public Task A_long_enough_declared_training_clears_PD0012() =>
        VerifyAsync(OneLayer("[TrainingLength(Epochs = 50, StepsPerEpoch = 469)]\n[Cost(Gamma = 0.005, LearningRate = 0.01)]", "[ParticipationGroup]"));

    [Fact]
    public Task Without_a_declared_length_PD0012_is_not_reported() =>
        VerifyAsync(OneLayer("[Cost(Gamma = 0.005, LearningRate = 0.01)]", "[ParticipationGroup]"));

    // ---- PD0013, PD0014 ----

    /// <summary>
    /// A Conv2d group is one output channel: its filter (in_channels/groups*kh*kw = 16*3*3 = 144 weights) and its bias, with
    /// TorchSharp's default init as for a Linear of that fan-in: ||theta_i||^2 = 145/432 = 0.3356, so Beta = 2 pulls with
    /// 2*2*0.3356 = 1.343, far above any benefit: PD0024, with the convolution's own norm.
    /// </summary>
    [Fact]
    public Task Conv2d_groups_are_checked_with_the_filter_s_fan_in() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup, {|#0:Cost(Beta = 2, LearningRate = 0.5)|}] private readonly Conv2d conv = Conv2d(16, 32, 3);
            private readonly Conv2d head = Conv2d(32, 10, 1);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(conv.call(x)));
        }
        """,
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "conv", "1.343", "0.01", "0.01", "1", "9380",
            "||theta_i||^2 = 0.3356 assumed from TorchSharp's default init of Conv2d(16, 32, 3): (fan_in + 1)/(3*fan_in); " + PaperLength, "Beta = 0"));

    [Fact]
    public Task Step_ratio_between_1_and_2_is_PD0013() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Beta = 1000, LearningRate = 0.002)|}]"),
        Expect(DiagnosticDescriptors.StepOvershoots, 0, "fc1", "1.335", Fc1Norm, "0.001498"));

    [Fact]
    public Task Step_ratio_of_2_or_more_is_PD0014() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Beta = 2000, LearningRate = 0.002)|}]"),
        Expect(DiagnosticDescriptors.StepDiverges, 0, "fc1", "2.67", "1.67", Fc1Norm, "0.000749"));

    /// <summary>Just below 1 the step is stable (no PD0013); at Beta = 1000 the costs then collapse the layer within an update.</summary>
    [Fact]
    public Task Step_ratio_just_below_1_is_not_PD0013() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Beta = 1000, LearningRate = 0.0014)|}]"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "667.5", "0.01", "0.01", "1", "9380", Fc1Norm + "; " + PaperLength, "Beta = 0, LearningRate = 0.16"));

    // ---- PD0015, PD0016 ----

    [Fact]
    public Task Eta_equal_to_twice_beta_is_PD0015_with_the_init_limit_and_PD0016() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.005, Eta = 0.01)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CompetitionNotUnique, 0, "fc1", "0.01", "0.01",
            "with N = 512 groups of width d = 785 the curvature is still positive at initialisation (for Eta < 0.01038), but that limit falls to 2*Beta as the trained groups become correlated"),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    [Fact]
    public Task Eta_above_the_init_limit_is_PD0015_already_at_initialisation() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.005, Eta = 0.02)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticDescriptors.CompetitionNotUnique, 0, "fc1", "0.02", "0.01",
            "with N = 512 groups of width d = 785 the curvature is negative in some directions already at initialisation, where it stays positive only for Eta < 0.01038"),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    [Fact]
    public Task More_groups_than_width_is_PD0015_with_a_singular_gram_matrix() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.005, Eta = 0.02)|}]", "[ParticipationGroup]", "Linear(100, 512)"),
        Expect(DiagnosticDescriptors.CompetitionNotUnique, 0, "fc1", "0.02", "0.01",
            "with N = 512 groups of width d = 101 < N the Gram matrix of the groups is singular, so some directions of s have negative curvature for any weights"),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "103424", "512", "101"));

    [Fact]
    public Task Unknown_sizes_give_PD0015_without_numbers_and_no_PD0016() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.005, Eta = 0.02)|}]", "[ParticipationGroup]", "Linear(Inputs, 512)", "private static readonly int Inputs = 784;"),
        Expect(DiagnosticDescriptors.CompetitionNotUnique, 0, "fc1", "0.02", "0.01",
            "the curvature (2*Beta - Eta)*||theta_i||^2 + Eta*lambda_min(Gram) turns negative once the groups are correlated"));

    [Fact]
    public Task Eta_below_twice_beta_is_only_the_PD0016_cost_note() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.005, Eta = 0.005)|}]", "[ParticipationGroup]", "Linear(784, 512, hasBias: false)"),
        Expect(DiagnosticDescriptors.CompetitionCost, 0, "fc1", "802816", "512", "784"));
}
