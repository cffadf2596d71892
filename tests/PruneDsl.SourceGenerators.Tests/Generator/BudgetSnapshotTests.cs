using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>[Budget] on a class and on a field: the generated model carries both and implements IBudgetedModel.</summary>
public class BudgetSnapshotTests
{
    public const string Budget = Sources.Usings + """
        namespace Examples.Budget;

        [Budget(Keep = 15, SettleEpochs = 0.5, FineTuneEpochs = 5)]
        public partial class BudgetMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            [ParticipationGroup, Budget(KeepFraction = 0.25, Unit = BudgetUnit.Macs)] private readonly Linear fc3 = Linear(256, 128);
            private readonly Linear head = Linear(128, 10);

            public BudgetMlp() : base(nameof(BudgetMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc3.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))))));
        }
        """;

    [Fact]
    public void Budget_snapshot_matches_and_compiles()
    {
        var (result, output) = GeneratorHarness.Run(("Model.cs", Budget));

        Assert.Empty(result.Diagnostics);
        var generated = Assert.Single(result.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Match(generated.GetText().ToString(), nameof(Budget));
    }

    [Fact]
    public void Class_and_field_budgets_are_baked_in_and_served_by_IBudgetedModel()
    {
        var (result, _) = GeneratorHarness.Run(("Model.cs", Budget));
        var text = Regex.Replace(result.GeneratedTrees.Single().GetText().ToString(), @"\s+", " ");

        Assert.Contains("global::PruneDsl.Game.IParticipationModel, global::PruneDsl.Game.IBudgetedModel,", text);
        Assert.Contains("ModelBudget = new global::PruneDsl.Spec.BudgetSpec( Keep: 15.0, KeepFraction: 0.0, Unit: global::PruneDsl.BudgetUnit.Groups, PriceStep: 0.002, SettleEpochs: 0.5, FineTuneEpochs: 5);", text);
        Assert.Contains("Fc3Budget = new global::PruneDsl.Spec.BudgetSpec( Keep: 0.0, KeepFraction: 0.25, Unit: global::PruneDsl.BudgetUnit.Macs, PriceStep: 0.002, SettleEpochs: 1.0, FineTuneEpochs: 0);", text);
        Assert.Contains("global::PruneDsl.Game.IBudgetedModel.ModelBudget => ModelBudget;", text);
        Assert.Contains("global::PruneDsl.Game.IBudgetedModel.LayerBudget(string layer) => layer switch { \"fc3\" => Fc3Budget, _ => null, };", text);
    }

    [Fact]
    public void Models_without_a_budget_do_not_implement_IBudgetedModel()
    {
        var (result, _) = GeneratorHarness.Run(("Model.cs", Sources.MnistMlp));
        var text = result.GeneratedTrees.Single().GetText().ToString();
        Assert.DoesNotContain("Budget", text);
    }
}
