using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// A project of many annotated models, one file each, and one unrelated file, for the generator benchmark
/// (tests/PruneDsl.Benchmarks, GeneratorBenchmarks) and its caching test (WorkloadCachingTests). The models cycle through
/// four of the snapshot tests' models: class-level [Cost] with two game layers, a [Sparsity] head, evolution with one
/// game layer, and [Prune] on class and field.
/// </summary>
public sealed class GeneratorWorkload
{
    /// <summary>The path of the file that no model depends on.</summary>
    public const string UnrelatedPath = "Workload/Unrelated.cs";

    private GeneratorWorkload(CSharpCompilation compilation, int models)
    {
        Compilation = compilation;
        Models = models;
    }

    /// <summary>Every model file and the unrelated one, parsed and compiled against <see cref="TestReferences"/>.</summary>
    public CSharpCompilation Compilation { get; }

    /// <summary>How many models the compilation holds.</summary>
    public int Models { get; }

    /// <summary>A workload of <paramref name="models"/> models.</summary>
    public static GeneratorWorkload Create(int models = 100)
    {
        var files = Enumerable.Range(0, models).Select(i => ("Workload/Model" + i + ".cs", Model(i))).ToList();
        files.Add((UnrelatedPath, Unrelated(0)));
        return new GeneratorWorkload(GeneratorHarness.Compile(files), models);
    }

    /// <summary>The compilation after an edit of the unrelated file (a method body: <c>=> 0</c> becomes <c>=> version</c>).</summary>
    /// <param name="version">What the edited method returns.</param>
    public CSharpCompilation EditUnrelated(int version)
    {
        var tree = Compilation.SyntaxTrees.Single(t => t.FilePath == UnrelatedPath);
        return Compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Unrelated(version), GeneratorHarness.ParseOptions, UnrelatedPath));
    }

    private static string Unrelated(int version) => """
        namespace Workload;

        public static class Unrelated
        {
            public static int Version() => 
        """ + version + ";\n}\n";

    /// <summary>The i-th model: one of the snapshot tests' models, renamed (class and namespace) to be the i-th.</summary>
    private static string Model(int i)
    {
        var (source, ns, name) = (i % 4) switch
        {
            0 => (Sources.MnistMlp, "Examples", "MnistMlp"),
            1 => (Sources.Sparse, "Examples.Sparse", "SparseMlp"),
            2 => (Sources.Evolution, "Examples.Evolution", "EvolvingMlp"),
            _ => (PruneSnapshotTests.PruneByCriteria, "Examples.Pruning", "CriteriaMlp"),
        };
        return source.Replace("namespace " + ns + ";", "namespace Workload.Models" + i + ";").Replace(name, "Model" + i);
    }
}
