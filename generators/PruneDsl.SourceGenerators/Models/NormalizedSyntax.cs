using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Models
{
    /// <summary>
    /// A syntax node's text with Roslyn's normalised whitespace (four-space indents, '\n' line breaks), so that reformatting
    /// the user's code changes nothing generated from it. Remembered per node: syntax trees that an edit did not touch keep
    /// their nodes in the next compilation, so a run after an edit formats only what changed.
    /// </summary>
    internal static class NormalizedSyntax
    {
        private static readonly ConditionalWeakTable<SyntaxNode, StrongBox<string>> Texts = new();

        /// <summary>The node's normalised text.</summary>
        public static string Of(SyntaxNode node) =>
            Texts.GetValue(node, static n => new StrongBox<string>(n.NormalizeWhitespace("    ", "\n").ToString())).Value!;
    }
}
