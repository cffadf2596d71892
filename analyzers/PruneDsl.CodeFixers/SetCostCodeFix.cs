using System;
using System.Collections.Generic;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.CodeFixers
{
    /// <summary>
    /// PD0011, PD0012 and PD0024: writes the [Cost] settings the analyzer computed (<c>CostRules.SuggestSelective</c>:
    /// Gamma alone where that suffices, else a Gamma below the benefits with the LearningRate that lets it act, and Beta 0
    /// when the L2 term alone outweighs the benefits) on the [Cost] the diagnostic points at; where no [Cost] applies it
    /// adds one beside the [ParticipationGroup]. docs/diagnostics/PD0011.md explains the values.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SetCostCodeFix)), Shared]
    public sealed class SetCostCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes PD0011, PD0012 and PD0024.</summary>
        public SetCostCodeFix()
            : base(DiagnosticDescriptors.CostCannotPrune, DiagnosticDescriptors.L1BudgetTooSmall, DiagnosticDescriptors.CostCollapsesLayer)
        {
        }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.CostSettings, out var encoded)) return null;
            var settings = FixProperties.Decode(encoded);
            if (settings.Count == 0) return null;
            var values = new List<(string Name, LiteralExpressionSyntax Value)>();
            foreach (var setting in settings)
            {
                if (SyntaxFactory.ParseExpression(setting.Value) is not LiteralExpressionSyntax literal) return null;
                values.Add((setting.Key, literal));
            }
            var attribute = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute is null) return null;
            return ("Set " + FixProperties.Describe(settings) + " so that groups can be pruned", () => Apply(root, attribute, values));
        }

        private static SyntaxNode Apply(SyntaxNode root, AttributeSyntax attribute, IReadOnlyList<(string Name, LiteralExpressionSyntax Value)> values)
        {
            if (AttributeSyntaxNames.Is(attribute, "Cost"))
            {
                var updated = attribute;
                foreach (var (name, value) in values) updated = AttributeEdits.SetNamedArgument(updated, name, value);
                return root.ReplaceNode(attribute, updated);
            }
            // No [Cost] applies (the defaults do): add one next to [ParticipationGroup].
            if (attribute.Parent is not AttributeListSyntax list) return root;
            var arguments = new List<AttributeArgumentSyntax>();
            foreach (var (name, value) in values) arguments.Add(AttributeEdits.NamedArgument(name, value));
            var cost = SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Cost"))
                .WithArgumentList(SyntaxFactory.AttributeArgumentList(AttributeEdits.WithSpacedSeparators(SyntaxFactory.SeparatedList(arguments))));
            var index = list.Attributes.IndexOf(attribute);
            var attributes = list.Attributes.Insert(index + 1, cost);
            return root.ReplaceNode(list, list.WithAttributes(AttributeEdits.WithSpacedSeparators(attributes)));
        }
    }
}
