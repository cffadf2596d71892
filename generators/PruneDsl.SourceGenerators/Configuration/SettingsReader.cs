using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Configuration
{
    /// <summary>
    /// Reads one attribute's arguments into its spec (src/PruneDsl.Spec): the only code that turns <c>AttributeData</c>
    /// into settings. Unknown property names, values of the wrong kind and arguments the compiler could not bind leave a
    /// setting at what it was, so broken code reads as far as it can and the compiler reports the rest.
    /// </summary>
    internal static class SettingsReader
    {
        /// <summary>The named arguments of an attribute whose value the compiler could bind.</summary>
        /// <param name="attribute">The attribute.</param>
        public static IEnumerable<KeyValuePair<string, TypedConstant>> NamedSettings(AttributeData attribute)
        {
            foreach (var argument in attribute.NamedArguments)
                if (argument.Value.Kind != TypedConstantKind.Error)
                    yield return argument;
        }

        /// <summary>A <c>[Cost]</c>'s named settings applied over <paramref name="cost"/>.</summary>
        /// <param name="cost">The settings so far.</param>
        /// <param name="attribute">The [Cost].</param>
        /// <param name="named">When given, collects the property names the attribute sets.</param>
        public static CostSpec ApplyCost(CostSpec cost, AttributeData attribute, ICollection<string>? named = null)
        {
            foreach (var argument in NamedSettings(attribute))
            {
                named?.Add(argument.Key);
                cost = WithCostSetting(cost, argument.Key, argument.Value.Value);
            }
            return cost;
        }

        /// <summary>A <c>[SelectionDynamics]</c>: its dynamic (the constructor argument) and named settings over the defaults.</summary>
        /// <param name="attribute">The [SelectionDynamics].</param>
        public static DynamicsSpec ReadDynamics(AttributeData attribute)
        {
            var spec = DynamicsSpec.Default;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int kind)
                spec = spec with { Kind = (Dynamics)kind };
            foreach (var argument in NamedSettings(attribute))
            {
                if (!TryToDouble(argument.Value.Value, out var d)) continue;
                spec = argument.Key switch
                {
                    nameof(DynamicsSpec.LearningRate) => spec with { LearningRate = d },
                    nameof(DynamicsSpec.Smoothing) => spec with { Smoothing = d },
                    nameof(DynamicsSpec.TargetSparsity) => spec with { TargetSparsity = d },
                    _ => spec,
                };
            }
            return spec;
        }

        /// <summary>
        /// A <c>[Reconstruct]</c>'s method (the constructor argument, or the one so far) and named settings applied over
        /// <paramref name="spec"/>. Integer settings take whole numbers only.
        /// </summary>
        /// <param name="spec">The settings so far (the class's, or the defaults).</param>
        /// <param name="attribute">The [Reconstruct].</param>
        public static ReconstructionSpec ApplyReconstruction(ReconstructionSpec spec, AttributeData attribute)
        {
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int method)
                spec = spec with { Method = (ReconstructionMethod)method };
            foreach (var argument in NamedSettings(attribute))
                spec = WithReconstructionSetting(spec, argument.Key, argument.Value.Value);
            return spec;
        }

        /// <summary>
        /// Whether a <c>[Reconstruct]</c> sets the property: <c>Method</c> by its constructor argument, the others by a bound
        /// named argument.
        /// </summary>
        /// <param name="attribute">The [Reconstruct].</param>
        /// <param name="property">The <see cref="ReconstructionSpec"/> property.</param>
        public static bool SetsReconstruction(AttributeData attribute, string property)
        {
            if (property == nameof(ReconstructionSpec.Method))
                return attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int;
            foreach (var argument in NamedSettings(attribute))
                if (argument.Key == property && TryReconstructionSetting(ReconstructionSpec.Default, property, argument.Value.Value, out _))
                    return true;
            return false;
        }

        /// <summary>One <c>[Reconstruct]</c> named argument applied (unknown names and values of another kind leave it unchanged).</summary>
        /// <param name="spec">The settings so far.</param>
        /// <param name="property">The attribute property.</param>
        /// <param name="value">Its constant value.</param>
        public static ReconstructionSpec WithReconstructionSetting(ReconstructionSpec spec, string property, object? value) =>
            TryReconstructionSetting(spec, property, value, out var result) ? result : spec;

        /// <summary>One <c>[Reconstruct]</c> named argument applied; false (and the spec unchanged) for an unknown name or a value of another kind.</summary>
        private static bool TryReconstructionSetting(ReconstructionSpec spec, string property, object? value, out ReconstructionSpec result)
        {
            result = spec;
            if (!TryToDouble(value, out var d)) return false;
            var whole = d == System.Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue;
            ReconstructionSpec? applied = property switch
            {
                nameof(ReconstructionSpec.Sparsity) => spec with { Sparsity = d },
                nameof(ReconstructionSpec.Dampening) => spec with { Dampening = d },
                nameof(ReconstructionSpec.BlockSize) when whole => spec with { BlockSize = (int)d },
                nameof(ReconstructionSpec.CalibrationBatches) when whole => spec with { CalibrationBatches = (int)d },
                nameof(ReconstructionSpec.Bits) when whole => spec with { Bits = (int)d },
                nameof(ReconstructionSpec.GroupSize) when whole => spec with { GroupSize = (int)d },
                _ => null,
            };
            if (applied is null) return false;
            result = applied;
            return true;
        }

        /// <summary>
        /// A <c>[Prune]</c> over <paramref name="spec"/> (null: nothing so far): its criterion (or the one so far), its
        /// threshold, and the named values it sets.
        /// </summary>
        /// <param name="spec">The settings so far, or null.</param>
        /// <param name="attribute">The [Prune].</param>
        public static PruneSpec ApplyPrune(PruneSpec? spec, AttributeData attribute)
        {
            var args = attribute.ConstructorArguments;
            var criterion = args.Length > 0 && args[0].Value is int c ? (Criterion)c : spec?.Criterion ?? Criterion.Gate;
            var threshold = args.Length > 1 && args[1].Value is int t ? (PruneThreshold)t : PruneThreshold.Effective;
            var result = spec is null ? new PruneSpec(criterion, threshold) : spec with { Criterion = criterion, Threshold = threshold };
            foreach (var argument in NamedSettings(attribute))
            {
                if (!TryToDouble(argument.Value.Value, out var d)) continue;
                result = argument.Key switch
                {
                    nameof(PruneSpec.Sparsity) => result with { Sparsity = d },
                    nameof(PruneSpec.Beta) => result with { Beta = d },
                    _ => result,
                };
            }
            return result;
        }

        /// <summary>A <c>[Budget]</c>'s named settings over the defaults (a <see cref="BudgetUnit"/> as its underlying integer).</summary>
        /// <param name="attribute">The [Budget].</param>
        public static BudgetSpec ReadBudget(AttributeData attribute)
        {
            var spec = new BudgetSpec();
            foreach (var argument in NamedSettings(attribute))
            {
                var value = argument.Value.Value;
                if (argument.Key == nameof(BudgetSpec.Unit))
                {
                    if (value is int unit) spec = spec with { Unit = (BudgetUnit)unit };
                    continue;
                }
                if (argument.Key == nameof(BudgetSpec.FineTuneEpochs))
                {
                    if (value is int epochs) spec = spec with { FineTuneEpochs = epochs };
                    continue;
                }
                if (!TryToDouble(value, out var d)) continue;
                spec = argument.Key switch
                {
                    nameof(BudgetSpec.Keep) => spec with { Keep = d },
                    nameof(BudgetSpec.KeepFraction) => spec with { KeepFraction = d },
                    nameof(BudgetSpec.PriceStep) => spec with { PriceStep = d },
                    nameof(BudgetSpec.SettleEpochs) => spec with { SettleEpochs = d },
                    _ => spec,
                };
            }
            return spec;
        }

        /// <summary>A <c>[TrainingLength]</c> as the schedule it declares (unset values are 0, which Validate rejects).</summary>
        /// <param name="attribute">The [TrainingLength].</param>
        public static TrainingSchedule ReadSchedule(AttributeData attribute)
        {
            int epochs = 0, steps = 0;
            foreach (var argument in NamedSettings(attribute))
            {
                if (argument.Value.Value is not int value) continue;
                if (argument.Key == nameof(TrainingSchedule.Epochs)) epochs = value;
                else if (argument.Key == nameof(TrainingSchedule.StepsPerEpoch)) steps = value;
            }
            return new TrainingSchedule(epochs, steps);
        }

        /// <summary>The text a <c>[Sparsity]</c> declares (null for a null literal); false when the argument is missing or unbound.</summary>
        /// <param name="attribute">The [Sparsity].</param>
        /// <param name="text">The pattern text.</param>
        public static bool TryReadPattern(AttributeData attribute, out string? text)
        {
            text = null;
            if (attribute.ConstructorArguments.Length != 1) return false;
            var argument = attribute.ConstructorArguments[0];
            if (argument.Kind == TypedConstantKind.Error) return false;
            text = argument.IsNull ? null : argument.Value as string;
            return true;
        }

        /// <summary>
        /// The spec with one named <c>[Cost]</c> setting applied (the attribute's property name and its constant value; a
        /// <see cref="BenefitSign"/> as its underlying integer). Unknown names and values of the wrong kind leave it unchanged.
        /// </summary>
        /// <param name="cost">The spec so far.</param>
        /// <param name="property">The attribute property, e.g. <c>Beta</c>.</param>
        /// <param name="value">Its constant value.</param>
        public static CostSpec WithCostSetting(CostSpec cost, string property, object? value)
        {
            if (property == nameof(CostSpec.Benefit))
                return value is int sign ? cost with { Benefit = (BenefitSign)sign } : cost;
            if (!TryToDouble(value, out var d)) return cost;
            return property switch
            {
                nameof(CostSpec.Alpha) => cost with { Alpha = d },
                nameof(CostSpec.Beta) => cost with { Beta = d },
                nameof(CostSpec.Gamma) => cost with { Gamma = d },
                nameof(CostSpec.Eta) => cost with { Eta = d },
                nameof(CostSpec.LearningRate) => cost with { LearningRate = d },
                nameof(CostSpec.Epsilon) => cost with { Epsilon = d },
                _ => cost,
            };
        }

        /// <summary>An attribute argument's constant as a double (any numeric type); false for anything else.</summary>
        /// <param name="value">The constant.</param>
        /// <param name="result">Its value.</param>
        public static bool TryToDouble(object? value, out double result)
        {
            switch (value)
            {
                case double d: result = d; return true;
                case float f: result = f; return true;
                case int i: result = i; return true;
                case long l: result = l; return true;
                case short s: result = s; return true;
                case byte b: result = b; return true;
                case decimal m: result = (double)m; return true;
                default: result = 0; return false;
            }
        }
    }
}
