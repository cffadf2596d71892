using System;
using System.Collections.Generic;

namespace PruneDsl.Spec
{
    /// <summary>
    /// The defaults of every <see cref="CostSpec"/> setting: the values a <c>[Cost]</c> attribute uses for the properties it
    /// does not name. One home, shared by the attributes, the generator, the analyzers and the runtime.
    /// </summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class CostDefaults
    {
        /// <summary>Weight of the benefit term (paper: alpha = 1).</summary>
        public const double Alpha = 1.0;

        /// <summary>
        /// Weight of the L2 cost <c>beta ||theta_i||^2 s_i^2</c>. Off by default: alone it has an interior best response
        /// (it shrinks participations without ever zeroing them) and, because weights grow to compensate, it only adds a
        /// uniform decay. README.md ("Choosing the default") has the measurements.
        /// </summary>
        public const double Beta = 0.0;

        /// <summary>
        /// Weight of the L1 cost <c>gamma |s_i|</c>: the price of participating. A group survives when its first-order
        /// loss saving (the loss-aligned benefit) exceeds it.
        /// </summary>
        public const double Gamma = 7e-4;

        /// <summary>Weight of the competition cost <c>eta s_i sum_{j != i} s_j &lt;theta_i, theta_j&gt;</c> (off by default).</summary>
        public const double Eta = 0.0;

        /// <summary>
        /// Step size of the projected gradient ascent on participations. The paper's 0.001 leaves s frozen: the benefit of
        /// a neuron under a mean-reduced loss is of order 1e-4, so lr_s must be of order 1 for it to move s at all.
        /// </summary>
        public const double LearningRate = 1.0;

        /// <summary>Groups whose participation ends below this are pruned (paper: 0.01).</summary>
        public const double Epsilon = 0.01;

        /// <summary>The default reading of the benefit term.</summary>
        public const BenefitSign Benefit = BenefitSign.LossAligned;
    }

    /// <summary>
    /// The cost settings of one participation group: what a <c>[Cost]</c> attribute says once class-level defaults and
    /// per-group overrides are merged. The generator bakes one of these into the generated code for every group.
    /// </summary>
    /// <param name="Alpha">Weight of the benefit term.</param>
    /// <param name="Beta">Weight of the L2 participation cost.</param>
    /// <param name="Gamma">Weight of the L1 participation cost.</param>
    /// <param name="Eta">Weight of the competition cost between groups of one layer.</param>
    /// <param name="LearningRate">Step size of the participation update.</param>
    /// <param name="Epsilon">Participation below which a group is pruned.</param>
    /// <param name="Benefit">How the benefit term is read.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record CostSpec(
        double Alpha = CostDefaults.Alpha,
        double Beta = CostDefaults.Beta,
        double Gamma = CostDefaults.Gamma,
        double Eta = CostDefaults.Eta,
        double LearningRate = CostDefaults.LearningRate,
        double Epsilon = CostDefaults.Epsilon,
        BenefitSign Benefit = CostDefaults.Benefit)
    {
        /// <summary>The settings with every value at its default.</summary>
        public static CostSpec Default { get; } = new CostSpec();

        /// <summary>
        /// Checks every value against its valid range. Returns one <see cref="SpecProblem"/> per invalid property (empty when
        /// the settings are valid). The analyzers report these at compile time; the runtime throws on them.
        /// </summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            RequirePositive(problems, nameof(Alpha), Alpha);
            RequireNonNegative(problems, nameof(Beta), Beta);
            RequireNonNegative(problems, nameof(Gamma), Gamma);
            RequireNonNegative(problems, nameof(Eta), Eta);
            RequirePositive(problems, nameof(LearningRate), LearningRate);
            if (double.IsNaN(Epsilon) || Epsilon <= 0 || Epsilon >= 1)
                problems.Add(new SpecProblem(nameof(Epsilon), Epsilon, "must lie in the open interval (0, 1)"));
            if (Benefit < BenefitSign.LossAligned || Benefit > BenefitSign.Magnitude)
                problems.Add(new SpecProblem(nameof(Benefit), (double)Benefit, "is not a defined BenefitSign"));
            return problems;
        }

        /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid value, if there is one.</summary>
        /// <param name="owner">What the settings belong to (e.g. a layer name), for the message.</param>
        public void EnsureValid(string owner) => SpecProblem.ThrowIfAny(Validate(), "cost settings", owner, "[Cost] attribute (or the CostSpec)");

        private static void RequirePositive(List<SpecProblem> problems, string name, double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value) || value <= 0)
                problems.Add(new SpecProblem(name, value, "must be a finite number greater than 0"));
        }

        private static void RequireNonNegative(List<SpecProblem> problems, string name, double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value) || value < 0)
                problems.Add(new SpecProblem(name, value, "must be a finite number greater than or equal to 0"));
        }
    }

    /// <summary>One invalid setting: which property, its value, and what is wrong with it.</summary>
    /// <param name="Property">The attribute property, e.g. <c>Beta</c>.</param>
    /// <param name="Value">The value it was given.</param>
    /// <param name="Requirement">What the value must satisfy.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    readonly record struct SpecProblem(string Property, double Value, string Requirement)
    {
        /// <summary>Throws an <see cref="ArgumentException"/> that names every problem, when there is one.</summary>
        /// <param name="problems">The problems found by a Validate method.</param>
        /// <param name="what">What was validated, e.g. "cost settings".</param>
        /// <param name="owner">What the settings belong to, e.g. a layer name.</param>
        /// <param name="source">Where the user sets them, e.g. "[Cost] attribute".</param>
        public static void ThrowIfAny(IReadOnlyList<SpecProblem> problems, string what, string owner, string source)
        {
            if (problems.Count == 0) return;
            var lines = new List<string>();
            foreach (var p in problems) lines.Add(p.ToString());
            throw new ArgumentException($"Invalid {what} for '{owner}': {string.Join("; ", lines)}. Fix the {source} that sets them.");
        }

        /// <inheritdoc />
        public override string ToString() =>
            $"{Property} = {Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} {Requirement}";
    }
}
