using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixes
{
    /// <summary>
    /// PD0017: removes [ParticipationGroup] from the output layer, and the field's own [Cost] with it (without a group it
    /// would configure nothing, PD0021). Other attributes stay.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveOutputGroupCodeFix)), Shared]
    public sealed class RemoveOutputGroupCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticCatalog.GroupOnOutputLayer.Id);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var attribute = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
                if (attribute?.FirstAncestorOrSelf<FieldDeclarationSyntax>() is not { } field) continue;
                context.RegisterCodeFix(CodeAction.Create(
                    "Remove [ParticipationGroup] from the output layer",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(field, Apply(field)))),
                    nameof(RemoveOutputGroupCodeFix)), diagnostic);
            }
        }

        private static FieldDeclarationSyntax Apply(FieldDeclarationSyntax field)
        {
            var lists = new List<AttributeListSyntax>();
            foreach (var list in field.AttributeLists)
            {
                var kept = list.Attributes.Where(a => !AttributeNames.Is(a, "ParticipationGroup") && !AttributeNames.Is(a, "Cost")).ToList();
                if (kept.Count == list.Attributes.Count) lists.Add(list);
                else if (kept.Count > 0)
                    lists.Add(list.WithAttributes(AttributeEdits.WithSpacedSeparators(SyntaxFactory.SeparatedList(kept.Select(a => a.WithoutLeadingTrivia())))));
            }
            // The declaration keeps its original indentation whichever token now comes first.
            return field.WithAttributeLists(SyntaxFactory.List(lists)).WithLeadingTrivia(field.GetLeadingTrivia());
        }
    }
}
