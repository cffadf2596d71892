using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>Makes <see cref="SourceAnchor"/>s from syntax, and finds them again in a later compilation.</summary>
    internal static class Anchors
    {
        /// <summary>An anchor at <paramref name="node"/>, a node inside <paramref name="forward"/>.</summary>
        public static SourceAnchor InForward(string classIdentity, SyntaxNode forward, SyntaxNode node)
        {
            var path = new List<int>();
            for (var current = node; current != forward && current.Parent is { } parent; current = parent)
            {
                var index = 0;
                foreach (var child in parent.ChildNodes())
                {
                    if (child == current) break;
                    index++;
                }
                path.Add(index);
            }
            path.Reverse();
            return new SourceAnchor(classIdentity, AnchorKind.Forward, "forward", new EquatableArray<int>(path));
        }

        /// <summary>An anchor at the [ParticipationGroup] attribute of a field.</summary>
        public static SourceAnchor GroupAttribute(string classIdentity, string field) =>
            new(classIdentity, AnchorKind.GroupAttribute, field, EquatableArray<int>.Empty);

        /// <summary>An anchor at a [Reconstruct] attribute: the field's, or the class's for an empty <paramref name="field"/>.</summary>
        public static SourceAnchor ReconstructAttribute(string classIdentity, string field) =>
            new(classIdentity, AnchorKind.ReconstructAttribute, field, EquatableArray<int>.Empty);

        /// <summary>An anchor at the class's name.</summary>
        public static SourceAnchor Class(string classIdentity) =>
            new(classIdentity, AnchorKind.Class, string.Empty, EquatableArray<int>.Empty);

        /// <summary>The anchor's location in <paramref name="compilation"/>, or null when the code it pointed at is gone.</summary>
        public static Location? Resolve(SourceAnchor anchor, Compilation compilation, CancellationToken cancellationToken)
        {
            var type = compilation.Assembly.GetTypeByMetadataName(anchor.ClassIdentity);
            if (type is null) return null;
            if (anchor.Kind == AnchorKind.Class)
            {
                foreach (var reference in type.DeclaringSyntaxReferences)
                    if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
                        return declaration.Identifier.GetLocation();
                return null;
            }
            if (anchor.Kind == AnchorKind.GroupAttribute)
            {
                var field = type.GetMembers(anchor.Member).OfType<IFieldSymbol>().FirstOrDefault();
                var attribute = field?.GetAttributes().FirstOrDefault(a => AttributeNames.Of(a) == AttributeNames.ParticipationGroup);
                return attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            }

            if (anchor.Kind == AnchorKind.ReconstructAttribute)
            {
                var attributes = anchor.Member.Length == 0
                    ? type.GetAttributes()
                    : type.GetMembers(anchor.Member).OfType<IFieldSymbol>().FirstOrDefault()?.GetAttributes() ?? default;
                var attribute = attributes.IsDefault ? null : attributes.FirstOrDefault(a => AttributeNames.Of(a) == AttributeNames.Reconstruct);
                return attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            }

            var forward = ForwardReader.FindForward(type, cancellationToken);
            if (forward is null) return null;
            SyntaxNode node = forward;
            foreach (var index in anchor.Path)
            {
                var child = node.ChildNodes().ElementAtOrDefault(index);
                if (child is null) return null;
                node = child;
            }
            return Location.Create(node.SyntaxTree, SpanOf(node));
        }

        /// <summary>
        /// What a diagnostic underlines: a statement's head for a branch or loop (<c>if (x.sum() &gt; 0)</c>, <c>foreach (...)</c>),
        /// else the node.
        /// </summary>
        private static TextSpan SpanOf(SyntaxNode node) => node switch
        {
            IfStatementSyntax s => TextSpan.FromBounds(s.IfKeyword.SpanStart, s.CloseParenToken.Span.End),
            ForEachStatementSyntax s => TextSpan.FromBounds(s.ForEachKeyword.SpanStart, s.CloseParenToken.Span.End),
            ForStatementSyntax s => TextSpan.FromBounds(s.ForKeyword.SpanStart, s.CloseParenToken.Span.End),
            WhileStatementSyntax s => TextSpan.FromBounds(s.WhileKeyword.SpanStart, s.CloseParenToken.Span.End),
            DoStatementSyntax s => TextSpan.FromBounds(s.DoKeyword.SpanStart, s.DoKeyword.Span.End),
            SwitchStatementSyntax s => TextSpan.FromBounds(s.SwitchKeyword.SpanStart, s.Expression.Span.End),
            MethodDeclarationSyntax s => s.Identifier.Span,
            _ => node.Span,
        };
    }
}
