using System;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.CodeFixers
{
    /// <summary>
    /// PD0001 and PD0007 (reported by the source generator): adds the <c>partial</c> modifier to the model class, or to a
    /// type that contains it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes PD0001 and PD0007.</summary>
        public MakePartialCodeFix() : base(DiagnosticDescriptors.ClassNotPartial, DiagnosticDescriptors.ContainingTypeNotPartial) { }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return null;
            return ("Make '" + declaration.Identifier.ValueText + "' partial", () => root.ReplaceNode(declaration, Apply(declaration)));
        }

        private static TypeDeclarationSyntax Apply(TypeDeclarationSyntax declaration)
        {
            var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            TypeDeclarationSyntax updated;
            if (declaration.Modifiers.Count == 0)
            {
                // 'class C' -> 'partial class C': the keyword's leading trivia (indentation) moves to 'partial'.
                var keyword = declaration.Keyword;
                updated = declaration
                    .WithKeyword(keyword.WithLeadingTrivia())
                    .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
            }
            else
            {
                // 'partial' must come last, right before 'class'.
                updated = declaration.WithModifiers(declaration.Modifiers.Add(partial));
            }
            return updated;
        }
    }
}
