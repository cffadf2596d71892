using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Analyzers;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The generator reports PD0001-PD0009 and the diagnostics of the channel graph (category PruneDsl.Graph), the analyzer
/// exactly the rest; the release-tracking table lists them all; every
/// id has its documentation page, a row in docs/diagnostics/README.md, a help link to that page, and suppression advice
/// that works for its severity.
/// </summary>
public class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] All = DiagnosticDescriptors.Generator.Concat(DiagnosticDescriptors.Analyzer).ToArray();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PruneDsl.sln"))) return dir.FullName;
        throw new InvalidOperationException("PruneDsl.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Generator_ids_are_below_PD0010_or_the_graph_s_and_analyzer_ids_the_rest_from_PD0010()
    {
        Assert.Contains(DiagnosticDescriptors.Generator, d => d.Id == "PD0001");
        Assert.All(DiagnosticDescriptors.Generator, d => Assert.True(
            string.CompareOrdinal(d.Id, "PD0010") < 0 || d.Category == DiagnosticDescriptors.GraphCategory, d.Id));
        Assert.All(DiagnosticDescriptors.Analyzer, d => Assert.True(string.CompareOrdinal(d.Id, "PD0010") >= 0, d.Id));
        Assert.DoesNotContain(DiagnosticDescriptors.Analyzer, d => d.Category == DiagnosticDescriptors.GraphCategory);
        Assert.Equal(All.Length, All.Select(d => d.Id).Distinct().Count());
    }

    /// <summary>Every descriptor field of <see cref="DiagnosticDescriptors"/> is in exactly one of the two lists.</summary>
    [Fact]
    public void Every_descriptor_is_reported_by_the_generator_or_the_analyzer()
    {
        var declared = typeof(DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .OrderBy(id => id, StringComparer.Ordinal);
        Assert.Equal(declared, All.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal));
    }

    [Fact]
    public void Analyzer_supports_exactly_the_analyzer_descriptors()
    {
        var supported = new PruneModelAnalyzer().SupportedDiagnostics;
        Assert.Equal(DiagnosticDescriptors.Analyzer.Select(d => d.Id), supported.Select(d => d.Id));
    }

    [Fact]
    public void Unshipped_release_table_lists_every_rule_with_its_category_and_severity()
    {
        var rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "AnalyzerReleases.Unshipped.md"))
            .Where(l => l.StartsWith("PD", StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => (Id: c[0], Category: c[1], Severity: c[2]))
            .ToArray();
        var expected = All.Select(d => (d.Id, d.Category, Severity: d.DefaultSeverity.ToString())).OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, rows);
    }

    /// <summary>The help link is the one configured base (PruneDslDocsBaseUrl, default docs/diagnostics/) plus the page.</summary>
    [Fact]
    public void Help_links_are_the_configured_base_plus_the_page()
    {
        Assert.Equal("docs/diagnostics/", BuildConstants.DocsBaseUrl);
        Assert.All(All, d => Assert.Equal(BuildConstants.DocsBaseUrl + d.Id + ".md", d.HelpLinkUri));
        Assert.All(All, d => Assert.True(File.Exists(Path.Combine(RepoRoot(), d.HelpLinkUri)), d.HelpLinkUri + " does not resolve in the repository"));
    }

    [Fact]
    public void Every_id_has_a_page_with_its_header_and_a_catalog_row()
    {
        var docs = Path.Combine(RepoRoot(), "docs", "diagnostics");
        var readme = File.ReadAllText(Path.Combine(docs, "README.md"));
        foreach (var descriptor in All)
        {
            var page = Path.Combine(docs, descriptor.Id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
            var text = File.ReadAllText(page);
            Assert.StartsWith("# " + descriptor.Id + ": " + descriptor.Title, text);
            Assert.Contains("| Severity | " + descriptor.DefaultSeverity + " |", text);
            Assert.Contains("Message: `" + descriptor.MessageFormat + "`", text);
            var row = readme.Split('\n').Single(l => l.StartsWith("| [" + descriptor.Id + "](" + descriptor.Id + ".md)", StringComparison.Ordinal));
            Assert.Contains("| " + descriptor.Title + " | " + descriptor.DefaultSeverity + " | `" + descriptor.Category + "` |", row);
        }
    }

    /// <summary>
    /// Every page gives the three suppressions that work for every PruneDsl id, errors included (SuppressionTests shows
    /// each): <c>#pragma warning disable</c>, the .editorconfig severity and <c>&lt;NoWarn&gt;</c>.
    /// </summary>
    [Fact]
    public void Every_page_gives_suppression_advice_that_works_for_its_id()
    {
        var docs = Path.Combine(RepoRoot(), "docs", "diagnostics");
        foreach (var descriptor in All)
        {
            var text = File.ReadAllText(Path.Combine(docs, descriptor.Id + ".md"));
            var section = Regex.Match(text, "## Suppressing it\\s+(.*?)(\\n## |\\n\\[All PruneDsl)", RegexOptions.Singleline).Groups[1].Value;
            Assert.Contains("#pragma warning disable " + descriptor.Id, section);
            Assert.Contains("dotnet_diagnostic." + descriptor.Id + ".severity = none", section);
            Assert.Contains("<NoWarn>$(NoWarn);" + descriptor.Id + "</NoWarn>", section);
        }
    }
}
