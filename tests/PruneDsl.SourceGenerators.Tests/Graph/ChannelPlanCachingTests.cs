using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// Caching with forward read into channel plans (the residual network of <see cref="GraphSources"/>: a model and the two
/// block classes it uses, in three files). After an edit that changes no graph, every tracked step (each one present) and
/// every output is Cached or Unchanged; an edit inside forward that changes the graph regenerates the class and the
/// model that uses it as a block. (The MLP with a class-level [Cost] and a [Sparsity] head is there so that every step of
/// the pipeline runs.)
/// </summary>
public class ChannelPlanCachingTests
{
    private const string Other = Sources.Usings + "public static class Helpers { public static int Answer() => 41; }";

    public static TheoryData<string, string> Edits() => new()
    {
        { "before the class", "ResNet.cs" },
        { "in another file", "Other.cs" },
        { "inside forward, whitespace", "Blocks.cs" },
    };

    private static string Edit(string edit, string text) => edit switch
    {
        "before the class" => text.Replace("namespace Examples.Conv;", "namespace Examples.Conv;\n\n// A note before the class.\ninternal static class Before { public static int One() => 1; }\n"),
        "in another file" => text.Replace("41", "42"),
        "inside forward, whitespace" => text.Replace("h = bn2.call(conv2.call(h));", "h = bn2.call(\n                conv2.call( h ));"),
        _ => throw new System.ArgumentOutOfRangeException(nameof(edit)),
    };

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.Compile(GraphSources.Files.Append(("Sparse.cs", Sources.Sparse)).Append(("Other.cs", Other)));
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(5, first.GeneratedSources.Length);
        Assert.All(PruneGenerator.Steps.All, step => Assert.True(first.TrackedSteps.ContainsKey(step), step + " did not run; ran: " + string.Join(", ", first.TrackedSteps.Keys)));
        return (driver, compilation);
    }

    private static CSharpCompilation Edited(CSharpCompilation compilation, string file, string edited)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == file);
        var result = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, file));
        Assert.Empty(result.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return result;
    }

    [Theory]
    [MemberData(nameof(Edits))]
    public void An_edit_that_changes_no_graph_leaves_every_step_cached(string edit, string file)
    {
        var (driver, compilation) = FirstRun();
        var firstSources = driver.GetRunResult().Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()).ToList();
        var text = compilation.SyntaxTrees.Single(t => t.FilePath == file).GetText().ToString();
        var edited = Edit(edit, text);
        Assert.NotEqual(text, edited);

        var second = driver.RunGenerators(Edited(compilation, file, edited)).GetRunResult().Results.Single();
        foreach (var step in PruneGenerator.Steps.All)
        {
            Assert.True(second.TrackedSteps.TryGetValue(step, out var runs), step + " is missing after the edit");
            var outputs = runs.SelectMany(r => r.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {o.Reason} after an edit {edit}"));
        }
        var sourceOutputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).ToList();
        Assert.All(sourceOutputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {o.Reason}"));
        Assert.Equal(firstSources, second.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    /// <summary>Removing the identity shortcut of BasicBlock changes its graph: its plan and the ResNet's (which uses it) regenerate.</summary>
    [Fact]
    public void An_edit_inside_forward_that_changes_the_graph_regenerates_the_block_and_its_users()
    {
        var (driver, compilation) = FirstRun();
        var text = compilation.SyntaxTrees.Single(t => t.FilePath == "Blocks.cs").GetText().ToString();
        var second = driver.RunGenerators(Edited(compilation, "Blocks.cs", text.Replace("return functional.relu(h + x);", "return functional.relu(h);")))
            .GetRunResult().Results.Single();

        var plans = second.TrackedSteps[PruneGenerator.Steps.Plans].SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, plans.Count(r => r == IncrementalStepRunReason.Modified)); // BasicBlock and ResNetSmall
        var sources = second.TrackedSteps[PruneGenerator.Steps.Sources].SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, sources.Count(r => r == IncrementalStepRunReason.Modified));
        var resnet = second.GeneratedSources.Single(s => s.HintName == "Examples.Conv.ResNetSmall.g.cs").SourceText.ToString();
        Assert.Contains("var block1Channels = block1.DescribeChannels(plan, stemChannels, Name(\"block1\"));", resnet);
    }
}
