using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.Generators.Tests;

public class GeneratorCachingTests
{
    private static readonly string[] TrackedSteps =
    {
        PruneGenerator.Steps.GroupModels,
        PruneGenerator.Steps.SparsityModels,
        PruneGenerator.Steps.ClassModels,
        PruneGenerator.Steps.Models,
    };

    [Theory]
    [InlineData("Other.cs")]
    [InlineData("Model.cs")]
    public void Edit_outside_annotated_classes_leaves_every_step_cached(string editedFile)
    {
        var other = Sources.Usings + "public static class Helpers { public static int Answer() => 41; }";
        var compilation = GeneratorHarness.Compile(("Model.cs", Sources.MnistMlp), ("Other.cs", other));
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult();
        Assert.Single(first.GeneratedTrees);

        // Edit a method body outside every annotated class (in another file, or in the model's own file).
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == editedFile);
        var text = tree.GetText().ToString();
        var edited = editedFile == "Other.cs"
            ? text.Replace("41", "42")
            : text + "\nnamespace Examples { public static class Extra { public static int Two() => 2; } }\n";
        var compilation2 = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, editedFile));
        driver = driver.RunGenerators(compilation2);
        var second = driver.GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            if (!second.TrackedSteps.TryGetValue(step, out var runs)) continue;
            foreach (var output in runs.SelectMany(r => r.Outputs))
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"{step} was {output.Reason}");
        }
        Assert.True(second.TrackedSteps.ContainsKey(PruneGenerator.Steps.Models));
        var outputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {o.Reason}"));
    }

    [Fact]
    public void Changing_a_cost_regenerates()
    {
        var compilation = GeneratorHarness.Compile(("Model.cs", Sources.MnistMlp));
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = tree.GetText().ToString().Replace("Gamma = 0.05", "Gamma = 0.07");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, "Model.cs")));
        var result = driver.GetRunResult();
        var models = result.Results.Single().TrackedSteps[PruneGenerator.Steps.Models].SelectMany(r => r.Outputs);
        Assert.Contains(models, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Gamma: 0.07", result.GeneratedTrees.Single().GetText().ToString());
    }
}
