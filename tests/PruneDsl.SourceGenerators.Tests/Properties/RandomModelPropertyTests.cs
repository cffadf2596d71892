using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.SourceGenerators.Analyzers;
using PruneDsl.SourceGenerators.Configuration;
using Xunit.Abstractions;

namespace PruneDsl.SourceGenerators.Tests.Properties;

/// <summary>
/// The generator and every analyzer of PruneDsl.SourceGenerators on 1,000 random annotated classes per run
/// (<see cref="RandomModels"/>). For each: neither throws (no exception in the generator's run result, no CS8784/CS8785,
/// no AD0001, nothing reaching the analyzers' <see cref="Guard"/>); every attribute whose values the spec's own
/// <c>Validate()</c> rejects gets an error or warning located on it (or, for a [Sparsity] on a field that is no Linear
/// layer, on its field); and a source that compiles without the generator still compiles with the generated code. The
/// seed and the smallest failing source are printed on failure (CsCheck); rerun with <c>seed:</c> to reproduce.
/// </summary>
/// <remarks>
/// A field's [Reconstruct] is judged with its settings merged over the class's (as the generator and the analyzer merge
/// them): it must be diagnosed when the merged settings have a problem that is the field's to answer for (a value it sets,
/// or a default neither sets), and, on a Linear layer of constant width, one only its width or [Sparsity] pattern shows.
/// One reference set and one empty compilation are shared; each class is parsed once.
/// </remarks>
public sealed class RandomModelPropertyTests
{
    private const int Iterations = 1_000;

    private static readonly CSharpCompilation Empty = GeneratorHarness.Compile();

    /// <summary>Every analyzer the assembly ships, found by its [DiagnosticAnalyzer] attribute.</summary>
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(PruneGenerator).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>The exceptions the analyzers' guard swallowed while the current model was analyzed (flows into their tasks).</summary>
    private static readonly AsyncLocal<ConcurrentQueue<Exception>?> Swallowed = new();

    private static readonly ConcurrentQueue<Exception> SwallowedElsewhere = new();

    static RandomModelPropertyTests() => Guard.Observer += e => (Swallowed.Value ?? SwallowedElsewhere).Enqueue(e);

    private readonly ITestOutputHelper _output;

    public RandomModelPropertyTests(ITestOutputHelper output) => _output = output;

    /// <summary>What a run saw, so that a run that exercised too little fails instead of passing vacuously.</summary>
    private sealed class Coverage
    {
        public int Models, Corrupted, CompiledWithoutErrors, Generated, GeneratedAndCompiled, InvalidChecked, Clashes;
        public readonly ConcurrentDictionary<AttributeKind, int> InvalidByKind = new();
        public readonly ConcurrentDictionary<string, int> DiagnosticIds = new();

        public override string ToString() =>
            $"{Models} models: {Corrupted} corrupted, {CompiledWithoutErrors} compiled without errors, {Generated} with generated code " +
            $"({GeneratedAndCompiled} of them error-free), {InvalidChecked} invalid attributes checked " +
            $"({string.Join(", ", InvalidByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}), " +
            $"{Clashes} sources declaring a generated member; diagnostics seen: " +
            string.Join(", ", DiagnosticIds.Where(d => d.Key.StartsWith("PD", StringComparison.Ordinal)).OrderBy(d => d.Key).Select(d => $"{d.Key} x{d.Value}"));
    }

    [Fact]
    public void Generator_and_analyzers_never_throw_diagnose_every_invalid_setting_and_emit_code_that_compiles()
    {
        Assert.NotEmpty(Analyzers);
        var coverage = new Coverage();
        var stopwatch = Stopwatch.StartNew();

        RandomModels.Models.Sample(model => Check(model, coverage), writeLine: _output.WriteLine, iter: Iterations, print: m => m.Source);

        _output.WriteLine($"{stopwatch.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores. {coverage}");
        Assert.Empty(SwallowedElsewhere);
        // Not vacuous: every kind of input was there (numbers for 1,000 models; each is at least 5x below what a run sees).
        Assert.True(coverage.Models >= Iterations, coverage.ToString());
        Assert.True(coverage.Corrupted >= 50, coverage.ToString());
        Assert.True(coverage.GeneratedAndCompiled >= 30, coverage.ToString());
        Assert.True(coverage.InvalidChecked >= 200, coverage.ToString());
        foreach (var kind in new[] { AttributeKind.Cost, AttributeKind.SelectionDynamics, AttributeKind.Prune, AttributeKind.TrainingLength, AttributeKind.Sparsity, AttributeKind.Reconstruct })
            Assert.True(coverage.InvalidByKind.GetValueOrDefault(kind) >= 10, $"too few invalid [{kind}]: {coverage}");
    }

