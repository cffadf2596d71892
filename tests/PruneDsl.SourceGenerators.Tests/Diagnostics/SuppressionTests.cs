using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.SourceGenerators.Analyzers;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// What each suppression does to PruneDsl's diagnostics, as the compiler applies it (a project with an .editorconfig,
/// compiled, with the generator run by a driver and the analyzer by CompilationWithAnalyzers): the facts behind the
/// "Suppressing it" section of every page of docs/diagnostics/.
/// </summary>
public class SuppressionTests
{
    private const string NotPartial = """
        public class Sealed : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear head = Linear(4, 2);
            public Sealed() : base("Sealed") => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """;

    private const string Bypassing = """
        public partial class Bypassing : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear head = Linear(4, 2);
            public Bypassing() : base("Bypassing") => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.forward(x));
        }
        """;

    private static async Task<IReadOnlyList<Diagnostic>> Diagnostics(string source, string? editorConfig = null, string? noWarn = null)
    {
        using var workspace = new AdhocWorkspace();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary);
        if (noWarn is not null)
            options = options.WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { [noWarn] = ReportDiagnostic.Suppress });
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "Model", "Model", LanguageNames.CSharp,
                filePath: "/repo/Model.csproj", compilationOptions: options, parseOptions: GeneratorHarness.ParseOptions, metadataReferences: TestReferences.All));
        var document = project.AddDocument("Model.cs", SourceText.From(Sources.Usings + source), filePath: "/repo/Model.cs");
        project = document.Project;
        if (editorConfig is not null)
            project = project.AddAnalyzerConfigDocument(".editorconfig", SourceText.From(editorConfig), filePath: "/repo/.editorconfig").Project;
        var compilation = (await project.GetCompilationAsync())!;
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generated);
        var analyzed = await output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new PruneModelAnalyzer())).GetAnalyzerDiagnosticsAsync();
        // As csc reports them: a diagnostic a #pragma suppressed is kept with IsSuppressed set, and not shown.
        return generated.Concat(analyzed).Where(d => d.Id.StartsWith("PD", System.StringComparison.Ordinal) && !d.IsSuppressed).ToList();
    }

    private const string CannotCopyForward = """
        public partial class Scaled : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
            private readonly double scale = 2.0;
            public Scaled() : base("Scaled") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc1.call(x) * scale;
        }
        """;

    private const string Collapsing = """
        [Cost(Beta = 0.1, Gamma = 0, LearningRate = 0.001)]
        public partial class Collapsing : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear head = Linear(4, 2);
            public Collapsing() : base("Collapsing") => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """;

    /// <summary>One diagnostic of each kind: generator error and info, analyzer error and warning.</summary>
    public static TheoryData<string, DiagnosticSeverity> Ids() => new()
    {
        { "PD0001", DiagnosticSeverity.Error },
        { "PD0006", DiagnosticSeverity.Info },
        { "PD0023", DiagnosticSeverity.Error },
        { "PD0024", DiagnosticSeverity.Warning },
    };

    private static string SourceOf(string id) => id switch
    {
        "PD0001" => NotPartial,
        "PD0006" => CannotCopyForward,
        "PD0023" => Bypassing,
        _ => Collapsing,
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Unsuppressed_each_is_reported_with_its_severity(string id, DiagnosticSeverity severity) =>
        Assert.Contains(await Diagnostics(SourceOf(id)), d => d.Id == id && d.Severity == severity);

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Editorconfig_severity_none_suppresses_it(string id, DiagnosticSeverity severity)
    {
        Assert.True(severity >= DiagnosticSeverity.Info);
        Assert.DoesNotContain(await Diagnostics(SourceOf(id), "root = true\n\n[*.cs]\ndotnet_diagnostic." + id + ".severity = none\n"), d => d.Id == id);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task NoWarn_suppresses_it(string id, DiagnosticSeverity severity)
    {
        Assert.True(severity >= DiagnosticSeverity.Info);
        Assert.DoesNotContain(await Diagnostics(SourceOf(id), noWarn: id), d => d.Id == id);
    }

    /// <summary>
    /// A pragma suppresses PruneDsl's errors too: unlike the compiler's own errors, they are analyzer and generator
    /// diagnostics, reported against the source tree.
    /// </summary>
    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Pragma_suppresses_it(string id, DiagnosticSeverity severity)
    {
        Assert.True(severity >= DiagnosticSeverity.Info);
        Assert.DoesNotContain(await Diagnostics("#pragma warning disable " + id + "\n" + SourceOf(id)), d => d.Id == id);
    }
}
