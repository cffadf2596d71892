using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PruneDsl.SourceGenerators.Analyzers;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The analyzer never throws: on broken, unusual or unrelated code it reports no AD0001, and no exception reaches its
/// guard (which would otherwise hide a bug by dropping diagnostics).
/// </summary>
public class RobustnessTests
{
    private static readonly ConcurrentQueue<Exception> Swallowed = new();

    static RobustnessTests() => Guard.Observer += Swallowed.Enqueue;

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "non-constant and missing arguments", "PD0018", """
            public partial class A : Module<Tensor, Tensor>
            {
                private static double b = 0.1;
                [ParticipationGroup, Cost(Beta = b, Gamma = )] private readonly Linear fc1 = Linear(784, 512);
                [Sparsity] private readonly Linear fc2 = Linear(512, 256);
                [Sparsity(null)] private readonly Linear fc3 = Linear(256, 128);
                public A() : base("A") { }
                public override Tensor forward(Tensor x) => forward(x);
            }
            """ },
        { "layers from methods, recursion, lambdas, conditional returns", "PD0023", """
            [Cost(Beta = 0.1, Gamma = 0), TrainingLength(Epochs = int.MaxValue, StepsPerEpoch = int.MaxValue)]
            public partial class B : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private Linear fc1 = Make();
                [ParticipationGroup] private Linear fc2;
                private static Linear Make() => Linear(3, 3);
                public B(long n) : base("B") { fc2 = n > 0 ? Linear(n, n) : Linear(1, 1); fc2 = null!; }
                public override Tensor forward(Tensor x)
                {
                    System.Func<Tensor, Tensor> f = t => { return fc1.call(t); };
                    if (x is null) return x!;
                    x = x;
                    return f(fc2.call(x)) ?? fc1.forward(x);
                }
            }
            """ },
        { "generic, nested, struct and interface shapes", "PD0010,PD0021", """
            public partial class Outer<T> : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc = Linear(0, -1);
                public Outer() : base("O") { }
                public override Tensor forward(Tensor x) => fc.call(x);
                public partial class Inner { [Cost(Epsilon = 2)] private int notALayer; }
            }
            public partial struct S { [ParticipationGroup] private Linear fc; }
            public interface I { }
            """ },
        { "syntax errors", "", """
            public partial class C : Module<Tensor, Tensor>
            {
                [ParticipationGroup(] private readonly Linear fc1 = Linear(784, ;
                public override Tensor forward(Tensor x) => fc1.call(
            """ },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Analyzer_never_throws(string name, string expectedIds, string source)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var exceptions = new ConcurrentQueue<Exception>();
        var compilation = CSharpCompilation.Create("Robustness",
            new[] { CSharpSyntaxTree.ParseText(Sources.Usings + source, new CSharpParseOptions(LanguageVersion.Latest), "Model.cs") },
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, _, _) => exceptions.Enqueue(exception),
            concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new PruneModelAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync();

        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        Assert.Empty(Swallowed);
        Assert.All(diagnostics, d => Assert.StartsWith("PD00", d.Id));
        // The analyzer did run on these shapes: the diagnostics that still apply are there.
        foreach (var id in expectedIds.Split(',', StringSplitOptions.RemoveEmptyEntries))
            Assert.Contains(diagnostics, d => d.Id == id);
    }

    [Fact]
    public async Task Without_the_PruneDsl_runtime_nothing_is_analyzed()
    {
        var compilation = CSharpCompilation.Create("NoRuntime",
            new[] { CSharpSyntaxTree.ParseText("class Cost : System.Attribute { public double Beta { get; set; } } [Cost(Beta = -1)] class M { }") },
            TestReferences.Framework, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new PruneModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }
}
