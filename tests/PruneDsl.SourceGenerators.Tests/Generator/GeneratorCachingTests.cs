using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The pipeline is incremental: after an edit that does not change any model, every tracked step (each one present in
/// the run) and every output is Cached or Unchanged; a change of a setting regenerates.
/// </summary>
public class GeneratorCachingTests
{
    private const string Other = Sources.Usings + "public static class Helpers { public static int Answer() => 41; }";

    /// <summary>The three edits the model must not see.</summary>
    public static TheoryData<string, string> Edits() => new()
    {
        // (a) before the class, in the same file
        { "before the class", "Model.cs" },
        // (b) in another file
        { "in another file", "Other.cs" },
        // (c) inside forward, not changing what forward does (the copied body is normalised)
        { "inside forward", "Model.cs" },
    };

    private static string Edit(string edit, string text) => edit switch
    {
        "before the class" => text.Replace("namespace Examples.Sparse;", "namespace Examples.Sparse;\n\n// A note before the class.\ninternal static class Before { public static int One() => 1; }\n"),
        "in another file" => text.Replace("41", "42"),
        "inside forward" => text.Replace(
            "head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));",
            "head.call(\n            functional.relu(fc2.call(   functional.relu(fc1.call(x)))));"),
        _ => throw new System.ArgumentOutOfRangeException(nameof(edit)),
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void An_edit_that_changes_no_model_leaves_every_step_cached(string edit, string file)
    {
        var compilation = GeneratorHarness.Compile(("Model.cs", Sources.Sparse), ("Other.cs", Other));
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Single(first.GeneratedSources);
        Assert.All(PruneGenerator.Steps.All, step => Assert.True(first.TrackedSteps.ContainsKey(step), step + " did not run; ran: " + string.Join(", ", first.TrackedSteps.Keys)));

        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == file);
        var text = tree.GetText().ToString();
        var edited = Edit(edit, text);
        Assert.NotEqual(text, edited);
        var compilation2 = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, file));
        Assert.Empty(compilation2.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        driver = driver.RunGenerators(compilation2);
        var second = driver.GetRunResult().Results.Single();

        foreach (var step in PruneGenerator.Steps.All)
        {
            Assert.True(second.TrackedSteps.TryGetValue(step, out var runs), step + " is missing after the edit");
            var outputs = runs.SelectMany(r => r.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{step} was {o.Reason} after an edit {edit}"));
        }
        var sourceOutputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).ToList();
        Assert.NotEmpty(sourceOutputs);
        Assert.All(sourceOutputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {o.Reason}"));
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());
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
        var sources = result.Results.Single().TrackedSteps[PruneGenerator.Steps.Sources].SelectMany(r => r.Outputs);
        Assert.Contains(sources, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Gamma: 0.07", result.GeneratedTrees.Single().GetText().ToString());
    }

    /// <summary>Each class is read once, however many of its fields carry attributes (and whether its class has [Cost]).</summary>
    [Fact]
    public void Each_class_is_read_once()
    {
        var compilation = GeneratorHarness.Compile(("Model.cs", Sources.Sparse), ("Mnist.cs", Sources.MnistMlp));
        var result = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation).GetRunResult().Results.Single();
        var found = result.TrackedSteps[PruneGenerator.Steps.GroupFields].SelectMany(r => r.Outputs).Count()
                    + result.TrackedSteps[PruneGenerator.Steps.SparseFields].SelectMany(r => r.Outputs).Count()
                    + result.TrackedSteps[PruneGenerator.Steps.CostClasses].SelectMany(r => r.Outputs).Count();
        Assert.Equal(4 + 1 + 2, found); // four group fields, one sparse field, two class-level [Cost]
        Assert.Equal(2, result.TrackedSteps[PruneGenerator.Steps.Models].Length);
        Assert.Equal(2, result.GeneratedSources.Length);
    }
}