    private static void Check(RandomModel model, Coverage coverage)
    {
        Interlocked.Increment(ref coverage.Models);
        if (model.Corrupted) Interlocked.Increment(ref coverage.Corrupted);
        var tree = CSharpSyntaxTree.ParseText(model.Source, GeneratorHarness.ParseOptions, "Model.cs");
        var original = Empty.AddSyntaxTrees(tree);

        // The generator: no exception, no CS8784/CS8785.
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(original, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        foreach (var result in run.Results)
            if (result.Exception is { } exception)
                throw new InvalidOperationException("The generator threw: " + exception);
        if (generatorDiagnostics.FirstOrDefault(d => d.Id is "CS8784" or "CS8785") is { } failed)
            throw new InvalidOperationException("The generator failed: " + failed);
        var generated = run.Results.Sum(r => r.GeneratedSources.Length);

        // Every analyzer, on the compilation with the generated code (as in a build): no AD0001, no exception, nothing swallowed.
        var exceptions = new ConcurrentQueue<Exception>();
        var swallowed = new ConcurrentQueue<Exception>();
        Swallowed.Value = swallowed;
        ImmutableArray<Diagnostic> all;
        try
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, _, _) => exceptions.Enqueue(exception), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
            all = output.WithAnalyzers(Analyzers, options).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        }
        finally
        {
            Swallowed.Value = null;
        }
        if (!exceptions.IsEmpty) throw new InvalidOperationException("An analyzer threw: " + exceptions.First());
        if (all.FirstOrDefault(d => d.Id == "AD0001") is { } ad0001) throw new InvalidOperationException("AD0001: " + ad0001);
        if (!swallowed.IsEmpty) throw new InvalidOperationException("An analyzer callback threw (swallowed by Guard): " + swallowed.First());

        var diagnostics = generatorDiagnostics.Concat(all).ToList();
        foreach (var id in diagnostics.Select(d => d.Id).Distinct()) coverage.DiagnosticIds.AddOrUpdate(id, 1, (_, n) => n + 1);

