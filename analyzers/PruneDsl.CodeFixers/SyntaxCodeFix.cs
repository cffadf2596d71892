using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.CodeFixers
{
    /// <summary>
    /// What every PruneDsl code fix shares: the ids it fixes (from the descriptors), batch fix-all, and one syntax-only edit
    /// per diagnostic. A fix says only what it changes, in <see cref="Fix"/>.
    /// </summary>
    public abstract class SyntaxCodeFix : CodeFixProvider
    {
        /// <summary>A fix for the diagnostics of the given descriptors.</summary>
        /// <param name="descriptors">The diagnostics it fixes.</param>
        protected SyntaxCodeFix(params DiagnosticDescriptor[] descriptors) =>
            FixableDiagnosticIds = descriptors.Select(d => d.Id).ToImmutableArray();

        /// <inheritdoc />
        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        /// <inheritdoc />
        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (Fix(root, diagnostic) is not { } fix) continue;
                context.RegisterCodeFix(CodeAction.Create(
                    fix.Title,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(fix.NewRoot())),
                    GetType().Name), diagnostic);
            }
        }

        /// <summary>The fix of one diagnostic: its title and how to make the new root; null when it does not apply.</summary>
        /// <param name="root">The document's syntax root.</param>
        /// <param name="diagnostic">The diagnostic.</param>
        protected abstract (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic);
    }
}
