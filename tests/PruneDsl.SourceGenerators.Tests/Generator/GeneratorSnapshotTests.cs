using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

public class GeneratorSnapshotTests
{
    [Theory]
    [InlineData(nameof(Sources.MnistMlp), "Examples.MnistMlp")]
    [InlineData(nameof(Sources.OverridesWithCompetition), "Examples.Overrides.CompetingMlp")]
    [InlineData(nameof(Sources.ThreeLayers), "DeepMlp")]
    [InlineData(nameof(Sources.Evolution), "Examples.Evolution.EvolvingMlp")]
    [InlineData(nameof(Sources.Sparse), "Examples.Sparse.SparseMlp")]
    [InlineData(nameof(Sources.Nested), "Examples.Nested.Experiments.Setup.NestedMlp")]
    [InlineData(nameof(Sources.Reconstruct), "Examples.OneShot.OneShotMlp")]
    public void Generated_source_matches_snapshot_and_compiles(string sourceName, string fullName)
    {
        var source = (string)typeof(Sources).GetField(sourceName)!.GetValue(null)!;
        var (result, output) = GeneratorHarness.Run(("Model.cs", source));

        Assert.Empty(result.Diagnostics);
        var generated = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith(fullName + ".g.cs", generated.FilePath);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Match(generated.GetText().ToString(), sourceName);
    }

    [Fact]
    public void Field_cost_overrides_only_the_properties_it_names()
    {
        var (result, _) = GeneratorHarness.Run(("Model.cs", Sources.OverridesWithCompetition));
        var text = System.Text.RegularExpressions.Regex.Replace(result.GeneratedTrees.Single().GetText().ToString(), @"\s+", " ");

        // fc1: Gamma and Benefit from the field; Beta, Eta, LearningRate from the class; Alpha and Epsilon defaults.
        Assert.Contains("Fc1Cost = new global::PruneDsl.Spec.CostSpec( Alpha: 1.0, Beta: 0.01, Gamma: 0.2, Eta: 0.001, LearningRate: 0.01, Epsilon: 0.01, Benefit: global::PruneDsl.BenefitSign.Literal);", text);
        // fc2 turns competition off (its layer skips the Gram product at run time, from its Cost); fc1 keeps it.
        Assert.Contains("Fc2Cost = new global::PruneDsl.Spec.CostSpec( Alpha: 1.0, Beta: 0.01, Gamma: 0.02, Eta: 0.0,", text);
        Assert.Contains("plan.Gate(fc1Channels, Fc1Cost, Name(\"fc1\")); plan.Gate(fc2Channels, Fc2Cost, Name(\"fc2\"));", text);
    }

    [Fact]
    public void Forward_using_other_members_gets_no_inference_module_and_says_why()
    {
        var (result, output) = GeneratorHarness.Run(("Model.cs", Sources.Usings + """
            public partial class Scaled : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                private readonly double scale = 2.0;
                public Scaled() : base("Scaled") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x) * scale;
            }
            """));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PD0006", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains("its forward uses 'scale', which is not a layer field", diagnostic.GetMessage());
        var text = result.GeneratedTrees.Single().GetText().ToString();
        Assert.DoesNotContain("ScaledInference", text);
        Assert.Contains("public void StepParticipations()", text);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>
    /// A nested model: the generated part sits inside partial declarations of its containing types, and the generated
    /// members are usable from outside as the user's own (the compile test: a caller drives the model through them).
    /// </summary>
    [Fact]
    public void Nested_model_is_generated_inside_its_containing_types_and_usable()
    {
        var caller = Sources.Usings + """
            namespace Examples.Nested;

            public static class Trainer
            {
                public static int Run()
                {
                    var model = new Experiments.Setup.NestedMlp();
                    model.StepParticipations();
                    model.StepPopulations();
                    var inference = model.ToInference();
                    return model.ParticipationLayers.Count + model.PopulationLayers.Count + (inference is Experiments.Setup.NestedMlpInference ? 1 : 0);
                }
            }
            """;
        var (result, output) = GeneratorHarness.Run(("Model.cs", Sources.Nested), ("Trainer.cs", caller));
        Assert.Empty(result.Diagnostics);
        var text = result.GeneratedTrees.Single().GetText().ToString();
        Assert.Contains("static partial class Experiments", text);
        Assert.Contains("partial record Setup", text);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Class_without_annotations_generates_nothing()
    {
        var (result, _) = GeneratorHarness.Run(("Plain.cs", Sources.Usings + """
            public partial class Plain : Module<Tensor, Tensor>
            {
                private readonly Linear fc1 = Linear(4, 4);
                public Plain() : base("Plain") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """));
        Assert.Empty(result.GeneratedTrees);
        Assert.Empty(result.Diagnostics);
    }
}