        // Every invalid setting is diagnosed on the attribute that sets it.
        if (!model.Corrupted)
        {
            var originalErrorFree = new Lazy<bool>(() => !original.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error));
            foreach (var attribute in model.Attributes)
            {
                if (attribute.Problems is not { } problems) continue;
                // The width rule applies to a layer whose declaration the compiler accepts: an error there leaves the width unknown.
                if (attribute.WidthProblem is { } widthProblem && originalErrorFree.Value) problems = problems.Append(widthProblem).ToList();
                if (problems.Count == 0) continue;
                Interlocked.Increment(ref coverage.InvalidChecked);
                coverage.InvalidByKind.AddOrUpdate(attribute.Kind, 1, (_, n) => n + 1);
                // A [Sparsity] on a field that is no Linear layer (whatever the source meant: a class named Linear
                // shadows TorchSharp's) is the generator's PD0002, which may point at the field's other attribute.
                var region = attribute.Kind == AttributeKind.Sparsity && attribute.Field is { } field && !IsLinearField(original, tree, attribute.Span)
                    ? field
                    : attribute.Span;
                var located = diagnostics.Any(d =>
                    d.Severity >= DiagnosticSeverity.Warning && d.Location.IsInSource && d.Location.SourceTree == tree
                    && d.Location.SourceSpan.IntersectsWith(region));
                if (!located)
                    throw new InvalidOperationException(
                        $"[{model.Source.Substring(attribute.Span.Start, attribute.Span.Length)}] is invalid ({string.Join("; ", problems)}) " +
                        $"but no error or warning points at it. Diagnostics: {Describe(diagnostics)}");
            }
        }

        // A source that compiles without the generator compiles with its code.
        var outputErrors = all.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("PD", StringComparison.Ordinal)).ToList();
        var originalCompiles = outputErrors.Count == 0 || !original.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        if (originalCompiles && outputErrors.Count > 0 && UserDeclaredGeneratedNames(output, tree) is { Count: > 0 } clashes)
        {
            // The user declares a member the generator writes (e.g. its own Compact()): the compiler reports the duplicate
            // where it is (CS0102/CS0111). Only RegisterComponents has a generator diagnostic of its own (PD0004).
            Interlocked.Increment(ref coverage.Clashes);
            if (!outputErrors.Any(d => d.Location.IsInSource))
                throw new InvalidOperationException($"The source declares {string.Join(", ", clashes)}, which the generator writes too, and no error says where: {Describe(outputErrors)}");
        }
        else if (originalCompiles)
        {
            if (outputErrors.Count > 0)
                throw new InvalidOperationException(
                    "The source compiles, but not with the generated code: " + Describe(outputErrors) + "\n" +
                    string.Join("\n", run.Results.SelectMany(r => r.GeneratedSources).Select(s => "// " + s.HintName + "\n" + s.SourceText)));
            Interlocked.Increment(ref coverage.CompiledWithoutErrors);
            if (generated > 0) Interlocked.Increment(ref coverage.GeneratedAndCompiled);
        }
        if (generated > 0) Interlocked.Increment(ref coverage.Generated);
    }

    /// <summary>
    /// The names the generated code declares that the user's source declares too, in the same type or namespace: read
    /// from the generated trees, so the list follows whatever the generator writes.
    /// </summary>
    private static List<string> UserDeclaredGeneratedNames(Compilation output, SyntaxTree user)
    {
        var names = new List<string>();
        foreach (var tree in output.SyntaxTrees.Where(t => t != user))
        {
            var model = output.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>())
            {
                if (node is BaseNamespaceDeclarationSyntax) continue;
                var symbols = node is BaseFieldDeclarationSyntax field
                    ? field.Declaration.Variables.Select(v => model.GetDeclaredSymbol(v))
                    : new[] { model.GetDeclaredSymbol(node) };
                foreach (var symbol in symbols)
                {
                    if (symbol is null) continue;
                    // A type the user declares too: the generator extends it when the user's declaration is partial (the
                    // model and its containers), and clashes with it when not (e.g. a class named like the inference module).
                    var userDeclarations = symbol.DeclaringSyntaxReferences.Where(r => r.SyntaxTree == user).ToList();
                    if (symbol is INamedTypeSymbol && userDeclarations.Count > 0)
                    {
                        if (userDeclarations.Any(r => r.GetSyntax() is not TypeDeclarationSyntax t || !t.Modifiers.Any(SyntaxKind.PartialKeyword)))
                            names.Add(symbol.Name);
                        continue;
                    }
                    INamespaceOrTypeSymbol container = symbol.ContainingType is { } type ? type : symbol.ContainingNamespace;
                    if (container.GetMembers(symbol.Name).Any(m => !SymbolEqualityComparer.Default.Equals(m, symbol) && m.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == user)))
                        names.Add(symbol.Name);
                }
            }
        }
        return names;
    }

    /// <summary>Whether the attribute at <paramref name="span"/> is on an instance field whose type is TorchSharp's Linear.</summary>
    private static bool IsLinearField(Compilation compilation, SyntaxTree tree, TextSpan span)
    {
        var declaration = tree.GetRoot().FindNode(span).FirstAncestorOrSelf<FieldDeclarationSyntax>();
        if (declaration is null || declaration.Declaration.Variables.Count == 0) return false;
        var symbol = compilation.GetSemanticModel(tree).GetDeclaredSymbol(declaration.Declaration.Variables[0]) as IFieldSymbol;
        return symbol is { IsStatic: false } && AttributeNames.IsLinear(symbol.Type);
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics)
    {
        var list = diagnostics.Select(d => d.ToString()).ToList();
        return list.Count == 0 ? "(none)" : string.Join("\n  ", list.Prepend(""));
    }
}
