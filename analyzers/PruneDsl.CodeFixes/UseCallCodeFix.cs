using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixes
{
    /// <summary>PD0023: <c>fc1.forward(x)</c> -&gt; <c>fc1.call(x)</c>, so that the participation gate (a forward hook) runs.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseCallCodeFix)), Shared]
    public sealed class UseCallCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticCatalog.GateBypassed.Id);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root.FindNode(diagnostic.Location.SourceSpan) is not SimpleNameSyntax name || name.Identifier.ValueText != "forward") continue;
                var call = SyntaxFactory.IdentifierName("call").WithTriviaFrom(name);
                context.RegisterCodeFix(CodeAction.Create(
                    "Use call() so that the participation gate runs",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(name, call))),
                    nameof(UseCallCodeFix)), diagnostic);
            }
        }
    }
}
