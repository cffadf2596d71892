using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using PruneDsl.Roslyn;
using PruneDsl.Spec;

namespace PruneDsl.Analyzers
{
    /// <summary>The Roslyn descriptors of the analyzers' catalog entries (src/PruneDsl/Spec/DiagnosticCatalog.Analyzers.cs).</summary>
    internal static class Descriptors
    {
        private static readonly Dictionary<string, DiagnosticDescriptor> ById =
            DiagnosticCatalog.AnalyzerEntries.ToDictionary(e => e.Id, CatalogDescriptors.Create);

        /// <summary>Every descriptor the analyzers report, in id order.</summary>
        public static ImmutableArray<DiagnosticDescriptor> All { get; } =
            DiagnosticCatalog.AnalyzerEntries.Select(e => ById[e.Id]).ToImmutableArray();

        /// <summary>The descriptor of one catalog entry.</summary>
        public static DiagnosticDescriptor For(DiagnosticEntry entry) => ById[entry.Id];
    }
}
