using System.Threading.Tasks;
using PruneDsl.Spec;
using static PruneDsl.Analyzers.Tests.Harness;

namespace PruneDsl.Analyzers.Tests;

/// <summary>
/// The paper's four configurations (784-512-256-10, alpha 1, lr_s 0.001, 20 epochs x 469 steps) and its mild-penalty
/// range, classified by the analyzer and by <see cref="CostRules"/>; the classification must match what the paper observed:
/// Very High Beta and the mild penalties pruned nothing, the other three did.
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

    [Fact]
    public Task Very_high_beta_cannot_prune() => VerifyAsync(
        Mlp("VeryHighBeta", "{|#0:Cost(Alpha = 1.0, Beta = 0.1, Gamma = 0.0, LearningRate = 0.001)|}"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", "0.6261", "9380", "0.5346", "0.01", Fc1Norm + "; " + PaperLength, "0.076"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc2", "0.6266", "9380", "0.5344", "0.01", Fc2Norm + "; " + PaperLength, "0.076"));

    [Fact]
    public Task Extreme_beta_can_prune() =>
        VerifyAsync(Mlp("ExtremeBeta", "Cost(Alpha = 1.0, Beta = 0.5, Gamma = 0.0, LearningRate = 0.001)"));

    [Fact]
    public Task L1_strong_can_prune() =>
        VerifyAsync(Mlp("L1Strong", "Cost(Alpha = 1.0, Beta = 0.001, Gamma = 0.1, LearningRate = 0.001)"));

    [Fact]
    public Task L1_plus_L2_can_prune() =>
        VerifyAsync(Mlp("L1L2", "Cost(Alpha = 1.0, Beta = 0.05, Gamma = 0.05, LearningRate = 0.001)"));

    [Theory]
    [InlineData("0.0001", "0.0006261", "0.9994", "0.0006266", "0.9994", "0.11")]
    [InlineData("0.005", "0.03131", "0.9692", "0.03133", "0.9692", "0.11")]
    public Task Mild_penalties_cannot_prune(string beta, string pull1, string end1, string pull2, string end2, string gamma) => VerifyAsync(
        Mlp("Mild", "{|#0:Cost(Beta = " + beta + ", Gamma = 0, LearningRate = 0.001)|}"),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc1", pull1, "9380", end1, "0.01", Fc1Norm + "; " + PaperLength, gamma),
        Expect(DiagnosticCatalog.CostCannotPrune, 0, "fc2", pull2, "9380", end2, "0.01", Fc2Norm + "; " + PaperLength, gamma));

    [Theory]
    [InlineData(0.1, 0.0, PruneMechanism.None)]      // Very High Beta: 0% sparsity in the paper
    [InlineData(0.5, 0.0, PruneMechanism.L2Threshold)] // Extreme Beta: 95.18%
    [InlineData(0.001, 0.1, PruneMechanism.ExactZero)] // L1 Sparsity Strong: 98.31%
    [InlineData(0.05, 0.05, PruneMechanism.ExactZero)] // L1+L2 Combined: 98.05%
    [InlineData(0.0001, 0.0, PruneMechanism.None)]   // mild penalties: no collapse
    [InlineData(0.001, 0.0, PruneMechanism.None)]
    [InlineData(0.005, 0.0, PruneMechanism.None)]
    public void Rules_classify_the_papers_rows_as_observed(double beta, double gamma, PruneMechanism expected)
    {
        var spec = new CostSpec(Alpha: 1.0, Beta: beta, Gamma: gamma, LearningRate: 0.001);
        foreach (var fanIn in new[] { 784L, 512L })
        {
            var assessment = CostRules.AssessPruning(spec, CostRules.ExpectedInitNormSquared(fanIn), TrainingSchedule.Paper.Updates);
            Assert.Equal(expected, assessment.Mechanism);
            Assert.Equal(expected != PruneMechanism.None, assessment.CanPrune);
        }
    }
}
