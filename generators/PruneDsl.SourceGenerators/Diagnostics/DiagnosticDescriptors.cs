using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Diagnostics
{
    /// <summary>
    /// Every PruneDsl diagnostic, one descriptor each: id, title, message, category, default severity and help link.
    /// PD0001-PD0009 are reported by the source generator (misuse that stops generation, and what forward does that it
    /// does not follow), PD0010 and up by the analyzer, except PD0025-PD0027, which the generator reports from the channel
    /// plan it reads from forward (they need the plans of the blocks a model uses, which only the generator has).
    /// docs/diagnostics/ has one page per id: what it means, its derivation, how to fix and how to suppress it.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        /// <summary>Category of the generator's diagnostics.</summary>
        public const string GenerationCategory = "PruneDsl.Generation";

        /// <summary>Category of the diagnostics about cost values.</summary>
        public const string CostCategory = "PruneDsl.Cost";

        /// <summary>Category of the diagnostics about where the attributes are and how the layers are used.</summary>
        public const string StructureCategory = "PruneDsl.Structure";

        /// <summary>Category of the diagnostics about the channel graph read from forward.</summary>
        public const string GraphCategory = "PruneDsl.Graph";

        /// <summary>Category of the diagnostics about [Budget].</summary>
        public const string BudgetCategory = "PruneDsl.Budget";

        /// <summary>Category of the diagnostics about N:M sparsity.</summary>
        public const string SparsityCategory = "PruneDsl.Sparsity";

        /// <summary>The page that explains a diagnostic: <see cref="BuildConstants.DocsBaseUrl"/> + id + ".md".</summary>
        /// <param name="id">PDxxxx.</param>
        public static string HelpLink(string id) => BuildConstants.DocsBaseUrl + id + ".md";

        /// <summary>PD0001: a class with PruneDsl attributes is not partial.</summary>
        public static readonly DiagnosticDescriptor ClassNotPartial = new(
            "PD0001", "Model class must be partial",
            "'{0}' has PruneDsl attributes but is not declared partial, so no pruning code can be generated for it; add the 'partial' modifier",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0001"));

        /// <summary>PD0002: a group attribute on a member whose type is not supported ({3}: the supported types; {4}: what to do instead).</summary>
        public static readonly DiagnosticDescriptor UnsupportedMemberType = new(
            "PD0002", "PruneDsl attribute on an unsupported member",
            "[{0}] is on '{1}' of type '{2}', but only fields of type {3} are supported{4}",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0002"));

        /// <summary>PD0003: attributes on a class that is not a TorchSharp module.</summary>
        public static readonly DiagnosticDescriptor NotAModule = new(
            "PD0003", "Model class must derive from a TorchSharp module",
            "'{0}' has PruneDsl attributes but does not derive from TorchSharp.torch.nn.Module, so it has no parameters to prune",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0003"));

        /// <summary>PD0004: the class declares RegisterComponents itself, which the generated code overrides.</summary>
        public static readonly DiagnosticDescriptor RegisterComponentsConflict = new(
            "PD0004", "RegisterComponents is generated",
            "'{0}' overrides RegisterComponents(), which the generated code overrides to attach the participation gates; remove the override and do its work in the constructor",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0004"));

        /// <summary>PD0005: generic model classes (or models nested in a generic type) are not supported.</summary>
        public static readonly DiagnosticDescriptor UnsupportedClassShape = new(
            "PD0005", "Model class shape not supported",
            "'{0}' is {1}; PruneDsl generates code only for non-generic classes (nested ones included, when every containing type is partial): make it non-generic",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0005"));

        /// <summary>PD0006: the user's forward cannot be copied into a standalone inference module.</summary>
        public static readonly DiagnosticDescriptor NoInferenceModule = new(
            "PD0006", "No inference module generated",
            "No inference module is generated for '{0}' because {1}; training, pruning and compaction are unaffected. An inference module copies forward(), so forward may use only the model's Linear, Conv2d, BatchNorm2d, pooling, dropout, activation and Flatten fields, its blocks (fields of PruneDsl model classes that have inference modules) and static members written with their class name.",
            GenerationCategory, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0006"));

        /// <summary>PD0007: a type that contains a model class is not partial.</summary>
        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
            "PD0007", "Type containing a model class must be partial",
            "'{0}' contains the model class '{1}' but is not declared partial, so the generated part of '{1}' cannot be nested in it; add the 'partial' modifier to '{0}'",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0007"));

        /// <summary>
        /// PD0008: forward does something the generator does not follow on channels that can be pruned ({0}: the
        /// explanation, as compaction refuses with it; {1}: the channel spaces it touches).
        /// </summary>
        public static readonly DiagnosticDescriptor ForwardNotFollowed = new(
            "PD0008", "Forward not followed",
            "{0}. The model still trains with its gates; Compact() refuses the channels of {1} with this explanation.",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0008"));

        /// <summary>PD0010: a setting outside its valid range ({0} attribute, {1} property, {2} value, {3} requirement).</summary>
        public static readonly DiagnosticDescriptor InvalidSetting = new(
            "PD0010", "Invalid PruneDsl setting",
            "[{0}] {1} = {2} {3}",
            CostCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0010"));

        /// <summary>
        /// PD0011: no participation can end below Epsilon within the training: a group with no benefit stays above it, or
        /// the costs outweigh every benefit and drift every participation down together without reaching it.
        /// </summary>
        public static readonly DiagnosticDescriptor CostCannotPrune = new(
            "PD0011", "Cost settings cannot prune",
            "'{0}' cannot be pruned: {1} ends at s = {2} >= Epsilon = {3} after T = {4} updates ({5}); set {6}",
            CostCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0011"));

        /// <summary>PD0012: with the declared training length the L1 term cannot take a participation from 1 to 0.</summary>
        public static readonly DiagnosticDescriptor L1BudgetTooSmall = new(
            "PD0012", "L1 budget too small for the declared training",
            "'{0}': LearningRate*Gamma*T = {1} < 1 over T = {2} updates, so the L1 term alone cannot take a participation from 1 to 0, and with the L2 term a group with no benefit still ends at s = {3} >= Epsilon = {4} ({5}); set {6}",
            CostCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0012"));

        /// <summary>PD0013: step ratio lr_s * 2 * Beta * ||theta_i||^2 in [1, 2): the step overshoots the best response.</summary>
        public static readonly DiagnosticDescriptor StepOvershoots = new(
            "PD0013", "Participation step overshoots the best response",
            "'{0}': the participation step ratio LearningRate*2*Beta*||theta_i||^2 = {1} is at least 1, so every update jumps past the best response and participations oscillate around it ({2}); use a LearningRate below {3}",
            CostCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0013"));

        /// <summary>PD0014: step ratio of 2 or more: the participation update diverges.</summary>
        public static readonly DiagnosticDescriptor StepDiverges = new(
            "PD0014", "Participation step diverges",
            "'{0}': the participation step ratio LearningRate*2*Beta*||theta_i||^2 = {1} is at least 2, so each update multiplies the distance to the best response by {2} and the projection makes participations jump between 0 and 1 ({3}); use a LearningRate below {4}",
            CostCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0014"));

        /// <summary>PD0015: Eta &gt;= 2 Beta: the potential is no longer strictly concave, the equilibrium need not be unique.</summary>
        public static readonly DiagnosticDescriptor CompetitionNotUnique = new(
            "PD0015", "Competition too strong for a unique equilibrium",
            "'{0}': Eta = {1} is at least 2*Beta = {2}, so the game's potential is no longer strictly concave for every weight matrix and its equilibrium need not be unique: {3}; keep Eta below {2}",
            CostCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0015"));

        /// <summary>PD0016: the cost of the competition term per participation update.</summary>
        public static readonly DiagnosticDescriptor CompetitionCost = new(
            "PD0016", "Cost of the competition term",
            "'{0}': the competition term costs 2*N*d = {1} multiply-adds per participation update for N = {2} groups of width d = {3} (it is computed as Theta(Theta^T s) - ||theta_i||^2 s_i, O(N*d) rather than O(N^2*d)), about as much as the layer's forward pass on 2 examples",
            CostCategory, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0016"));

        /// <summary>PD0017: a [ParticipationGroup] on the model's output layer.</summary>
        public static readonly DiagnosticDescriptor GroupOnOutputLayer = new(
            "PD0017", "Participation group on the output layer",
            "'{0}' is the model's output layer ({1}); a pruned output unit is an output the model can no longer produce (for a classifier, a class it can never predict); remove [ParticipationGroup] from it",
            StructureCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0017"));

        /// <summary>PD0018: a [Sparsity] string that is not a valid N:M pattern.</summary>
        public static readonly DiagnosticDescriptor InvalidSparsityPattern = new(
            "PD0018", "Invalid sparsity pattern",
            "'{0}': invalid sparsity pattern: {1}; the nearest valid pattern is \"{2}\"",
            SparsityCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0018"));

        /// <summary>PD0019: the layer's input width is not a multiple of M.</summary>
        public static readonly DiagnosticDescriptor SparsityWidthNotDivisible = new(
            "PD0019", "Input width not divisible by the sparsity group size",
            "'{0}' has {1} inputs, which is not a multiple of M = {2} of the pattern \"{3}\"; N:M sparsity splits each row into groups of M consecutive inputs",
            SparsityCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0019"));

        /// <summary>PD0020: a pattern sparse tensor cores cannot run (they take 2:4).</summary>
        public static readonly DiagnosticDescriptor SparsityNotTensorCorePattern = new(
            "PD0020", "Sparsity pattern not accelerated by sparse tensor cores",
            "'{0}': \"{1}\" is not a 2:4 pattern, so sparse tensor cores (which take at most 2 nonzero weights in every 4 consecutive inputs) cannot run it; it still removes {2} of the layer's weights",
            SparsityCategory, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0020"));

        /// <summary>PD0021: an attribute that configures something that is not there.</summary>
        public static readonly DiagnosticDescriptor AttributeHasNoEffect = new(
            "PD0021", "PruneDsl attribute has no effect",
            "[{0}] on '{1}' has no effect: {2}",
            StructureCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0021"));

        /// <summary>PD0022: a field-level [Cost] value identical to the class-level one.</summary>
        public static readonly DiagnosticDescriptor RedundantCostOverride = new(
            "PD0022", "Cost override repeats the class-level value",
            "'{0}': {1} = {2} repeats the class-level [Cost]; remove the override",
            StructureCategory, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0022"));

        /// <summary>PD0023: a gated layer invoked with forward(), which skips the forward hook that applies the gate.</summary>
        public static readonly DiagnosticDescriptor GateBypassed = new(
            "PD0023", "Gated layer called with forward()",
            "'{0}.forward(...)' bypasses the participation gate of '{0}', which is a forward hook that only call() runs; use '{0}.call(...)'",
            StructureCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0023"));

        /// <summary>
        /// PD0024: the costs outweigh every group's benefit and take every participation below Epsilon within the
        /// training: the layer is pruned whole.
        /// </summary>
        public static readonly DiagnosticDescriptor CostCollapsesLayer = new(
            "PD0024", "Costs collapse every participation",
            "'{0}': the cost pull Gamma + 2*Beta*||theta_i||^2 = {1} outweighs every group's benefit (at most about Alpha*{2} under a mean-reduced loss), so the costs decay every participation alike, and, with the weights growing to hold s_i*theta_i, every participation falls below Epsilon = {3} after about {4} of T = {5} updates ({6}): the layer is pruned whole and the network dies; set {7}",
            CostCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0024"));

        /// <summary>PD0009: two gated fields whose generated member names (Pascal case of the field name) coincide.</summary>
        public static readonly DiagnosticDescriptor GeneratedNamesCollide = new(
            "PD0009", "Two layers generate the same member names",
            "The fields '{0}' and '{1}' of '{2}' both become '{3}' in the names of their generated members (for example {3}Cost); rename one of them",
            GenerationCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0009"));

        /// <summary>PD0028: a [Sparsity] on a Conv2d whose N:M groups would straddle filters or kernel positions.</summary>
        public static readonly DiagnosticDescriptor SparsityStraddlesFilters = new(
            "PD0028", "N:M groups straddle a convolution's filters",
            "'{0}' is {1}: each filter has in_channels/groups*kh*kw = {2} weights, {3}; N:M sparsity keeps N of every M consecutive weights of a filter, so {4}",
            SparsityCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0028"));

        /// <summary>PD0025: groups whose channels are coupled (added together) with different settings.</summary>
        public static readonly DiagnosticDescriptor CoupledSettingsDiffer = new(
            "PD0025", "Coupled groups with different settings",
            "'{0}' shares its channels with '{1}' ({2}), so both are pruned with one participation per channel, but their settings differ ({3}); the shared gate uses the settings of '{1}': give the coupled layers the same [Cost], [SelectionDynamics] and [Prune] (on the class, for instance)",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0025"));

        /// <summary>PD0026: a group whose channels are also fed by an ungated path (an identity from an un-annotated layer, the input).</summary>
        public static readonly DiagnosticDescriptor GroupOnUngatedPath = new(
            "PD0026", "Group on channels an ungated path also feeds",
            "'{0}' cannot be pruned: its channels are added to {1}, which no participation gates, so a pruned channel would still carry them; {2}",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0026"));

        /// <summary>PD0027: a BatchNorm2d that normalizes gated channels after their gate.</summary>
        public static readonly DiagnosticDescriptor NormalizedAfterGate = new(
            "PD0027", "BatchNorm after the participation gate",
            "'{0}' normalizes the channels of '{1}' after their participation gate ({2}): batch normalization divides the gate back out while training, and a pruned channel would leave the BatchNorm's bias instead of 0, so Compact() refuses these channels; apply '{0}' directly to the output of the Conv2d that produces them (conv, then BatchNorm, then the activation), which moves the gate after it",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0027"));

        /// <summary>PD0032: a layer declared for OBS neuron removal whose outputs no single Linear layer consumes (the output layer, among others).</summary>
        public static readonly DiagnosticDescriptor ObsWithoutConsumer = new(
            "PD0032", "OBS neuron removal without a consumer",
            "'{0}' is declared for OBS neuron removal ([Reconstruct(ReconstructionMethod.Obs)]), but {1}; OBS removes a layer's neurons by updating the inputs of the Linear layer that reads them, so there is nothing to compensate and '{0}' is left out of the generated Reconstruct method: use ReconstructionMethod.SparseGpt (weights) or ReconstructionMethod.None for this layer",
            GraphCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0032"));

        /// <summary>PD0033: OBS neuron removal whose consumer has an N:M [Sparsity]: the update fills its pruned weights in.</summary>
        public static readonly DiagnosticDescriptor ObsDensifiesConsumer = new(
            "PD0033", "OBS update densifies an N:M consumer",
            "'{0}' is declared for OBS neuron removal, and its consumer '{1}' has [Sparsity(\"{2}\")]: the OBS update changes every remaining input column of '{1}', its pruned weights included, so '{1}' is no longer {2} sparse (its compressed form, or the next refresh of its mask, drops part of the repair); reconstruct '{1}' after '{0}' (SparseGPT at {2}: [Reconstruct] on '{1}') or use ReconstructionMethod.SparseGpt on '{0}'",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0033"));

        /// <summary>PD0034: a layer with [Reconstruct] settings that the generated Reconstruct method cannot include.</summary>
        public static readonly DiagnosticDescriptor ReconstructLayerLeftOut = new(
            "PD0034", "Layer left out of Reconstruct",
            "'{0}' has [Reconstruct] settings but is left out of the generated Reconstruct method: {1}",
            GraphCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0034"));

        /// <summary>PD0029: a [Budget] below the least the model can keep (the rule the runtime throws on).</summary>
        public static readonly DiagnosticDescriptor BudgetCannotBeMet = new(
            "PD0029", "Budget cannot be met",
            "The budget cannot be met: {0}; raise it",
            BudgetCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0029"));

        /// <summary>PD0030: an explicit Gamma on layers whose participation price a [Budget] sets.</summary>
        public static readonly DiagnosticDescriptor BudgetOverridesGamma = new(
            "PD0030", "Budget replaces an explicit Gamma",
            "Gamma is set here, but a [Budget] prices {0}: the budget's price replaces Gamma (this value is only where the price starts); remove Gamma or the [Budget]",
            BudgetCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0030"));

        /// <summary>PD0031: a [Budget] that covers no layer with groups in the game.</summary>
        public static readonly DiagnosticDescriptor BudgetWithoutGroups = new(
            "PD0031", "Budget on a layer without groups",
            "[Budget] on '{0}' has nothing to price: {1}",
            BudgetCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("PD0031"));

        /// <summary>Every descriptor the source generator reports, in id order.</summary>
        public static ImmutableArray<DiagnosticDescriptor> Generator { get; } = ImmutableArray.Create(
            ClassNotPartial, UnsupportedMemberType, NotAModule, RegisterComponentsConflict, UnsupportedClassShape,
            NoInferenceModule, ContainingTypeNotPartial, ForwardNotFollowed, GeneratedNamesCollide, CoupledSettingsDiffer,
            GroupOnUngatedPath, NormalizedAfterGate, ObsWithoutConsumer, ObsDensifiesConsumer, ReconstructLayerLeftOut);

        /// <summary>Every descriptor the analyzer reports, in id order.</summary>
        public static ImmutableArray<DiagnosticDescriptor> Analyzer { get; } = ImmutableArray.Create(
            InvalidSetting, CostCannotPrune, L1BudgetTooSmall, StepOvershoots, StepDiverges, CompetitionNotUnique,
            CompetitionCost, GroupOnOutputLayer, InvalidSparsityPattern, SparsityWidthNotDivisible,
            SparsityNotTensorCorePattern, AttributeHasNoEffect, RedundantCostOverride, GateBypassed, CostCollapsesLayer,
            SparsityStraddlesFilters, BudgetCannotBeMet, BudgetOverridesGamma, BudgetWithoutGroups);
    }
}
