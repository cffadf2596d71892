using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Analyzers;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixes
{
    /// <summary>PD0018: replaces a malformed [Sparsity] string with the nearest valid pattern the analyzer computed.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FixSparsityPatternCodeFix)), Shared]
    public sealed class FixSparsityPatternCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticCatalog.InvalidSparsityPattern.Id);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(FixProperties.Pattern, out var pattern) || pattern is null) continue;
                if (!SparsityPattern.TryParse(pattern, out _, out _)) continue;
                var argument = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeArgumentSyntax>();
                if (argument is null) continue;
                var literal = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(pattern))
                    .WithTriviaFrom(argument.Expression);
                context.RegisterCodeFix(CodeAction.Create(
                    "Use \"" + pattern + "\"",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, literal))),
                    nameof(FixSparsityPatternCodeFix)), diagnostic);
            }
        }
    }
}
