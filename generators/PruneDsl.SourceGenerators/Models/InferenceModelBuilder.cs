using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PruneDsl.SourceGenerators.Models
{
    /// <summary>What the generated inference module copies from the user's model: its forward and the usings around it.</summary>
    /// <param name="ParameterName">The forward parameter's name.</param>
    /// <param name="Body">
    /// The forward body, with its whitespace normalised (so that reformatting forward changes nothing): either
    /// "=> expression;" or a block, lines separated by '\n'.
    /// </param>
    /// <param name="Usings">The using directives of the file that declares forward.</param>
    /// <param name="LinearFields">Every Linear field of the model, in declaration order.</param>
    internal sealed record InferenceModel(string ParameterName, string Body, EquatableArray<string> Usings, EquatableArray<string> LinearFields);

    /// <summary>
    /// Decides whether the user's forward can be copied into a standalone inference module: it must be
    /// <c>Tensor forward(Tensor x)</c> and use no instance member of the model other than its Linear fields.
    /// </summary>
    internal static class InferenceModelBuilder
    {
        private const string TensorType = "TorchSharp.torch.Tensor";

        /// <summary>The inference model, or null with the reason it cannot be generated.</summary>
        public static InferenceModel? TryBuild(INamedTypeSymbol type, Compilation compilation, IReadOnlyList<string> linearFields,
            CancellationToken cancellationToken, out string? reason)
        {
            reason = null;
            var forward = type.GetMembers("forward").OfType<IMethodSymbol>().FirstOrDefault(m =>
                m.Parameters.Length == 1 && m.Parameters[0].Type.ToDisplayString() == TensorType && m.ReturnType.ToDisplayString() == TensorType);
            if (forward?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not MethodDeclarationSyntax syntax)
            {
                reason = "it declares no 'Tensor forward(Tensor)'";
                return null;
            }
            SyntaxNode? body = (SyntaxNode?)syntax.ExpressionBody ?? syntax.Body;
            if (body is null)
            {
                reason = "its forward has no body";
                return null;
            }

            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
            foreach (var node in body.DescendantNodesAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node is ThisExpressionSyntax or BaseExpressionSyntax)
                {
                    reason = "its forward uses '" + node + "'";
                    return null;
                }
                // Only a name that stands alone can reach an instance member implicitly (x.Name is the x's member).
                if (node is not SimpleNameSyntax name
                    || node.Parent is MemberAccessExpressionSyntax access && access.Name == node
                    || node.Parent is MemberBindingExpressionSyntax) continue;
                var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (symbol is null || symbol.IsStatic || symbol is ILocalSymbol or IParameterSymbol or IRangeVariableSymbol) continue;
                if (symbol.Kind is SymbolKind.Field or SymbolKind.Property or SymbolKind.Method or SymbolKind.Event
                    && IsMemberOf(symbol, type)
                    && !(symbol is IFieldSymbol field && linearFields.Contains(field.Name)))
                {
                    reason = "its forward uses '" + symbol.Name + "', which is not a Linear field";
                    return null;
                }
            }

            var text = syntax.ExpressionBody is { } arrow
                ? "=> " + Normalize(arrow.Expression) + ";"
                : Normalize(syntax.Body!);
            var usings = syntax.SyntaxTree.GetCompilationUnitRoot(cancellationToken).Usings
                .Concat(syntax.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().SelectMany(n => n.Usings))
                .Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None))
                .Select(u => u.ToString())
                .Distinct();
            return new InferenceModel(syntax.ParameterList.Parameters[0].Identifier.Text, text,
                new EquatableArray<string>(usings), new EquatableArray<string>(linearFields));
        }

        private static string Normalize(SyntaxNode node) => node.NormalizeWhitespace("    ", "\n").ToString();

        private static bool IsMemberOf(ISymbol symbol, INamedTypeSymbol type)
        {
            for (var t = type; t is not null; t = t.BaseType)
                if (SymbolEqualityComparer.Default.Equals(symbol.ContainingType?.OriginalDefinition, t.OriginalDefinition)) return true;
            return false;
        }
    }
}
