extern alias analyzers;
extern alias generators;

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using PruneModelAnalyzer = analyzers::PruneDsl.Analyzers.PruneModelAnalyzer;
using PruneGenerator = generators::PruneDsl.Generators.PruneGenerator;

namespace PruneDsl.Analyzers.Tests;

/// <summary>
/// Test sources are compiled against the .NET 8 reference assemblies plus the real TorchSharp.dll and the PruneDsl runtime,
/// so that <c>Linear(784, 512)</c> binds to <c>TorchSharp.torch.nn.Linear</c> exactly as in a user's project.
/// </summary>
internal static class Harness
{
    public const string Usings = """
        using PruneDsl;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;


        """;

    /// <summary>
    /// No reference-assembly package: ReferenceAssemblies.Net.Net80 cannot be used because the PruneDsl runtime targets
    /// net10.0 (CS1705: it needs System.Runtime 10.0), and the net10.0 pack is not on the feed as a testing package. The
    /// framework references come from <see cref="Framework"/> instead.
    /// </summary>
    public static readonly ReferenceAssemblies References = new("net10.0");

    /// <summary>
    /// The .NET reference assemblies of the SDK that runs the tests (dotnet/packs/Microsoft.NETCore.App.Ref/10.x/ref/net10.0),
    /// or, where that pack is missing, the running runtime's own assemblies. Both work offline.
    /// </summary>
    public static readonly IReadOnlyList<MetadataReference> Framework = LoadFramework();

    private static IReadOnlyList<MetadataReference> LoadFramework()
    {
        var runtimeDir = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = System.IO.Path.GetFullPath(System.IO.Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = System.IO.Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var major = Environment.Version.Major;
        if (System.IO.Directory.Exists(packs))
        {
            var refDir = System.IO.Directory.GetDirectories(packs)
                .Select(d => (Dir: d, Version: Version.TryParse(System.IO.Path.GetFileName(d), out var v) ? v : null))
                .Where(x => x.Version is not null && x.Version.Major == major)
                .OrderByDescending(x => x.Version)
                .Select(x => System.IO.Path.Combine(x.Dir, "ref", "net" + major + ".0"))
                .FirstOrDefault(System.IO.Directory.Exists);
            if (refDir is not null)
                return System.IO.Directory.GetFiles(refDir, "*.dll").Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToList();
        }
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal) && !p.Contains("PruneDsl", StringComparison.Ordinal)
                        && !p.Contains("TorchSharp", StringComparison.Ordinal) && !p.Contains("CodeAnalysis", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }

    public static readonly MetadataReference TorchSharp = MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location);

    public static readonly MetadataReference Runtime = MetadataReference.CreateFromFile(typeof(PruneDsl.CostAttribute).Assembly.Location);

    /// <summary>A diagnostic expected at markup location <c>{|#index:...|}</c> with the given message arguments.</summary>
    public static DiagnosticResult Expect(PruneDsl.Spec.DiagnosticEntry entry, int location, params string[] arguments) =>
        new DiagnosticResult(entry.Id, ToSeverity(entry.Level))
            .WithLocation(location)
            .WithMessageFormat(entry.MessageFormat)
            .WithArguments(arguments);

    public static DiagnosticSeverity ToSeverity(PruneDsl.Spec.DiagnosticLevel level) => level switch
    {
        PruneDsl.Spec.DiagnosticLevel.Error => DiagnosticSeverity.Error,
        PruneDsl.Spec.DiagnosticLevel.Warning => DiagnosticSeverity.Warning,
        _ => DiagnosticSeverity.Info,
    };

    /// <summary>Runs the analyzer on <paramref name="source"/> (the usings are prepended) and checks exactly these diagnostics.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = Usings + source };
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
        var test = new CodeFixTest<TAnalyzer, TFix>(withGenerator) { TestCode = Usings + source, FixedCode = Usings + fixedSource };
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
            TestState.AdditionalReferences.AddRange(Framework);
            TestState.AdditionalReferences.Add(TorchSharp);
            TestState.AdditionalReferences.Add(Runtime);
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
            // The generated model file is the generator's to snapshot-test (tests/PruneDsl.Generators.Tests), not ours.
            if (withGenerator) TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
            ReferenceAssemblies = References;
            TestState.AdditionalReferences.AddRange(Framework);
            TestState.AdditionalReferences.Add(TorchSharp);
            TestState.AdditionalReferences.Add(Runtime);
        }

        protected override IEnumerable<Type> GetSourceGenerators() =>
            _withGenerator ? new[] { typeof(PruneGenerator) } : base.GetSourceGenerators();
    }
}
