extern alias analyzers;

using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using PruneDsl.Spec;
using PruneModelAnalyzer = analyzers::PruneDsl.Analyzers.PruneModelAnalyzer;

namespace PruneDsl.Analyzers.Tests;

/// <summary>
/// The analyzer reports exactly the catalog's analyzer entries (never the generator's PD0001-PD0005), the release-tracking
/// table lists them, and every id has its documentation page and a row in docs/diagnostics/README.md.
/// </summary>
public class CatalogTests
{
    /// <summary>Every catalog entry that is not the analyzer's: the generator's (PD0001-PD0009).</summary>
    private static readonly DiagnosticEntry[] GeneratorEntries = typeof(DiagnosticCatalog)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticEntry))
        .Select(f => (DiagnosticEntry)f.GetValue(null)!)
        .Where(e => !DiagnosticCatalog.AnalyzerEntries.Contains(e))
        .OrderBy(e => e.Id, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Generator_entries_are_below_PD0010()
    {
        Assert.Contains(GeneratorEntries, e => e.Id == "PD0001");
        Assert.All(GeneratorEntries, e => Assert.True(string.CompareOrdinal(e.Id, "PD0010") < 0, e.Id));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PruneDsl.sln"))) return dir.FullName;
        throw new InvalidOperationException("PruneDsl.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Analyzer_supports_exactly_the_analyzer_entries()
    {
        var supported = new PruneModelAnalyzer().SupportedDiagnostics;
        Assert.Equal(DiagnosticCatalog.AnalyzerEntries.Select(e => e.Id), supported.Select(d => d.Id));
        Assert.All(supported, d => Assert.True(string.CompareOrdinal(d.Id, "PD0010") >= 0, d.Id + " belongs to the generator's range"));
        Assert.Empty(supported.Select(d => d.Id).Intersect(GeneratorEntries.Select(e => e.Id)));
        foreach (var (descriptor, entry) in supported.Zip(DiagnosticCatalog.AnalyzerEntries))
        {
            Assert.Equal(entry.Title, descriptor.Title.ToString());
            Assert.Equal(entry.MessageFormat, descriptor.MessageFormat.ToString());
            Assert.Equal(entry.Category, descriptor.Category);
            Assert.Equal(Harness.ToSeverity(entry.Level), descriptor.DefaultSeverity);
            Assert.Equal(DiagnosticCatalog.HelpRoot + entry.Id + ".md", descriptor.HelpLinkUri);
        }
    }

    [Fact]
    public void Unshipped_release_table_lists_every_rule_with_its_category_and_severity()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "AnalyzerReleases.Unshipped.md"))
            .Where(l => l.StartsWith("PD", StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => (Id: c[0], Category: c[1], Severity: c[2]))
            .ToArray();
        var expected = new PruneModelAnalyzer().SupportedDiagnostics
            .Select(d => (d.Id, d.Category, Severity: d.DefaultSeverity.ToString()))
            .ToArray();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Every_id_has_a_page_and_a_catalog_row()
    {
        var docs = Path.Combine(RepoRoot(), "docs", "diagnostics");
        var readme = File.ReadAllText(Path.Combine(docs, "README.md"));
        foreach (var entry in GeneratorEntries.Concat(DiagnosticCatalog.AnalyzerEntries))
        {
            var page = Path.Combine(docs, entry.Id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
            var text = File.ReadAllText(page);
            Assert.StartsWith("# " + entry.Id + ": " + entry.Title, text);
            Assert.Contains("](" + entry.Id + ".md)", readme);
        }
    }
}
