using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The generated code of the convolutional models (issue 10): LeNet-5, a residual block with an identity shortcut, one with
/// a strided 1x1 projection shortcut, and a small ResNet that uses them. Each compiles against the runtime, warning-free,
/// with no generator diagnostic, and matches its snapshot.
/// </summary>
public class ChannelPlanSnapshotTests
{
    [Theory]
    [InlineData("LeNet5", "Examples.Conv.LeNet5")]
    [InlineData("BasicBlock", "Examples.Conv.BasicBlock")]
    [InlineData("DownBlock", "Examples.Conv.DownBlock")]
    [InlineData("ResNetSmall", "Examples.Conv.ResNetSmall")]
    public void Generated_source_matches_snapshot_and_compiles(string className, string fullName)
    {
        var (result, output) = GeneratorHarness.Run(GraphSources.Files);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var generated = Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith(fullName + ".g.cs", System.StringComparison.Ordinal));
        Snapshot.Match(generated.GetText().ToString(), className);
    }
}
