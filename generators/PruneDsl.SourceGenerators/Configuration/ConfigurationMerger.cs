using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Configuration
{
    /// <summary>The cost settings of one group, and where they came from (for the generated doc comment).</summary>
    /// <param name="Spec">Defaults, then the class-level [Cost], then the field's own [Cost], property by property.</param>
    /// <param name="Source">E.g. "the class's [Cost], with Gamma from the field's [Cost]".</param>
    internal sealed record MergedCost(CostSpec Spec, string Source);

    /// <summary>
    /// The one rule by which class-level and field-level attributes combine into the settings of one gated layer, used by
    /// the generator's model and by every analyzer: the class sets defaults, the field overrides what it names.
    /// </summary>
    internal static class ConfigurationMerger
    {
        /// <summary>[Cost]: the defaults (<see cref="CostDefaults"/>), then the class's named settings, then the field's.</summary>
        /// <param name="classCost">The class-level [Cost], if any.</param>
        /// <param name="fieldCost">The field's own [Cost], if any.</param>
        public static MergedCost Cost(AttributeData? classCost, AttributeData? fieldCost)
        {
            var spec = CostSpec.Default;
            if (classCost is not null) spec = SettingsReader.ApplyCost(spec, classCost);
            var overridden = new List<string>();
            if (fieldCost is not null) spec = SettingsReader.ApplyCost(spec, fieldCost, overridden);
            var source = classCost is null ? "defaults" : "the class's [Cost]";
            if (overridden.Count > 0) source += ", with " + string.Join(", ", overridden) + " from the field's [Cost]";
            return new MergedCost(spec, source);
        }

        /// <summary>
        /// Whether a group layer evolves instead of playing the game: it has its own [SelectionDynamics], or the class has one
        /// and the field has no [Cost] of its own (a field-level [Cost] keeps that layer in the game).
        /// </summary>
        /// <param name="classDynamics">The class-level [SelectionDynamics], if any.</param>
        /// <param name="fieldDynamics">The field's own [SelectionDynamics], if any.</param>
        /// <param name="fieldCost">The field's own [Cost], if any.</param>
        public static bool Evolves(AttributeData? classDynamics, AttributeData? fieldDynamics, AttributeData? fieldCost) =>
            DynamicsAttribute(classDynamics, fieldDynamics, fieldCost) is not null;

        /// <summary>The selection dynamics of an evolving layer (see <see cref="Evolves"/>), or null when it plays the game.</summary>
        /// <param name="classDynamics">The class-level [SelectionDynamics], if any.</param>
        /// <param name="fieldDynamics">The field's own [SelectionDynamics], if any.</param>
        /// <param name="fieldCost">The field's own [Cost], if any.</param>
        public static DynamicsSpec? Dynamics(AttributeData? classDynamics, AttributeData? fieldDynamics, AttributeData? fieldCost) =>
            DynamicsAttribute(classDynamics, fieldDynamics, fieldCost) is { } attribute ? SettingsReader.ReadDynamics(attribute) : null;

        /// <summary>[Prune]: the class's, then the field's own (its criterion and threshold, and the named values it sets); null without either.</summary>
        /// <param name="classPrune">The class-level [Prune], if any.</param>
        /// <param name="fieldPrune">The field's own [Prune], if any.</param>
        public static PruneSpec? Prune(AttributeData? classPrune, AttributeData? fieldPrune)
        {
            PruneSpec? spec = null;
            if (classPrune is not null) spec = SettingsReader.ApplyPrune(spec, classPrune);
            if (fieldPrune is not null) spec = SettingsReader.ApplyPrune(spec, fieldPrune);
            return spec;
        }

        /// <summary>
        /// [Reconstruct]: the defaults (<see cref="ReconstructionDefaults"/>), then the class's method and named settings, then
        /// the field's; the pattern is the field's [Sparsity] when it parses (normalised, e.g. <c>"2:4"</c>), else
        /// unstructured. Null when neither the class nor the field has a [Reconstruct].
        /// </summary>
        /// <param name="classReconstruct">The class-level [Reconstruct], if any.</param>
        /// <param name="fieldReconstruct">The field's own [Reconstruct], if any.</param>
        /// <param name="fieldSparsity">The field's [Sparsity], if any.</param>
        public static ReconstructionSpec? Reconstruction(AttributeData? classReconstruct, AttributeData? fieldReconstruct, AttributeData? fieldSparsity)
        {
            if (classReconstruct is null && fieldReconstruct is null) return null;
            var spec = ReconstructionSpec.Default;
            if (classReconstruct is not null) spec = SettingsReader.ApplyReconstruction(spec, classReconstruct);
            if (fieldReconstruct is not null) spec = SettingsReader.ApplyReconstruction(spec, fieldReconstruct);
            if (fieldSparsity is not null && SettingsReader.TryReadPattern(fieldSparsity, out var text) && SparsityPattern.TryParse(text, out var pattern, out _))
                spec = spec with { Pattern = pattern.ToString() };
            return spec;
        }

        /// <summary>
        /// Which of the two [Reconstruct]s set a setting of the merged spec: the field's when it names it, else the class's
        /// when it names it, else null (the default). <c>Method</c> is the constructor argument.
        /// </summary>
        /// <param name="classReconstruct">The class-level [Reconstruct], if any.</param>
        /// <param name="fieldReconstruct">The field's own [Reconstruct], if any.</param>
        /// <param name="property">The <see cref="ReconstructionSpec"/> property.</param>
        public static AttributeData? ReconstructionSource(AttributeData? classReconstruct, AttributeData? fieldReconstruct, string property)
        {
            if (fieldReconstruct is not null && SettingsReader.SetsReconstruction(fieldReconstruct, property)) return fieldReconstruct;
            if (classReconstruct is not null && SettingsReader.SetsReconstruction(classReconstruct, property)) return classReconstruct;
            return null;
        }

        private static AttributeData? DynamicsAttribute(AttributeData? classDynamics, AttributeData? fieldDynamics, AttributeData? fieldCost) =>
            fieldDynamics ?? (fieldCost is null ? classDynamics : null);
    }
}
