using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// Finds the model's output layer (docs/diagnostics/PD0017.md). First choice, data flow: the Linear field whose
    /// <c>call</c>/<c>forward</c> produces the value <c>forward</c> returns, looking through element-wise and shape
    /// operations (<c>x.relu()</c>, <c>functional.log_softmax(y, 1)</c>: the receiver, else the first argument) and through
    /// locals and parameters (their last assignment before the use). Fallback when no return of <c>forward</c> leads to a
    /// Linear field: the last declared Linear field, if its out_features is a constant strictly smaller than every other
    /// Linear field's (all constants).
    /// </summary>
    internal static class OutputLayer
    {
        private const int MaxDepth = 64;

        /// <summary>Whether a return operation belongs to the model's own <c>forward(x)</c> (not to a lambda inside it).</summary>
        public static bool IsForwardReturn(IReturnOperation operation, ISymbol containingSymbol, INamedTypeSymbol model)
        {
            if (containingSymbol is not IMethodSymbol { Name: "forward", Parameters.Length: 1, IsStatic: false } method) return false;
            if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, model)) return false;
            for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
                if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation) return false;
            return operation.Kind == OperationKind.Return;
        }

        /// <summary>The Linear field whose output a return statement returns, or null when it cannot be told.</summary>
        public static IFieldSymbol? Trace(IReturnOperation operation, HashSet<IFieldSymbol> linearFields) =>
            Trace(operation.ReturnedValue, linearFields, Root(operation), 0);

        /// <summary>The fallback: the last Linear field, when its constant out_features is strictly the smallest.</summary>
        public static IFieldSymbol? BySize(IReadOnlyList<IFieldSymbol> linearFields, IReadOnlyDictionary<IFieldSymbol, LayerShape> shapes)
        {
            if (linearFields.Count < 2) return null;
            var last = linearFields[linearFields.Count - 1];
            if (!shapes.TryGetValue(last, out var lastShape) || lastShape.Out is not { } lastOut) return null;
            for (var i = 0; i < linearFields.Count - 1; i++)
            {
                if (!shapes.TryGetValue(linearFields[i], out var shape) || shape.Out is not { } other) return null;
                if (other <= lastOut) return null;
            }
            return last;
        }

        private static IOperation Root(IOperation operation)
        {
            var root = operation;
            while (root.Parent is not null) root = root.Parent;
            return root;
        }

        private static IFieldSymbol? Trace(IOperation? operation, HashSet<IFieldSymbol> linearFields, IOperation root, int depth)
        {
            if (operation is null || depth > MaxDepth) return null;
            switch (operation)
            {
                case IConversionOperation conversion:
                    return Trace(conversion.Operand, linearFields, root, depth + 1);
                case IParenthesizedOperation parenthesized:
                    return Trace(parenthesized.Operand, linearFields, root, depth + 1);
                case IInvocationOperation invocation:
                    if (invocation.TargetMethod.Name is "call" or "forward"
                        && Unwrap(invocation.Instance) is IFieldReferenceOperation field
                        && linearFields.Contains(field.Field))
                        return field.Field;
                    if (invocation.Instance is not null)
                        return Trace(invocation.Instance, linearFields, root, depth + 1);
                    return invocation.Arguments.Length > 0
                        ? Trace(invocation.Arguments.OrderBy(a => a.Syntax.SpanStart).First().Value, linearFields, root, depth + 1)
                        : null;
                case ILocalReferenceOperation local:
                    return Trace(LastAssignment(root, local.Local, operation.Syntax.SpanStart), linearFields, root, depth + 1);
                case IParameterReferenceOperation parameter:
                    return Trace(LastAssignment(root, parameter.Parameter, operation.Syntax.SpanStart), linearFields, root, depth + 1);
                default:
                    return null;
            }
        }

        /// <summary>The value last given to a local or parameter by an assignment that ends before <paramref name="position"/>.</summary>
        private static IOperation? LastAssignment(IOperation root, ISymbol variable, int position)
        {
            IOperation? best = null;
            var bestEnd = -1;
            foreach (var operation in root.Descendants())
            {
                IOperation? value = null;
                int end;
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator
                        when SymbolEqualityComparer.Default.Equals(declarator.Symbol, variable):
                        value = declarator.Initializer?.Value
                                ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
                        end = declarator.Syntax.Span.End;
                        break;
                    case ISimpleAssignmentOperation assignment
                        when assignment.Target is ILocalReferenceOperation l && SymbolEqualityComparer.Default.Equals(l.Local, variable)
                             || assignment.Target is IParameterReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Parameter, variable):
                        value = assignment.Value;
                        end = assignment.Syntax.Span.End;
                        break;
                    default:
                        continue;
                }
                // The assignment must be complete before the use: in 'x = relu(x)' the x on the right is the earlier x.
                if (value is null || end > position || end < bestEnd) continue;
                best = value;
                bestEnd = end;
            }
            return best;
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion) operation = conversion.Operand;
            return operation;
        }
    }
}
