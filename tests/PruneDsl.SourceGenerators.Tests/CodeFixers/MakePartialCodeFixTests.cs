using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PruneDsl.Spec;
using static PruneDsl.SourceGenerators.Tests.Harness;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.CodeFixers;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// PD0001 and PD0007 are the source generator's diagnostics, which the code-fix test harness does not collect. So the fix
/// is tested twice: in the harness on PD0001 from a test-only analyzer that reports it where the generator does (the
/// class identifier), and directly on the real generator's diagnostics (bound to the source tree, as an IDE gets them)
/// in a workspace.
/// </summary>
public class MakePartialCodeFixTests
{
    private const string NotPartial = """
        namespace Examples
        {
            [Cost(Gamma = 0.1)]
            public sealed class {|#0:Mlp|} : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                private readonly Linear head = Linear(512, 10);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(fc1.call(x));
            }
        }
        """;

    private const string Partial = """
        namespace Examples
        {
            [Cost(Gamma = 0.1)]
            public sealed partial class Mlp : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                private readonly Linear head = Linear(512, 10);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(fc1.call(x));
            }
        }
        """;

    private static DiagnosticResult ClassNotPartial(int location, string name) =>
        new DiagnosticResult(DiagnosticDescriptors.ClassNotPartial.Id, DiagnosticSeverity.Error)
            .WithLocation(location).WithMessageFormat(DiagnosticDescriptors.ClassNotPartial.MessageFormat).WithArguments(name);

    [Fact]
    public Task Harness_adds_partial_after_the_other_modifiers() =>
        VerifyFixAsync<ClassNotPartialProbe, MakePartialCodeFix>(NotPartial, Partial, new[] { ClassNotPartial(0, "Mlp") });

    [Fact]
    public Task Harness_adds_partial_before_class_when_there_are_no_modifiers() => VerifyFixAsync<ClassNotPartialProbe, MakePartialCodeFix>(
        NotPartial.Replace("public sealed class", "class"), Partial.Replace("public sealed partial class", "partial class"),
        new[] { ClassNotPartial(0, "Mlp") });

    [Fact]
    public Task The_real_generators_PD0001_is_fixed_and_generation_then_succeeds() =>
        FixWithTheRealGenerator(NotPartial.Replace("{|#0:", string.Empty).Replace("|}", string.Empty), Partial, "PD0001", "Make 'Mlp' partial");

    private const string NestedNotPartial = """
        namespace Examples
        {
            public static class Models
            {
                [Cost(Gamma = 0.001)]
                public sealed partial class Mlp : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
                    private readonly Linear head = Linear(512, 10);
                    public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                    public override Tensor forward(Tensor x) => head.call(fc1.call(x));
                }
            }
        }
        """;

    [Fact]
    public Task The_real_generators_PD0007_is_fixed_on_the_containing_type_and_generation_then_succeeds() =>
        FixWithTheRealGenerator(NestedNotPartial, NestedNotPartial.Replace("public static class Models", "public static partial class Models"),
            "PD0007", "Make 'Models' partial");

    /// <summary>Runs the generator, applies the fix to its one diagnostic in a workspace, and runs the generator again.</summary>
    private static async Task FixWithTheRealGenerator(string before, string after, string id, string title)
    {
        var source = Sources.Usings + before;
        var first = RunGenerator(source);
        var diagnostic = Assert.Single(first.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Empty(first.GeneratedTrees);

        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Model", LanguageNames.CSharp)
            .WithMetadataReferences(AllReferences)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var document = project.AddDocument("Model.cs", source);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await new MakePartialCodeFix().RegisterCodeFixesAsync(context);
        var fix = Assert.Single(actions);
        Assert.Equal(title, fix.Title);
        var operation = Assert.Single((await fix.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        var fixedText = (await operation.ChangedSolution.GetDocument(document.Id)!.GetTextAsync()).ToString();
        Assert.Equal(Sources.Usings + after, fixedText);

        var second = RunGenerator(fixedText);
        Assert.Empty(second.Diagnostics);
        Assert.Single(second.GeneratedTrees);
    }

    private static IEnumerable<MetadataReference> AllReferences => TestReferences.All;

    private static GeneratorDriverRunResult RunGenerator(string source)
    {
        var compilation = CSharpCompilation.Create("Model",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), "Model.cs") },
            AllReferences, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        return CSharpGeneratorDriver.Create(new PruneGenerator()).RunGenerators(compilation).GetRunResult();
    }

    /// <summary>Test-only: reports PD0001 where the generator does, for a non-partial class that has PruneDsl attributes.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ClassNotPartialProbe : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new(
            DiagnosticDescriptors.ClassNotPartial.Id, DiagnosticDescriptors.ClassNotPartial.Title, DiagnosticDescriptors.ClassNotPartial.MessageFormat,
            DiagnosticDescriptors.ClassNotPartial.Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                var declaration = (ClassDeclarationSyntax)c.Node;
                if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return;
                var usesPruneDsl = declaration.DescendantNodes().OfType<AttributeSyntax>()
                    .Any(a => a.Name.ToString() is "ParticipationGroup" or "Cost" or "Sparsity");
                if (usesPruneDsl)
                    c.ReportDiagnostic(Diagnostic.Create(Rule, declaration.Identifier.GetLocation(), declaration.Identifier.ValueText));
            }, SyntaxKind.ClassDeclaration);
        }
    }
}
