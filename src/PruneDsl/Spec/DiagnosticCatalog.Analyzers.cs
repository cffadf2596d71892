using System.Collections.Generic;

namespace PruneDsl.Spec
{
    // PD0010 and up: reported by the analyzers (analyzers/PruneDsl.Analyzers). Each rule's derivation is on its page in
    // docs/diagnostics/; the numbers in the messages come from CostRules.
    public static partial class DiagnosticCatalog
    {
        /// <summary>Category of the diagnostics about cost values.</summary>
        public const string CostCategory = "PruneDsl.Cost";

        /// <summary>Category of the diagnostics about where the attributes are and how the layers are used.</summary>
        public const string StructureCategory = "PruneDsl.Structure";

        /// <summary>Category of the diagnostics about N:M sparsity.</summary>
        public const string SparsityCategory = "PruneDsl.Sparsity";

        /// <summary>PD0010: a [Cost] or [TrainingLength] value outside its valid range ({0} attribute, {1} property, {2} value, {3} requirement).</summary>
        public static readonly DiagnosticEntry InvalidSetting = new(
            "PD0010", "Invalid PruneDsl setting",
            "[{0}] {1} = {2} {3}",
            CostCategory, DiagnosticLevel.Error);

        /// <summary>PD0011: Gamma = Eta = 0 and too little L2 pull over the training: no group can be pruned.</summary>
        public static readonly DiagnosticEntry CostCannotPrune = new(
            "PD0011", "Cost settings cannot prune",
            "'{0}' cannot be pruned: with Gamma = 0 and Eta = 0 no cost term reaches s = 0, and the L2 pull 2*LearningRate*Beta*||theta_i||^2*T = {1} < 1 over T = {2} updates leaves a group with no benefit at s = {3} >= Epsilon = {4} ({5}); set Gamma to at least {6}",
            CostCategory, DiagnosticLevel.Warning);

        /// <summary>PD0012: with the declared training length the L1 term cannot take a participation from 1 to 0.</summary>
        public static readonly DiagnosticEntry L1BudgetTooSmall = new(
            "PD0012", "L1 budget too small for the declared training",
            "'{0}': LearningRate*Gamma*T = {1} < 1 over T = {2} updates, so the L1 term alone cannot take a participation from 1 to 0, and with the L2 term a group with no benefit still ends at s = {3} >= Epsilon = {4} ({5}); set Gamma to at least {6}",
            CostCategory, DiagnosticLevel.Warning);

        /// <summary>PD0013: step ratio lr_s * 2 * Beta * ||theta_i||^2 in [1, 2): the step overshoots the best response.</summary>
        public static readonly DiagnosticEntry StepOvershoots = new(
            "PD0013", "Participation step overshoots the best response",
            "'{0}': the participation step ratio LearningRate*2*Beta*||theta_i||^2 = {1} is at least 1, so every update jumps past the best response and participations oscillate around it ({2}); use a LearningRate below {3}",
            CostCategory, DiagnosticLevel.Warning);

        /// <summary>PD0014: step ratio of 2 or more: the participation update diverges.</summary>
        public static readonly DiagnosticEntry StepDiverges = new(
            "PD0014", "Participation step diverges",
            "'{0}': the participation step ratio LearningRate*2*Beta*||theta_i||^2 = {1} is at least 2, so each update multiplies the distance to the best response by {2} and the projection makes participations jump between 0 and 1 ({3}); use a LearningRate below {4}",
            CostCategory, DiagnosticLevel.Error);

        /// <summary>PD0015: Eta &gt;= 2 Beta: the potential is no longer strictly concave, the equilibrium need not be unique.</summary>
        public static readonly DiagnosticEntry CompetitionNotUnique = new(
            "PD0015", "Competition too strong for a unique equilibrium",
            "'{0}': Eta = {1} is at least 2*Beta = {2}, so the game's potential is no longer strictly concave for every weight matrix and its equilibrium need not be unique: {3}; keep Eta below {2}",
            CostCategory, DiagnosticLevel.Warning);

