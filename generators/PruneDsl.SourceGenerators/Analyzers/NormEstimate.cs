using PruneDsl.SourceGenerators.Rules;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// <c>||theta_i||^2</c> of a layer's groups at initialisation, from its declared sizes and TorchSharp's default init
    /// (<see cref="CostRules.ExpectedInitNormSquared"/>: <c>(fan_in + 1) / (3 fan_in)</c>, 1/3 without a bias). When the
    /// fan-in is not a compile-time constant the large-fan-in limit 1/3 is used (the true value lies in (1/3, 2/3] and is
    /// within 1% of 1/3 from a fan-in of 100 up); when only the bias flag is not constant, a bias (TorchSharp's default) is
    /// assumed. Every message says which.
    /// </summary>
    internal readonly struct NormEstimate
    {
        private NormEstimate(double value, string description)
        {
            Value = value;
            Description = description;
        }

        /// <summary>The estimate.</summary>
        public double Value { get; }

        /// <summary>What was assumed, for messages.</summary>
        public string Description { get; }

        public static NormEstimate For(LayerShape shape)
        {
            if (shape.In is { } fanIn && fanIn >= 1)
            {
                var bias = shape.HasBias ?? true;
                var n = CostRules.ExpectedInitNormSquared(fanIn, bias);
                var formula = bias ? "(fan_in + 1)/(3*fan_in)" : "1/3 without a bias";
                var assumedBias = shape.HasBias is null ? ", assuming a bias" : string.Empty;
                return new NormEstimate(n,
                    "||theta_i||^2 = " + Format.Number(n) + " assumed from TorchSharp's default init of " + shape.Display + ": " + formula + assumedBias);
            }
            return new NormEstimate(CostRules.MinInitNormSquared,
                "||theta_i||^2 = 1/3 assumed: the large-fan-in limit of TorchSharp's default Linear init, (fan_in + 1)/(3*fan_in), since the layer's fan-in is not a compile-time constant");
        }
    }
}
