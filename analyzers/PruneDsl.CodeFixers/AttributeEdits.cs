using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PruneDsl.CodeFixers
{
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
    internal static class AttributeSyntaxNames
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