        /// <summary>PD0016: the cost of the competition term per participation update.</summary>
        public static readonly DiagnosticEntry CompetitionCost = new(
            "PD0016", "Cost of the competition term",
            "'{0}': the competition term costs 2*N*d = {1} multiply-adds per participation update for N = {2} groups of width d = {3} (it is computed as Theta(Theta^T s) - ||theta_i||^2 s_i, O(N*d) rather than O(N^2*d)), about as much as the layer's forward pass on 2 examples",
            CostCategory, DiagnosticLevel.Info);

        /// <summary>PD0017: a [ParticipationGroup] on the model's output layer.</summary>
        public static readonly DiagnosticEntry GroupOnOutputLayer = new(
            "PD0017", "Participation group on the output layer",
            "'{0}' is the model's output layer ({1}); a pruned output unit is an output the model can no longer produce (for a classifier, a class it can never predict); remove [ParticipationGroup] from it",
            StructureCategory, DiagnosticLevel.Warning);

        /// <summary>PD0018: a [Sparsity] string that is not a valid N:M pattern.</summary>
        public static readonly DiagnosticEntry InvalidSparsityPattern = new(
            "PD0018", "Invalid sparsity pattern",
            "'{0}': invalid sparsity pattern: {1}; the nearest valid pattern is \"{2}\"",
            SparsityCategory, DiagnosticLevel.Error);

        /// <summary>PD0019: the layer's input width is not a multiple of M.</summary>
        public static readonly DiagnosticEntry SparsityWidthNotDivisible = new(
            "PD0019", "Input width not divisible by the sparsity group size",
            "'{0}' has {1} inputs, which is not a multiple of M = {2} of the pattern \"{3}\"; N:M sparsity splits each row into groups of M consecutive inputs",
            SparsityCategory, DiagnosticLevel.Error);

        /// <summary>PD0020: a pattern sparse tensor cores cannot run (they take 2:4).</summary>
        public static readonly DiagnosticEntry SparsityNotTensorCorePattern = new(
            "PD0020", "Sparsity pattern not accelerated by sparse tensor cores",
            "'{0}': \"{1}\" is not a 2:4 pattern, so sparse tensor cores (which take at most 2 nonzero weights in every 4 consecutive inputs) cannot run it; it still removes {2} of the layer's weights",
            SparsityCategory, DiagnosticLevel.Info);

        /// <summary>PD0021: an attribute that configures something that is not there.</summary>
        public static readonly DiagnosticEntry AttributeHasNoEffect = new(
            "PD0021", "PruneDsl attribute has no effect",
            "[{0}] on '{1}' has no effect: {2}",
            StructureCategory, DiagnosticLevel.Warning);

        /// <summary>PD0022: a field-level [Cost] value identical to the class-level one.</summary>
        public static readonly DiagnosticEntry RedundantCostOverride = new(
            "PD0022", "Cost override repeats the class-level value",
            "'{0}': {1} = {2} repeats the class-level [Cost]; remove the override",
            StructureCategory, DiagnosticLevel.Info);

        /// <summary>PD0023: a gated layer invoked with forward(), which skips the forward hook that applies the gate.</summary>
        public static readonly DiagnosticEntry GateBypassed = new(
            "PD0023", "Gated layer called with forward()",
            "'{0}.forward(...)' bypasses the participation gate of '{0}', which is a forward hook that only call() runs; use '{0}.call(...)'",
            StructureCategory, DiagnosticLevel.Warning);

        /// <summary>Every entry the analyzers report, in id order.</summary>
        public static IReadOnlyList<DiagnosticEntry> AnalyzerEntries { get; } = new[]
        {
            InvalidSetting, CostCannotPrune, L1BudgetTooSmall, StepOvershoots, StepDiverges, CompetitionNotUnique,
            CompetitionCost, GroupOnOutputLayer, InvalidSparsityPattern, SparsityWidthNotDivisible,
            SparsityNotTensorCorePattern, AttributeHasNoEffect, RedundantCostOverride, GateBypassed,
        };
    }
}
