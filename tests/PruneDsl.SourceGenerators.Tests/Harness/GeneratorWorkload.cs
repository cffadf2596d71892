using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// A project of many annotated models, one file each, and one unrelated file, for the generator benchmark
/// (tests/PruneDsl.Benchmarks, GeneratorBenchmarks) and its caching test (WorkloadCachingTests). The models cycle through
/// the shapes of <see cref="Sources"/>: class-level [Cost] with two game layers, a [Sparsity] head, evolution with one game
/// layer, and [Prune] on class and field.
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

    private static string Model(int i)
    {
        var name = "Model" + i;
        var header = Sources.Usings + "namespace Workload.Models" + i + ";\n\n";
        var body = (i % 4) switch
        {
            0 => """
                [Cost(Alpha = 1.0, Beta = 0.005, Gamma = 0.001)]
                public partial class NAME : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                    [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
                    private readonly Linear head = Linear(256, 10);

                    public NAME() : base(nameof(NAME)) => RegisterComponents();

                    public override Tensor forward(Tensor x) =>
                        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
                }
                """,
            1 => """
                public partial class NAME : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                    [ParticipationGroup, Cost(Gamma = 0.0005)] private readonly Linear fc2 = Linear(512, 256);
                    [Sparsity("2:4")] private readonly Linear head = Linear(256, 12);

                    public NAME() : base(nameof(NAME)) => RegisterComponents();

                    public override Tensor forward(Tensor x) =>
                        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
                }
                """,
            2 => """
                [SelectionDynamics(Dynamics.Replicator, TargetSparsity = 0.4)]
                public partial class NAME : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 256);
                    [ParticipationGroup, Cost(Gamma = 0.001)] private readonly Linear fc2 = Linear(256, 128);
                    private readonly Linear head = Linear(128, 10);

                    public NAME() : base(nameof(NAME)) => RegisterComponents();

                    public override Tensor forward(Tensor x)
                    {
                        var h = functional.relu(fc1.call(x));
                        return head.call(functional.relu(fc2.call(h)));
                    }
                }
                """,
            _ => """
                [Prune(Criterion.Taylor, PruneThreshold.Effective)]
                public partial class NAME : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                    [ParticipationGroup, Prune(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, Sparsity = 0.75)]
                    private readonly Linear fc2 = Linear(512, 256);
                    private readonly Linear head = Linear(256, 10);

                    public NAME() : base(nameof(NAME)) => RegisterComponents();

                    public override Tensor forward(Tensor x) =>
                        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
                }
                """,
        };
        return header + body.Replace("NAME", name);
    }
}
