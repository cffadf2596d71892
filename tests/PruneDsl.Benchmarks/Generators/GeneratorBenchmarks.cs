using System.Collections.Immutable;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PruneDsl.SourceGenerators;
using PruneDsl.SourceGenerators.Analyzers;
using PruneDsl.SourceGenerators.Tests;

namespace PruneDsl.Benchmarks.Generators;

/// <summary>
/// The source generator on one compilation of 100 annotated models (<see cref="GeneratorWorkload"/>): a full run by a
/// new driver, and a run of a driver that has seen the project, after an edit of an unrelated file (the IDE's case on
/// every keystroke). Each run gets a fresh copy of its compilation (<see cref="Compilation.Clone"/>: same syntax trees,
/// no bound symbols), as the compiler and the IDE do after an edit, so the binding work is timed too. The analyzer's
/// full pass over the same compilation is timed for comparison. WorkloadCachingTests checks that the edited run finds
/// every step Cached or Unchanged. Goal: the full run within 100 ms, the edited run a small fraction of it.
/// </summary>
[MemoryDiagnoser(false)]
public class GeneratorBenchmarks
{
    private GeneratorWorkload _workload = null!;
    private GeneratorDriver _driverThatSawTheProject = null!;
    private CSharpCompilation _edited = null!;

    [GlobalSetup]
    public void Setup()
    {
        _workload = GeneratorWorkload.Create(100);
        _driverThatSawTheProject = CreateDriver().RunGenerators(_workload.Compilation);
        _edited = _workload.EditUnrelated(1);
    }

    /// <summary>A new driver over the whole project: every model read, every file emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullRun() => CreateDriver().RunGenerators(_workload.Compilation.Clone());

    /// <summary>The driver that saw the project, after an edit that changes no model.</summary>
    [Benchmark]
    public GeneratorDriver RunAfterUnrelatedEdit() => _driverThatSawTheProject.RunGenerators(_edited.Clone());

    /// <summary>The analyzer over the whole project (every model class, its layer sizes and forward's data flow).</summary>
    [Benchmark]
    public Task<ImmutableArray<Diagnostic>> AnalyzerFullRun() =>
        _workload.Compilation.Clone()
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new PruneModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();

    private static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(new[] { new PruneGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
}
