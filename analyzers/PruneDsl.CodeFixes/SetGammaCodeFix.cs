using System;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.Analyzers;
using PruneDsl.Spec;

namespace PruneDsl.CodeFixes
{
    /// <summary>
    /// PD0011 and PD0012: sets Gamma on the [Cost] the diagnostic points at to the value the analyzer computed
    /// (<see cref="CostRules.SuggestGamma"/>); where no [Cost] applies it adds <c>Cost(Gamma = ...)</c> beside the
    /// [ParticipationGroup]. docs/diagnostics/PD0011.md explains the value.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SetGammaCodeFix)), Shared]
    public sealed class SetGammaCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes DiagnosticCatalog.CostCannotPrune, DiagnosticCatalog.L1BudgetTooSmall.</summary>
        public SetGammaCodeFix() : base(DiagnosticCatalog.CostCannotPrune, DiagnosticCatalog.L1BudgetTooSmall) { }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.Gamma, out var gamma) || gamma is null) return null;
            if (SyntaxFactory.ParseExpression(gamma) is not LiteralExpressionSyntax literal) return null;
            var attribute = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute is null) return null;
            return ("Set Gamma = " + gamma + " so that groups can be pruned", () => Apply(root, attribute, literal));
        }

        private static SyntaxNode Apply(SyntaxNode root, AttributeSyntax attribute, LiteralExpressionSyntax value)
        {
            if (AttributeNames.Is(attribute, "Cost"))
                return root.ReplaceNode(attribute, AttributeEdits.SetNamedArgument(attribute, "Gamma", value));
            // No [Cost] applies (the defaults do): add one next to [ParticipationGroup].
            if (attribute.Parent is not AttributeListSyntax list) return root;
            var cost = SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Cost"))
                .WithArgumentList(SyntaxFactory.AttributeArgumentList(
                    SyntaxFactory.SingletonSeparatedList(AttributeEdits.NamedArgument("Gamma", value))));
            var index = list.Attributes.IndexOf(attribute);
            var attributes = list.Attributes.Insert(index + 1, cost);
            return root.ReplaceNode(list, list.WithAttributes(AttributeEdits.WithSpacedSeparators(attributes)));
        }
    }

    /// <summary>Small syntax edits on attributes shared by the fixes.</summary>
    internal static class AttributeEdits
    {
        /// <summary><c>Name = value</c>.</summary>
        public static AttributeArgumentSyntax NamedArgument(string name, ExpressionSyntax value) =>
            SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(
                    SyntaxFactory.IdentifierName(name).WithTrailingTrivia(SyntaxFactory.Space),
                    SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space)),
                null,
                value);

        /// <summary>Replaces the value of <c>Name = ...</c>, or appends <c>Name = value</c>.</summary>
        public static AttributeSyntax SetNamedArgument(AttributeSyntax attribute, string name, ExpressionSyntax value)
        {
            var arguments = attribute.ArgumentList?.Arguments ?? default;
            var existing = arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            if (existing is not null)
                return attribute.ReplaceNode(existing.Expression, value.WithTriviaFrom(existing.Expression));
            var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            return attribute.WithArgumentList(list.WithArguments(WithSpacedSeparators(arguments.Add(NamedArgument(name, value)))));
        }

        /// <summary>The same items, separated by <c>", "</c>.</summary>
        public static SeparatedSyntaxList<T> WithSpacedSeparators<T>(SeparatedSyntaxList<T> items) where T : SyntaxNode
        {
            var separators = new System.Collections.Generic.List<SyntaxToken>();
            for (var i = 0; i < items.Count - 1; i++)
            {
                // Keep a separator the user wrote (with its spacing); give new or bare ones a trailing space.
                var separator = i < items.SeparatorCount ? items.GetSeparator(i) : SyntaxFactory.Token(SyntaxKind.CommaToken);
                var written = separator.TrailingTrivia.Any(t => t.ToFullString().Length > 0);
                separators.Add(written ? separator : separator.WithTrailingTrivia(SyntaxFactory.Space));
            }
            return SyntaxFactory.SeparatedList(items, separators);
        }
    }

    /// <summary>Recognises an attribute by its simple name, with or without the Attribute suffix and qualification.</summary>
    internal static class AttributeNames
    {
        public static bool Is(AttributeSyntax attribute, string shortName)
        {
            var name = attribute.Name switch
            {
                QualifiedNameSyntax q => q.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
                SimpleNameSyntax s => s.Identifier.ValueText,
                _ => string.Empty,
            };
            return name == shortName || name == shortName + "Attribute";
        }
    }
}
