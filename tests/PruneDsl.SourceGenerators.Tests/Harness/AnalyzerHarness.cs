using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using PruneDsl.SourceGenerators.Analyzers;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// Runs the analyzer and the code fixes (Microsoft.CodeAnalysis.Testing) on test sources compiled against
/// <see cref="TestReferences"/>; the usings of <see cref="Sources.Usings"/> are prepended.
/// </summary>
internal static class Harness
{
    /// <summary>
    /// No reference-assembly package: ReferenceAssemblies.Net.Net80 cannot be used because the PruneDsl runtime targets
    /// net10.0 (CS1705: it needs System.Runtime 10.0), and the net10.0 pack is not on the feed as a testing package. The
    /// framework references come from <see cref="TestReferences.Framework"/> instead.
    /// </summary>
    public static readonly ReferenceAssemblies References = new("net10.0");

    /// <summary>A diagnostic expected at markup location <c>{|#index:...|}</c> with the given message arguments.</summary>
    public static DiagnosticResult Expect(DiagnosticDescriptor descriptor, int location, params string[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(location).WithArguments(arguments);

    /// <summary>Runs the analyzer on <paramref name="source"/> (the usings are prepended) and checks exactly these diagnostics.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = Sources.Usings + source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Runs a code fix: <paramref name="source"/> must produce <paramref name="expected"/> and the fix must give <paramref name="fixedSource"/>.</summary>
    public static Task VerifyFixAsync<TFix>(string source, string fixedSource, DiagnosticResult[] expected,
        DiagnosticResult[]? remaining = null, bool withGenerator = false, int? iterations = null)
        where TFix : CodeFixProvider, new() =>
        VerifyFixAsync<PruneModelAnalyzer, TFix>(source, fixedSource, expected, remaining, withGenerator, iterations);

    /// <summary>As <see cref="VerifyFixAsync{TFix}"/>, with the diagnostics produced by <typeparamref name="TAnalyzer"/>.</summary>
    public static Task VerifyFixAsync<TAnalyzer, TFix>(string source, string fixedSource, DiagnosticResult[] expected,
        DiagnosticResult[]? remaining = null, bool withGenerator = false, int? iterations = null)
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TAnalyzer, TFix>(withGenerator) { TestCode = Sources.Usings + source, FixedCode = Sources.Usings + fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        if (remaining is not null) test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        if (iterations is { } n) test.NumberOfFixAllIterations = n;
        return test.RunAsync();
    }

    public sealed class AnalyzerTest : CSharpAnalyzerTest<PruneModelAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = References;
            TestState.AdditionalReferences.AddRange(TestReferences.All);
        }
    }

    public sealed class CodeFixTest<TAnalyzer, TFix> : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        private readonly bool _withGenerator;

        public CodeFixTest(bool withGenerator)
        {
            _withGenerator = withGenerator;
            // The generated model file is the generator tests' to snapshot, not ours.
            if (withGenerator) TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
            ReferenceAssemblies = References;
            TestState.AdditionalReferences.AddRange(TestReferences.All);
        }

        protected override IEnumerable<Type> GetSourceGenerators() =>
            _withGenerator ? new[] { typeof(PruneGenerator) } : base.GetSourceGenerators();
    }
}
