using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// The sizes of a Linear layer as far as they are compile-time constants (null where they are not):
    /// from <c>Linear(inputSize, outputSize, hasBias)</c> in the field initializer or in a constructor assignment.
    /// </summary>
    internal sealed record LayerShape(long? In, long? Out, bool? HasBias)
    {
        public static LayerShape Unknown { get; } = new LayerShape(null, null, null);

        /// <summary>The component-wise agreement of two sources (a field assigned twice with different sizes is unknown).</summary>
        public LayerShape Merge(LayerShape other) => new LayerShape(
            In == other.In ? In : null,
            Out == other.Out ? Out : null,
            HasBias == other.HasBias ? HasBias : null);

        /// <summary>d, the width of one group: fan-in plus the bias; null when either is unknown.</summary>
        public long? GroupWidth => In is { } fanIn && HasBias is { } bias ? fanIn + (bias ? 1 : 0) : null;

        /// <summary>How the layer is written, for messages: <c>Linear(784, 512)</c>.</summary>
        public string Display =>
            "Linear(" + (In?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?") + ", "
            + (Out?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?")
            + (HasBias == false ? ", hasBias: false" : string.Empty) + ")";

        /// <summary>Reads the sizes from the value a Linear field is given; <see cref="Unknown"/> for anything but the factory.</summary>
        public static LayerShape Read(IOperation? value, KnownTypes known)
        {
            value = Unwrap(value);
            if (value is not IInvocationOperation invocation || known.Nn is null) return Unknown;
            var method = invocation.TargetMethod;
            if (method.Name != "Linear" || !SymbolEqualityComparer.Default.Equals(method.ContainingType, known.Nn)) return Unknown;
            long? fanIn = null, fanOut = null;
            bool? bias = null;
            var sawInput = false;
            foreach (var argument in invocation.Arguments)
            {
                var constant = argument.Value.ConstantValue;
                switch (argument.Parameter?.Name)
                {
                    case "inputSize":
                        sawInput = true;
                        fanIn = constant.HasValue ? ToLong(constant.Value) : null;
                        break;
                    case "outputSize":
                        fanOut = constant.HasValue ? ToLong(constant.Value) : null;
                        break;
                    case "hasBias":
                        bias = constant.HasValue && constant.Value is bool b ? b : null;
                        break;
                }
            }
            // Linear(Parameter weight, Parameter bias) has no sizes.
            return sawInput ? new LayerShape(fanIn, fanOut, bias) : Unknown;
        }

        private static long? ToLong(object? value) => value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            uint u => u,
            _ => null,
        };

        private static IOperation? Unwrap(IOperation? operation)
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
