using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>A <c>torch.nn</c> factory call as far as it is known at compile time.</summary>
    /// <param name="Factory">The factory's name: <c>Linear</c>, <c>Conv2d</c>, <c>Sequential</c>, ...</param>
    /// <param name="Sizes">Its constant size arguments.</param>
    /// <param name="Children">
    /// For <c>Sequential(a, b, ...)</c> or <c>Sequential(("name", a), ...)</c>: each child's name (its position, or the
    /// name given) and its factory call (null when the child is not a factory call); null for any other factory or form.
    /// </param>
    internal sealed record LayerDeclaration(string Factory, LayerSizes Sizes, IReadOnlyList<(string Name, LayerDeclaration? Child)>? Children);

    /// <summary>
    /// Reads the value a layer field is given (a field initializer or a constructor assignment) into a
    /// <see cref="LayerDeclaration"/>: the one reader of layer sizes, for the generator's channel graph and the analyzer's
    /// cost and sparsity checks alike.
    /// </summary>
    internal static class LayerFactory
    {
        /// <summary>The factory call, or null when the value is not a <c>torch.nn</c> factory call.</summary>
        /// <param name="value">The value assigned to the field.</param>
        public static LayerDeclaration? Read(IOperation? value)
        {
            value = Unwrap(value);
            if (value is not IInvocationOperation invocation || !Torch.IsNnFactory(invocation.TargetMethod)) return null;
            var name = invocation.TargetMethod.Name;
            return name == "Sequential"
                ? new LayerDeclaration(name, LayerSizes.Unknown, ReadChildren(invocation))
                : new LayerDeclaration(name, ReadSizes(invocation), null);
        }

        private static LayerSizes ReadSizes(IInvocationOperation invocation)
        {
            long? @in = null, @out = null, kh = null, kw = null, groups = null, start = null, end = null;
            bool? bias = null;
            var sized = false;
            foreach (var argument in invocation.Arguments)
            {
                var value = argument.Value;
                switch (argument.Parameter?.Name)
                {
                    case "inputSize":
                    case "in_channels":
                    case "num_features":
                        sized = true;
                        @in = Long(value);
                        break;
                    case "outputSize":
                    case "out_channels":
                        @out = Long(value);
                        break;
                    case "kernel_size":
                        (kh, kw) = Pair(value);
                        break;
                    case "groups":
                        groups = Long(value);
                        break;
                    case "hasBias":
                    case "bias":
                    case "affine":
                        bias = Unwrap(value)?.ConstantValue is { HasValue: true, Value: bool b } ? b : null;
                        break;
                    case "start_dim":
                        start = Long(value);
                        break;
                    case "end_dim":
                        end = Long(value);
                        break;
                }
            }
            // Linear(Parameter weight, Parameter bias) has no sizes; Flatten() has its defaults as default-value arguments.
            if (!sized && invocation.TargetMethod.Name != "Flatten") return LayerSizes.Unknown;
            return new LayerSizes(@in, @out, kh, kw, groups, bias, start, end);
        }

        private static IReadOnlyList<(string, LayerDeclaration?)>? ReadChildren(IInvocationOperation invocation)
        {
            if (invocation.Arguments.Length != 1) return invocation.Arguments.Length == 0 ? new List<(string, LayerDeclaration?)>() : null;
            if (Unwrap(invocation.Arguments[0].Value) is not IArrayCreationOperation { Initializer: { } initializer }) return null;
            var children = new List<(string, LayerDeclaration?)>();
            foreach (var element in initializer.ElementValues)
            {
                var item = Unwrap(element);
                if (item is ITupleOperation { Elements.Length: 2 } tuple)
                {
                    if (Unwrap(tuple.Elements[0])?.ConstantValue is not { HasValue: true, Value: string name }) return null;
                    children.Add((name, Read(tuple.Elements[1])));
                }
                else if (item is IObjectCreationOperation { Arguments.Length: 2 } created
                         && Unwrap(created.Arguments[0].Value)?.ConstantValue is { HasValue: true, Value: string tupleName })
                {
                    children.Add((tupleName, Read(created.Arguments[1].Value)));
                }
                else
                {
                    children.Add((children.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Read(item)));
                }
            }
            return children;
        }

        /// <summary>A constant integer argument, or null.</summary>
        public static long? Long(IOperation? operation) => Unwrap(operation)?.ConstantValue is { HasValue: true } constant ? ToLong(constant.Value) : null;

        private static (long?, long?) Pair(IOperation value)
        {
            value = Unwrap(value)!;
            if (value is ITupleOperation { Elements.Length: 2 } tuple) return (Long(tuple.Elements[0]), Long(tuple.Elements[1]));
            var single = Long(value);
            return (single, single);
        }

        private static long? ToLong(object? value) => value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            uint u => u,
            sbyte sb => sb,
            ushort us => us,
            _ => null,
        };

        /// <summary>The operation without the conversions and parentheses around it.</summary>
        public static IOperation? Unwrap(IOperation? operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion: operation = conversion.Operand; continue;
                    case IParenthesizedOperation parenthesized: operation = parenthesized.Operand; continue;
                    default: return operation;
                }
            }
        }
    }
}
