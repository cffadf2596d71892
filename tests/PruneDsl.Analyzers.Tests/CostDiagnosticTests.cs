using System.Threading.Tasks;
using PruneDsl.Spec;
using static PruneDsl.Analyzers.Tests.Harness;

namespace PruneDsl.Analyzers.Tests;

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
        Expect(DiagnosticCatalog.InvalidSetting, 0, "Cost", "Beta", "-0.1", "must be a finite number greater than or equal to 0"));

    [Fact]
    public Task NaN_rate_infinite_gamma_and_epsilon_outside_the_interval_are_each_PD0010() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, Cost({|#0:LearningRate = double.NaN|}, {|#1:Gamma = double.PositiveInfinity|}, {|#2:Epsilon = 1.5|})]"),
        Expect(DiagnosticCatalog.InvalidSetting, 1, "Cost", "Gamma", "Infinity", "must be a finite number greater than or equal to 0"),
        Expect(DiagnosticCatalog.InvalidSetting, 0, "Cost", "LearningRate", "NaN", "must be a finite number greater than 0"),
        Expect(DiagnosticCatalog.InvalidSetting, 2, "Cost", "Epsilon", "1.5", "must lie in the open interval (0, 1)"));

    [Fact]
    public Task Zero_alpha_negative_eta_and_undefined_benefit_are_PD0010() => VerifyAsync(
        OneLayer("[Cost({|#0:Alpha = 0|}, {|#1:Eta = -1|}, {|#2:Benefit = (BenefitSign)7|})]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.InvalidSetting, 0, "Cost", "Alpha", "0", "must be a finite number greater than 0"),
        Expect(DiagnosticCatalog.InvalidSetting, 1, "Cost", "Eta", "-1", "must be a finite number greater than or equal to 0"),
        Expect(DiagnosticCatalog.InvalidSetting, 2, "Cost", "Benefit", "7", "is not a defined BenefitSign"));

    [Fact]
    public Task Invalid_selection_dynamics_and_prune_settings_are_PD0010_on_the_argument() => VerifyAsync(
        OneLayer("[SelectionDynamics(Dynamics.Replicator, {|#0:LearningRate = -1|}, {|#1:TargetSparsity = 1.0|})]",
            "[ParticipationGroup, Prune(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, {|#2:Sparsity = 1.5|})]"),
        Expect(DiagnosticCatalog.InvalidSetting, 0, "SelectionDynamics", "LearningRate", "-1", "must be a finite number greater than 0"),
        Expect(DiagnosticCatalog.InvalidSetting, 1, "SelectionDynamics", "TargetSparsity", "1", "must lie in [0, 1)"),
        Expect(DiagnosticCatalog.InvalidSetting, 2, "Prune", "Sparsity", "1.5", "must lie in [0, 1)"));

    [Fact]
    public Task Invalid_training_length_is_PD0010_on_the_argument_or_the_attribute() => VerifyAsync(
        OneLayer("[TrainingLength({|#0:Epochs = 0|}, StepsPerEpoch = 469)]", "[ParticipationGroup]")
        + "\n[{|#1:TrainingLength|}] public partial class Other : Module<Tensor, Tensor>\n{\n    [ParticipationGroup] private readonly Linear fc = Linear(8, 8);\n    public Other() : base(\"Other\") { }\n    public override Tensor forward(Tensor x) => x;\n}",
        Expect(DiagnosticCatalog.InvalidSetting, 0, "TrainingLength", "Epochs", "0", "must be at least 1"),
        Expect(DiagnosticCatalog.InvalidSetting, 1, "TrainingLength", "Epochs", "0", "must be at least 1"),
        Expect(DiagnosticCatalog.InvalidSetting, 1, "TrainingLength", "StepsPerEpoch", "0", "must be at least 1"));

    // ---- PD0011 ----

    [Fact]
    public Task Declared_length_replaces_the_papers_in_PD0011() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469)]\n[{|#0:Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0.6261", "9380", "0.5346", "0.01", Fc1Norm + "; " + DeclaredLength, "0.076"));

    [Fact]
    public Task A_longer_declared_training_lets_the_L2_term_prune() =>
        VerifyAsync(OneLayer("[TrainingLength(Epochs = 40, StepsPerEpoch = 469)]\n[Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)]", "[ParticipationGroup]"));

    [Fact]
    public Task Field_level_cost_is_the_location_of_PD0011_and_the_class_settings_are_merged() => VerifyAsync(
        OneLayer("[Cost(Beta = 0.1, LearningRate = 0.001)]", "[ParticipationGroup, {|#0:Cost(Gamma = 0)|}]"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0.6261", "9380", "0.5346", "0.01", Fc1Norm + "; " + PaperLength, "0.076"));

    [Fact]
    public Task No_cost_at_all_is_PD0011_with_a_zero_pull() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0", "9380", "1", "0.01", Fc1Norm + "; " + PaperLength, "0.11"));

    [Fact]
    public Task Non_constant_fan_in_assumes_the_large_fan_in_limit() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)|}]", "[ParticipationGroup]", "Linear(Inputs, 512)", "private static readonly int Inputs = 784;"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0.6253", "9380", "0.5351", "0.01",
            "||theta_i||^2 = 1/3 assumed: the large-fan-in limit of TorchSharp's default Linear init, (fan_in + 1)/(3*fan_in), since the layer's fan-in is not a compile-time constant; " + PaperLength,
            "0.076"));

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
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0.6261", "9380", "0.5346", "0.01", Fc1Norm + "; " + PaperLength, "0.076"));

    [Fact]
    public Task Competition_alone_can_prune_so_only_its_cost_note_is_reported() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.1, Gamma = 0, Eta = 0.01, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    // ---- PD0012 ----

    [Fact]
    public Task L1_strong_with_the_papers_declared_length_is_PD0012() => VerifyAsync(
        OneLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469)]\n[{|#0:Cost(Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.L1BudgetTooSmall, 0, "fc1", "0.938", "9380", "0.05869", "0.01", Fc1Norm, "0.11"));

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
        Expect(DiagnosticCatalog.L1BudgetTooSmall, 0, "fc1", Budget(938), "938", Remaining(938), "0.01", Fc1Norm, "0.0011"),
        Expect(DiagnosticCatalog.L1BudgetTooSmall, 1, "fc2", Budget(938), "938", Remaining(938), "0.01", Fc2Norm, "0.0011"));

    /// <summary>lr_s Gamma T and 1 - lr_s Gamma T for the defaults (Beta = 0), formatted as the messages format them.</summary>
    private static string Budget(long updates) => (CostDefaults.LearningRate * CostDefaults.Gamma * updates).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    private static string Remaining(long updates) => (1 - CostDefaults.LearningRate * CostDefaults.Gamma * updates).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public Task A_long_enough_declared_training_clears_PD0012() =>
        VerifyAsync(OneLayer("[TrainingLength(Epochs = 40, StepsPerEpoch = 469)]\n[Cost(Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)]", "[ParticipationGroup]"));

    [Fact]
    public Task Without_a_declared_length_PD0012_is_not_reported() =>
        VerifyAsync(OneLayer("[Cost(Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)]", "[ParticipationGroup]"));

    // ---- PD0013, PD0014 ----

    [Fact]
    public Task Step_ratio_between_1_and_2_is_PD0013() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Beta = 1000, LearningRate = 0.002)|}]"),
        Expect(DiagnosticCatalog.StepOvershoots, 0, "fc1", "1.335", Fc1Norm, "0.001498"));

    [Fact]
    public Task Step_ratio_of_2_or_more_is_PD0014() => VerifyAsync(
        OneLayer("", "[ParticipationGroup, {|#0:Cost(Beta = 2000, LearningRate = 0.002)|}]"),
        Expect(DiagnosticCatalog.StepDiverges, 0, "fc1", "2.67", "1.67", Fc1Norm, "0.000749"));

    [Fact]
    public Task Step_ratio_just_below_1_is_quiet() =>
        VerifyAsync(OneLayer("", "[ParticipationGroup, Cost(Beta = 1000, LearningRate = 0.0014)]"));

    // ---- PD0015, PD0016 ----

    [Fact]
    public Task Eta_equal_to_twice_beta_is_PD0015_with_the_init_limit_and_PD0016() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.05, Gamma = 0.05, Eta = 0.1, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.CompetitionNotUnique, 0, "fc1", "0.1", "0.1",
            "with N = 512 groups of width d = 785 the curvature is still positive at initialisation (for Eta < 0.1038), but that limit falls to 2*Beta as the trained groups become correlated"),
        Expect(DiagnosticCatalog.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    [Fact]
    public Task Eta_above_the_init_limit_is_PD0015_already_at_initialisation() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.05, Eta = 0.2, LearningRate = 0.001)|}]", "[ParticipationGroup]"),
        Expect(DiagnosticCatalog.CompetitionNotUnique, 0, "fc1", "0.2", "0.1",
            "with N = 512 groups of width d = 785 the curvature is negative in some directions already at initialisation, where it stays positive only for Eta < 0.1038"),
        Expect(DiagnosticCatalog.CompetitionCost, 0, "fc1", "803840", "512", "785"));

    [Fact]
    public Task More_groups_than_width_is_PD0015_with_a_singular_gram_matrix() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.05, Eta = 0.2, LearningRate = 0.001)|}]", "[ParticipationGroup]", "Linear(100, 512)"),
        Expect(DiagnosticCatalog.CompetitionNotUnique, 0, "fc1", "0.2", "0.1",
            "with N = 512 groups of width d = 101 < N the Gram matrix of the groups is singular, so some directions of s have negative curvature for any weights"),
        Expect(DiagnosticCatalog.CompetitionCost, 0, "fc1", "103424", "512", "101"));

    [Fact]
    public Task Unknown_sizes_give_PD0015_without_numbers_and_no_PD0016() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.05, Eta = 0.2, LearningRate = 0.001)|}]", "[ParticipationGroup]", "Linear(Inputs, 512)", "private static readonly int Inputs = 784;"),
        Expect(DiagnosticCatalog.CompetitionNotUnique, 0, "fc1", "0.2", "0.1",
            "the curvature (2*Beta - Eta)*||theta_i||^2 + Eta*lambda_min(Gram) turns negative once the groups are correlated"));

    [Fact]
    public Task Eta_below_twice_beta_is_only_the_PD0016_cost_note() => VerifyAsync(
        OneLayer("[{|#0:Cost(Beta = 0.05, Eta = 0.05, LearningRate = 0.001)|}]", "[ParticipationGroup]", "Linear(784, 512, hasBias: false)"),
        Expect(DiagnosticCatalog.CompetitionCost, 0, "fc1", "802816", "512", "784"));
}
