using PruneDsl.Spec;

namespace PruneDsl.Analyzers
{
    /// <summary>
    /// <c>||theta_i||^2</c> of a layer's groups at initialisation, from its declared sizes and TorchSharp's default init
    /// (<see cref="CostRules.ExpectedInitNormSquared"/>). When the sizes are not compile-time constants it is a range, and
    /// each rule uses the end of the range that makes its conclusion hold for every size: a rule fires only if it would
    /// fire at every possible norm, and a suggested value works at every possible norm.
    /// </summary>
    internal readonly struct NormEstimate
    {
        private NormEstimate(double low, double high, string description)
        {
            Low = low;
            High = high;
            Description = description;
        }

        /// <summary>The smallest possible value.</summary>
        public double Low { get; }

        /// <summary>The largest possible value.</summary>
        public double High { get; }

        /// <summary>What was assumed, for messages.</summary>
        public string Description { get; }

        public static NormEstimate For(LayerShape shape)
        {
            if (shape.In is { } fanIn && fanIn >= 1)
            {
                if (shape.HasBias is { } bias)
                {
                    var n = CostRules.ExpectedInitNormSquared(fanIn, bias);
                    var formula = bias ? "(fan_in + 1)/(3*fan_in)" : "1/3 without a bias";
                    return new NormEstimate(n, n,
                        "||theta_i||^2 = " + Format.Number(n) + " assumed from TorchSharp's default init of " + shape.Display + ": " + formula);
                }
                var withBias = CostRules.ExpectedInitNormSquared(fanIn, true);
                return new NormEstimate(CostRules.MinInitNormSquared, withBias,
                    "||theta_i||^2 between " + Format.Number(CostRules.MinInitNormSquared) + " and " + Format.Number(withBias)
                    + " assumed from TorchSharp's default init of " + shape.Display + " with or without a bias");
            }
            if (shape.HasBias == false)
                return new NormEstimate(CostRules.MinInitNormSquared, CostRules.MinInitNormSquared,
                    "||theta_i||^2 = " + Format.Number(CostRules.MinInitNormSquared)
                    + " assumed from TorchSharp's default init of a Linear without a bias, of any size");
            return new NormEstimate(CostRules.MinInitNormSquared, CostRules.MaxInitNormSquared,
                "||theta_i||^2 between " + Format.Number(CostRules.MinInitNormSquared) + " and " + Format.Number(CostRules.MaxInitNormSquared)
                + " assumed from TorchSharp's default Linear init, since the layer's sizes are not compile-time constants");
        }
    }
}
