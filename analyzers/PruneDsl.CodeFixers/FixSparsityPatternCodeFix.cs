using System;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixers
{
    /// <summary>PD0018: replaces a malformed [Sparsity] string with the nearest valid pattern the analyzer computed.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FixSparsityPatternCodeFix)), Shared]
    public sealed class FixSparsityPatternCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes PD0018.</summary>
        public FixSparsityPatternCodeFix() : base(DiagnosticDescriptors.InvalidSparsityPattern) { }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.Pattern, out var pattern) || pattern is null) return null;
            if (!SparsityPattern.TryParse(pattern, out _, out _)) return null;
            var argument = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeArgumentSyntax>();
            if (argument is null) return null;
            var literal = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(pattern))
                .WithTriviaFrom(argument.Expression);
            return ("Use \"" + pattern + "\"", () => root.ReplaceNode(argument.Expression, literal));
        }
    }
}
