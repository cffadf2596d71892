using System;
using System.Threading.Tasks;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Rules;
using PruneDsl.Spec;
using static PruneDsl.SourceGenerators.Tests.Harness;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The paper's four configurations (784-512-256-10, alpha 1, lr_s 0.001, 20 epochs x 469 steps) as README's "Results on
/// MNIST" measured them (`dotnet run --project examples/MnistGame -c Release -- --config paper`), each classified by the
/// analyzer the way it behaved, with its location:
/// <list type="bullet">
/// <item>Very High Beta (beta 0.1, gamma 0): every participation decays; 95.05% pruned, 11.35% accuracy (dead at epoch 17).</item>
/// <item>Extreme Beta (beta 0.5, gamma 0): 95.57% pruned, 11.35% (dead from epoch 8).</item>
/// <item>L1 Sparsity Strong (beta 0.001, gamma 0.1): 0.00% pruned; every participation drifts down together (81% below 0.05), none reaches 0.01.</item>
/// <item>L1+L2 Combined (beta 0.05, gamma 0.05): 95.05% pruned, 11.35% (dead at epoch 18).</item>
/// </list>
/// and the paper's mild penalties (Beta 1e-4 to 5e-3, Gamma 0: "no collapse", nothing pruned).
/// </summary>
public class PaperConfigurationTests
{
    private static string Mlp(string name, string cost) => $$"""
        namespace Examples;

        [{{cost}}]
        public partial class {{name}} : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);

            public {{name}}() : base(nameof({{name}})) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    private const string PaperLength = "T assumed: the paper's 20 epochs x 469 steps; declare [TrainingLength] for yours";
    private const string Fc1Norm = "||theta_i||^2 = 0.3338 assumed from TorchSharp's default init of Linear(784, 512): (fan_in + 1)/(3*fan_in)";
    private const string Fc2Norm = "||theta_i||^2 = 0.334 assumed from TorchSharp's default init of Linear(512, 256): (fan_in + 1)/(3*fan_in)";
    private const string Selective = "Beta = 0, Gamma = 0.0007, LearningRate = 0.16";

    [Fact]
    public Task Very_high_beta_collapses_every_participation() => VerifyAsync(
        Mlp("VeryHighBeta", "{|#0:Cost(Alpha = 1.0, Beta = 0.1, Gamma = 0.0, LearningRate = 0.001)|}"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.06675", "0.01", "0.01", "7490", "9380", Fc1Norm + "; " + PaperLength, Selective),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc2", "0.0668", "0.01", "0.01", "7485", "9380", Fc2Norm + "; " + PaperLength, Selective));

    [Fact]
    public Task Extreme_beta_collapses_every_participation() => VerifyAsync(
        Mlp("ExtremeBeta", "{|#0:Cost(Alpha = 1.0, Beta = 0.5, Gamma = 0.0, LearningRate = 0.001)|}"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.3338", "0.01", "0.01", "1498", "9380", Fc1Norm + "; " + PaperLength, Selective),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc2", "0.334", "0.01", "0.01", "1497", "9380", Fc2Norm + "; " + PaperLength, Selective));

    [Fact]
    public Task L1_strong_drifts_every_participation_down_and_prunes_nothing() => VerifyAsync(
        Mlp("L1Strong", "{|#0:Cost(Alpha = 1.0, Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)|}"),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1", Drift("0.1007"), "0.04174", "0.01", "9380", Fc1Norm + "; " + PaperLength, L1StrongFix),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc2", Drift("0.1007"), "0.04173", "0.01", "9380", Fc2Norm + "; " + PaperLength, L1StrongFix));

    [Fact]
    public Task L1_plus_L2_collapses_every_participation() => VerifyAsync(
        Mlp("L1L2", "{|#0:Cost(Alpha = 1.0, Beta = 0.05, Gamma = 0.05, LearningRate = 0.001)|}"),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc1", "0.08338", "0.01", "0.01", "7776", "9380", Fc1Norm + "; " + PaperLength, Selective),
        Expect(DiagnosticDescriptors.CostCollapsesLayer, 0, "fc2", "0.0834", "0.01", "0.01", "7774", "9380", Fc2Norm + "; " + PaperLength, Selective));

    [Theory]
    [InlineData("0.0001", "0.0006261", "0.9994", "0.0006266", "0.9994")]
    [InlineData("0.005", "0.03131", "0.9692", "0.03133", "0.9692")]
    public Task Mild_penalties_cannot_prune(string beta, string pull1, string end1, string pull2, string end2) => VerifyAsync(
        Mlp("Mild", "{|#0:Cost(Beta = " + beta + ", Gamma = 0, LearningRate = 0.001)|}"),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc1", NoExactZero(pull1), end1, "0.01", "9380", Fc1Norm + "; " + PaperLength, MildFix(beta)),
        Expect(DiagnosticDescriptors.CostCannotPrune, 0, "fc2", NoExactZero(pull2), end2, "0.01", "9380", Fc2Norm + "; " + PaperLength, MildFix(beta)));

    /// <summary>PruneDsl's defaults (no [Cost] at all) select, on the paper's network and training: no diagnostic.</summary>
    [Fact]
    public Task Defaults_are_clean() => VerifyAsync("""
        public partial class DefaultMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public DefaultMlp() : base(nameof(DefaultMlp)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """);

    [Theory]
    [InlineData(0.1, 0.0, "Collapse")]       // Very High Beta: 95.05% pruned, the network dies
    [InlineData(0.5, 0.0, "Collapse")]       // Extreme Beta: 95.57% pruned, dies
    [InlineData(0.001, 0.1, "UniformDrift")] // L1 Sparsity Strong: 0.00%, every participation drifts, none reaches 0.01
    [InlineData(0.05, 0.05, "Collapse")]     // L1+L2 Combined: 95.05% pruned, dies
    [InlineData(0.0001, 0.0, "CannotPrune")] // mild penalties: no collapse, nothing pruned
    [InlineData(0.001, 0.0, "CannotPrune")]
    [InlineData(0.005, 0.0, "CannotPrune")]
    public void Rules_classify_the_papers_rows_as_they_behaved(double beta, double gamma, string expected)
    {
        var spec = new CostSpec(Alpha: 1.0, Beta: beta, Gamma: gamma, LearningRate: 0.001);
        foreach (var fanIn in new[] { 784L, 512L })
        {
            var assessment = CostRules.AssessPruning(spec, CostRules.ExpectedInitNormSquared(fanIn), TrainingSchedule.Paper.Updates);
            Assert.Equal(Enum.Parse<PruneOutcome>(expected), assessment.Outcome);
        }
    }

    /// <summary>The measured death: about 7,490 updates (epoch 16) predicted for Very High Beta, measured at epoch 17.</summary>
    [Fact]
    public void Predicted_deaths_fall_within_the_training_where_they_were_measured()
    {
        var norm = CostRules.ExpectedInitNormSquared(784);
        double Epoch(double beta, double gamma) =>
            CostRules.AssessPruning(new CostSpec(Beta: beta, Gamma: gamma, LearningRate: 0.001), norm, 9380).UpdatesToEpsilon / 469;
        Assert.InRange(Epoch(0.1, 0), 15, 17);   // measured: 96.4% at epoch 15, dead at epoch 17
        Assert.InRange(Epoch(0.05, 0.05), 16, 18); // measured: 93.3% at epoch 17, dead at epoch 18
        Assert.InRange(Epoch(0.5, 0), 3, 8);     // measured: 97.6% at epoch 3, dead from epoch 8
    }

    private static string Drift(string pull) =>
        "the cost pull Gamma + 2*Beta*||theta_i||^2 = " + pull + " outweighs every group's benefit (at most about Alpha*0.01 under a mean-reduced loss), so every participation drifts down together, and with the weights growing to hold s_i*theta_i the drift";

    private static string NoExactZero(string l2Pull) =>
        "with Gamma = 0 and Eta = 0 no cost term reaches s = 0, and under an L2 pull 2*LearningRate*Beta*||theta_i||^2*T of " + l2Pull + " a group with no benefit";

    private const string L1StrongFix = "Gamma = 0.0007, LearningRate = 0.11";

    private static string MildFix(string beta) => beta == "0.0001" ? "Gamma = 0.0007, LearningRate = 0.15" : "Gamma = 0.0007, LearningRate = 0.055";
}
