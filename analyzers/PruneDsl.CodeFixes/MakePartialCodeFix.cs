using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixes
{
    /// <summary>PD0001 (reported by the source generator): adds the <c>partial</c> modifier to the model class.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
    public sealed class MakePartialCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticCatalog.ClassNotPartial.Id);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
                context.RegisterCodeFix(CodeAction.Create(
                    "Make '" + declaration.Identifier.ValueText + "' partial",
                    ct => Apply(context.Document, root, declaration, ct),
                    nameof(MakePartialCodeFix)), diagnostic);
            }
        }

        private static Task<Document> Apply(Document document, SyntaxNode root, TypeDeclarationSyntax declaration, CancellationToken cancellationToken)
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
            return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(declaration, updated)));
        }
    }
}
