using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The benchmark's workload (tests/PruneDsl.Benchmarks, GeneratorBenchmarks): 100 models generate cleanly, and after the
/// edit the benchmark times, every tracked step and output is Cached or Unchanged, so the edited run does no model work.
/// </summary>
public class WorkloadCachingTests
{
    [Fact]
    public void Hundred_models_generate_and_an_unrelated_edit_leaves_every_step_cached()
    {
        var workload = GeneratorWorkload.Create(100);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(workload.Compilation, out var output, out _);
        var first = driver.GetRunResult();
        Assert.Empty(first.Diagnostics);
        Assert.Equal(100, first.GeneratedTrees.Length);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var second = driver.RunGenerators(workload.EditUnrelated(1)).GetRunResult().Results.Single();
        foreach (var step in PruneGenerator.Steps.All)
        {
            Assert.True(second.TrackedSteps.TryGetValue(step, out var runs), step + " is missing after the edit");
            var outputs = runs.SelectMany(r => r.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {o.Reason}"));
        }
        Assert.Equal(100, second.TrackedSteps[PruneGenerator.Steps.Models].Length);
        var sourceOutputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs).ToList();
        Assert.All(sourceOutputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {o.Reason}"));
        Assert.Equal(100, second.GeneratedSources.Length);
    }
}
