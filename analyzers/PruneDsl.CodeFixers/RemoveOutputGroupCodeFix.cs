using System;
using System.Collections.Generic;
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
    /// PD0017: removes [ParticipationGroup] from the output layer, and the field's own [Cost] with it (without a group it
    /// would configure nothing, PD0021). Other attributes stay.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveOutputGroupCodeFix)), Shared]
    public sealed class RemoveOutputGroupCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes PD0017.</summary>
        public RemoveOutputGroupCodeFix() : base(DiagnosticDescriptors.GroupOnOutputLayer) { }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            var attribute = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute?.FirstAncestorOrSelf<FieldDeclarationSyntax>() is not { } field) return null;
            return ("Remove [ParticipationGroup] from the output layer", () => root.ReplaceNode(field, Apply(field)));
        }

        private static FieldDeclarationSyntax Apply(FieldDeclarationSyntax field)
        {
            var lists = new List<AttributeListSyntax>();
            foreach (var list in field.AttributeLists)
            {
                var kept = list.Attributes.Where(a => !AttributeSyntaxNames.Is(a, "ParticipationGroup") && !AttributeSyntaxNames.Is(a, "Cost")).ToList();
                if (kept.Count == list.Attributes.Count) lists.Add(list);
                else if (kept.Count > 0)
                    lists.Add(list.WithAttributes(AttributeEdits.WithSpacedSeparators(SyntaxFactory.SeparatedList(kept.Select(a => a.WithoutLeadingTrivia())))));
            }
            // The declaration keeps its original indentation whichever token now comes first.
            return field.WithAttributeLists(SyntaxFactory.List(lists)).WithLeadingTrivia(field.GetLeadingTrivia());
        }
    }
}
