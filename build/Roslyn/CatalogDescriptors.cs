using Microsoft.CodeAnalysis;
using PruneDsl.Spec;

namespace PruneDsl.Roslyn
{
    /// <summary>
    /// Turns a catalog entry (src/PruneDsl/Spec/DiagnosticCatalog*.cs, Roslyn-free) into a Roslyn descriptor. Linked into
    /// the generator and the analyzers, so both report their diagnostics the same way.
    /// </summary>
    internal static class CatalogDescriptors
    {
        /// <summary>The descriptor of one catalog entry.</summary>
        /// <param name="entry">The entry.</param>
        public static DiagnosticDescriptor Create(DiagnosticEntry entry) => new(
            entry.Id, entry.Title, entry.MessageFormat, entry.Category,
            entry.Level switch
            {
                DiagnosticLevel.Error => DiagnosticSeverity.Error,
                DiagnosticLevel.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            },
            isEnabledByDefault: true,
            description: null,
            helpLinkUri: entry.HelpLink);
    }
}
