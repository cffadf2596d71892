using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

public class PruneSnapshotTests
{
    /// <summary>
    /// [Prune] on the class (Taylor + EMP) with a field override (L2 magnitude, target sparsity 0.75). The enum is
    /// PruneThreshold, not Threshold: <c>using static TorchSharp.torch.nn;</c> brings the method nn.Threshold into scope.
    /// </summary>
    public const string PruneByCriteria = Sources.Usings + """
        namespace Examples.Pruning;

        [Prune(Criterion.Taylor, PruneThreshold.Effective, Beta = 1.5)]
        public partial class CriteriaMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup, Prune(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, Sparsity = 0.75)]
            private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);

            public CriteriaMlp() : base(nameof(CriteriaMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    [Fact]
    public void Prune_attribute_snapshot_matches_and_compiles()
    {
        var (result, output) = GeneratorHarness.Run(("Model.cs", PruneByCriteria));

        Assert.Empty(result.Diagnostics);
        var generated = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith("Examples.Pruning.CriteriaMlp.g.cs", generated.FilePath);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Match(generated.GetText().ToString(), nameof(PruneByCriteria));
    }

    [Fact]
    public void Field_prune_overrides_the_class_and_keeps_the_class_values_it_does_not_name()
    {
        var (result, _) = GeneratorHarness.Run(("Model.cs", PruneByCriteria));
        var text = Regex.Replace(result.GeneratedTrees.Single().GetText().ToString(), @"\s+", " ");

        Assert.Contains("Fc1Prune = new global::PruneDsl.Spec.PruneSpec( Criterion: global::PruneDsl.Criterion.Taylor, Threshold: global::PruneDsl.PruneThreshold.Effective, Sparsity: 0.5, Beta: 1.5);", text);
        // fc2: its own criterion, threshold and sparsity; Beta from the class.
        Assert.Contains("Fc2Prune = new global::PruneDsl.Spec.PruneSpec( Criterion: global::PruneDsl.Criterion.MagnitudeL2, Threshold: global::PruneDsl.PruneThreshold.TargetSparsity, Sparsity: 0.75, Beta: 1.5);", text);
        Assert.Contains("plan.Prune(fc1Channels, Fc1Prune, Name(\"fc1\"));", text);
        Assert.Contains("plan.Prune(fc2Channels, Fc2Prune, Name(\"fc2\"));", text);
        Assert.Contains("public global::PruneDsl.Pruning.PruneTarget[] PruneTargets() => ChannelPlan.PruneTargets();", text);
        Assert.Contains("public global::PruneDsl.Pruning.PruneReport PruneByCriteria(", text);
    }

    [Fact]
    public void Models_without_prune_get_no_prune_members()
    {
        var (result, _) = GeneratorHarness.Run(("Model.cs", Sources.MnistMlp));
        var text = result.GeneratedTrees.Single().GetText().ToString();
        Assert.DoesNotContain("PruneByCriteria", text);
        Assert.DoesNotContain("PruneSpec", text);
    }
}
