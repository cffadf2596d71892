using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using PruneDsl.Spec;
using static PruneDsl.SourceGenerators.Tests.Harness;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.CodeFixers;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>Every code fix produces the expected code, and the fixed code has no diagnostic left.</summary>
public class CodeFixTests
{
    private const string Fc1Norm = "||theta_i||^2 = 0.3338 assumed from TorchSharp's default init of Linear(784, 512): (fan_in + 1)/(3*fan_in)";
    private const string Fc2Norm = "||theta_i||^2 = 0.334 assumed from TorchSharp's default init of Linear(512, 256): (fan_in + 1)/(3*fan_in)";
    private const string PaperLength = "T assumed: the paper's 20 epochs x 469 steps; declare [TrainingLength] for yours";
    private const string DeclaredLength = "T from [TrainingLength]: 20 epochs x 469 steps";

    private static string TwoLayer(string classAttributes, string fc1Attributes, string fc2Attributes) => $$"""
        {{classAttributes}}
        public partial class Mlp : Module<Tensor, Tensor>
        {
            {{fc1Attributes}} private readonly Linear fc1 = Linear(784, 512);
            {{fc2Attributes}} private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);

            public Mlp() : base(nameof(Mlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    // ---- PD0001 (the generator's): see MakePartialCodeFixTests ----

    // ---- PD0011, PD0012, PD0024: set the costs the analyzer computed ----

    private const string Selective = "Beta = 0, Gamma = 0.0007, LearningRate = 0.16";

    [Fact]
    public Task Very_high_beta_gets_selective_costs_on_the_class_cost() => VerifyFixAsync<SetCostCodeFix>(
        TwoLayer("[{|#0:Cost(Alpha = 1.0, Beta = 0.1, Gamma = 0.0, LearningRate = 0.001)|}]", "[ParticipationGroup]", "[ParticipationGroup]"),
        TwoLayer("[Cost(Alpha = 1.0, Beta = 0, Gamma = 0.0007, LearningRate = 0.16)]", "[ParticipationGroup]", "[ParticipationGroup]"),
        new[]
        {
            Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective),
            Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc2", "0.0668", "0.01", "0.01", "7485", "9380", Fc2Norm + "; " + PaperLength, Selective),
        });

    [Fact]
    public Task Missing_settings_are_appended_to_the_field_cost() => VerifyFixAsync<SetCostCodeFix>(
        TwoLayer("[Cost(Gamma = 0, LearningRate = 0.001)]", "[ParticipationGroup, {|#0:Cost(Beta = 0.1)|}]", "[ParticipationGroup, {|#1:Cost(Gamma = 0.05)|}]"),
        TwoLayer("[Cost(Gamma = 0, LearningRate = 0.001)]", "[ParticipationGroup, Cost(Beta = 0, Gamma = 0.0007, LearningRate = 0.16)]", "[ParticipationGroup, Cost(Gamma = 0.0007, LearningRate = 0.16)]"),
        new[]
        {
            Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective),
            Expect(DiagnosticDescriptors.CostCannotPrune, 1, "fc2", Drift("0.05"), "0.531", "0.01", "9380", Fc2Norm + "; " + PaperLength, "Gamma = 0.0007, LearningRate = 0.16"),
        });

    [Fact]
    public Task L1_strong_gets_a_gamma_below_the_benefits_and_the_step_that_lets_it_act() => VerifyFixAsync<SetCostCodeFix>(
        TwoLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469), {|#0:Cost(Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)|}]", "[ParticipationGroup]", "[ParticipationGroup]"),
        TwoLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469), Cost(Beta = 0.001, Gamma = 0.0007, LearningRate = 0.11)]", "[ParticipationGroup]", "[ParticipationGroup]"),
        new[]
        {
            Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1", Drift("0.1007"), "0.04174", "0.01", "9380", Fc1Norm + "; " + DeclaredLength, "Gamma = 0.0007, LearningRate = 0.11"),
            Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc2", Drift("0.1007"), "0.04173", "0.01", "9380", Fc2Norm + "; " + DeclaredLength, "Gamma = 0.0007, LearningRate = 0.11"),
        });

    [Fact]
    public Task L1_budget_too_small_raises_the_step() => VerifyFixAsync<SetCostCodeFix>(
        TwoLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469), {|#0:Cost(Gamma = 0.005, LearningRate = 0.01)|}]", "[ParticipationGroup]", "[ParticipationGroup]"),
        TwoLayer("[TrainingLength(Epochs = 20, StepsPerEpoch = 469), Cost(Gamma = 0.005, LearningRate = 0.022)]", "[ParticipationGroup]", "[ParticipationGroup]"),
        new[]
        {
            Expect(DiagnosticDescriptors.L1BudgetTooSmall, 0, "fc1", "0.469", "9380", "0.531", "0.01", Fc1Norm, "LearningRate = 0.022"),
            Expect(DiagnosticDescriptors.L1BudgetTooSmall, 0, "fc2", "0.469", "9380", "0.531", "0.01", Fc2Norm, "LearningRate = 0.022"),
        });

    /// <summary>No [Cost] applies (library defaults) and the declared training is too short for them.</summary>
    [Fact]
    public Task Defaults_get_a_cost_attribute_beside_the_group()
    {
        var budget = (CostDefaults.LearningRate * CostDefaults.Gamma * 938).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
        var remaining = (1 - CostDefaults.LearningRate * CostDefaults.Gamma * 938).ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
        return VerifyFixAsync<SetCostCodeFix>(
            TwoLayer("[TrainingLength(Epochs = 2, StepsPerEpoch = 469)]", "[{|#0:ParticipationGroup|}]", "[{|#1:ParticipationGroup|}]"),
            TwoLayer("[TrainingLength(Epochs = 2, StepsPerEpoch = 469)]", "[ParticipationGroup, Cost(Gamma = 0.0011)]", "[ParticipationGroup, Cost(Gamma = 0.0011)]"),
            new[]
            {
                Expect(DiagnosticDescriptors.L1BudgetTooSmall, 0, "fc1", budget, "938", remaining, "0.01", Fc1Norm, "Gamma = 0.0011"),
                Expect(DiagnosticDescriptors.L1BudgetTooSmall, 1, "fc2", budget, "938", remaining, "0.01", Fc2Norm, "Gamma = 0.0011"),
            });
    }

    private static string Drift(string pull) =>
        "the cost pull Gamma + 2*Beta*||theta_i||^2 = " + pull + " outweighs every group's benefit (at most about Alpha*0.01 under a mean-reduced loss), so every participation drifts down together, and with the weights growing to hold s_i*theta_i the drift";

    // ---- PD0018 ----

    [Fact]
    public Task Malformed_pattern_is_replaced_by_the_nearest_valid_one() => VerifyFixAsync<FixSparsityPatternCodeFix>("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [Sparsity({|#0:"4:2"|})] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, """
        public partial class Net : Module<Tensor, Tensor>
        {
            [Sparsity("2:4")] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, new[] { Expect(DiagnosticDescriptors.InvalidSparsityPattern, 0, "fc1", "'4:2': N must be smaller than M (N:M keeps N weights of every M)", "2:4") });

