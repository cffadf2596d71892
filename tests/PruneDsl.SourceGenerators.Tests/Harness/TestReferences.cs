using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// What every test compilation references: the .NET reference assemblies, TorchSharp and the PruneDsl runtime, so that
/// <c>Linear(784, 512)</c> binds to <c>TorchSharp.torch.nn.Linear</c> and <c>[Cost]</c> to the runtime's attribute
/// exactly as in a user's project. The runtime is loaded from its build output (recorded in this assembly's metadata
/// by the project file), not referenced by the tests: the tests see the Roslyn assembly's internal copy of the spec.
/// </summary>
public static class TestReferences
{
    /// <summary>The built runtime, src/PruneDsl's PruneDsl.dll.</summary>
    public static string RuntimePath { get; } = typeof(TestReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PruneDslRuntime").Value!;

    /// <summary>The PruneDsl runtime.</summary>
    public static MetadataReference Runtime { get; } = MetadataReference.CreateFromFile(RuntimePath);

    /// <summary>TorchSharp.</summary>
    public static MetadataReference TorchSharp { get; } = MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location);

    /// <summary>
    /// The .NET reference assemblies of the SDK that runs the tests (dotnet/packs/Microsoft.NETCore.App.Ref/10.x/ref/net10.0),
    /// or, where that pack is missing, the running runtime's own assemblies. Both work offline.
    /// </summary>
    public static IReadOnlyList<MetadataReference> Framework { get; } = LoadFramework();

    /// <summary>Framework, TorchSharp and the runtime.</summary>
    public static IReadOnlyList<MetadataReference> All { get; } = Framework.Concat(new[] { TorchSharp, Runtime }).ToList();

    private static IReadOnlyList<MetadataReference> LoadFramework()
    {
        var runtimeDir = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var major = Environment.Version.Major;
        if (Directory.Exists(packs))
        {
            var refDir = Directory.GetDirectories(packs)
                .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d), out var v) ? v : null))
                .Where(x => x.Version is not null && x.Version.Major == major)
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "ref", "net" + major + ".0"))
                .FirstOrDefault(Directory.Exists);
            if (refDir is not null)
                return Directory.GetFiles(refDir, "*.dll").Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToList();
        }
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal) && !p.Contains("PruneDsl", StringComparison.Ordinal)
                        && !p.Contains("TorchSharp", StringComparison.Ordinal) && !p.Contains("CodeAnalysis", StringComparison.Ordinal)
                        && !Path.GetFileName(p).StartsWith("Microsoft.VisualBasic", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }
}
