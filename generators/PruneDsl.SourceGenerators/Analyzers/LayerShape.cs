using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Graph;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// The sizes of a Linear or Conv2d layer as far as they are compile-time constants (null where they are not): from its
    /// factory call in the field initializer or in a constructor assignment, read by <see cref="LayerFactory"/> (the one
    /// reader of layer sizes, the generator's too). <see cref="In"/> is a group's fan-in: a Linear's in_features, a
    /// Conv2d's in_channels / groups * kernel height * kernel width (the weights of one filter).
    /// </summary>
    internal sealed record LayerShape(long? In, long? Out, bool? HasBias, string Factory = "Linear", LayerSizes? Sizes = null)
    {
        public static LayerShape Unknown { get; } = new LayerShape(null, null, null);

        /// <summary>The component-wise agreement of two sources (a field assigned twice with different sizes is unknown).</summary>
        public LayerShape Merge(LayerShape other) => Factory != other.Factory
            ? Unknown
            : new LayerShape(
                In == other.In ? In : null,
                Out == other.Out ? Out : null,
                HasBias == other.HasBias ? HasBias : null,
                Factory,
                Sizes is not null && other.Sizes is not null ? Sizes.Merge(other.Sizes) : null);

        /// <summary>d, the width of one group: fan-in plus the bias; null when either is unknown.</summary>
        public long? GroupWidth => In is { } fanIn && HasBias is { } bias ? fanIn + (bias ? 1 : 0) : null;

        /// <summary>How the layer is written, for messages: <c>Linear(784, 512)</c>, <c>Conv2d(20, 50, 5)</c>.</summary>
        public string Display => Factory == "Conv2d" && Sizes is { } c
            ? "Conv2d(" + Show(c.In) + ", " + Show(c.Out) + ", " + (c.KernelH == c.KernelW ? Show(c.KernelH) : "(" + Show(c.KernelH) + ", " + Show(c.KernelW) + ")")
              + (c.Groups is { } g && g != 1 ? ", groups: " + Show(g) : string.Empty) + (HasBias == false ? ", bias: false" : string.Empty) + ")"
            : "Linear(" + Show(In) + ", " + Show(Out) + (HasBias == false ? ", hasBias: false" : string.Empty) + ")";

        private static string Show(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";

        /// <summary>Reads the sizes from the value a layer field is given; <see cref="Unknown"/> for anything but a Linear or Conv2d factory.</summary>
        public static LayerShape Read(IOperation? value)
        {
            var declaration = LayerFactory.Read(value);
            if (declaration is null || declaration.Sizes == LayerSizes.Unknown) return Unknown;
            var s = declaration.Sizes;
            return declaration.Factory switch
            {
                "Linear" => new LayerShape(s.In, s.Out, s.Bias, "Linear", s),
                "Conv2d" => new LayerShape(
                    s.In is { } channels && s.Groups is { } groups && groups > 0 && s.KernelH is { } kh && s.KernelW is { } kw ? channels / groups * kh * kw : null,
                    s.Out, s.Bias, "Conv2d", s),
                _ => Unknown,
            };
        }
    }
}