    // ---- PD0017 ----

    [Fact]
    public Task Group_and_field_cost_are_removed_from_the_output_layer() => VerifyFixAsync<RemoveOutputGroupCodeFix>("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [{|#0:ParticipationGroup|}, Cost(Gamma = 0.001)] private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, """
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, new[] { Expect(DiagnosticDescriptors.GroupOnOutputLayer, 0, "head", "forward() returns its output") });

    [Fact]
    public Task Other_attributes_of_the_output_layer_stay() => VerifyFixAsync<RemoveOutputGroupCodeFix>("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);

            [{|#0:ParticipationGroup|}]
            [Sparsity("2:4")]
            private readonly Linear head = Linear(512, 12);

            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, """
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);

            [Sparsity("2:4")]
            private readonly Linear head = Linear(512, 12);

            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """, new[] { Expect(DiagnosticDescriptors.GroupOnOutputLayer, 0, "head", "forward() returns its output") });

    // ---- PD0023 ----

    [Fact]
    public Task Forward_becomes_call() => VerifyFixAsync<UseCallCodeFix>("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.forward(fc1.{|#0:forward|}(x));
        }
        """, """
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.forward(fc1.call(x));
        }
        """, new[] { Expect(DiagnosticDescriptors.GateBypassed, 0, "fc1") });
}
