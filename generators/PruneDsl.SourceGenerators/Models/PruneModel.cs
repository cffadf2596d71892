using System.Linq;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Models
{
    /// <summary>
    /// What the pipeline keeps of one annotated class: the model to emit (null when nothing can or need be generated) and
    /// the diagnostics to report, each compared by value so that unchanged classes stay cached.
    /// </summary>
    /// <param name="Model">The model, or null.</param>
    /// <param name="Diagnostics">What to report for the class.</param>
    /// <param name="Graph">What its forward does to channels (null when nothing is generated for it).</param>
    internal sealed record ModelResult(PruneModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, Graph.ClassGraph? Graph);

    /// <summary>Everything the emitter needs about one annotated model class: strings, numbers and equatable arrays only.</summary>
    /// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
    /// <param name="ContainingTypes">The types the class is nested in, outermost first (empty for a top-level class).</param>
    /// <param name="ClassName">The class name.</param>
    /// <param name="FullName">The fully qualified name without <c>global::</c> (the hint name is derived from it).</param>
    /// <param name="Groups">The [ParticipationGroup] layers in declaration order.</param>
    /// <param name="SparseLayers">The [Sparsity] layers in declaration order.</param>
    /// <param name="Inference">What the inference module copies, or null when it cannot be generated.</param>
    /// <param name="Reconstruct">The targets of the generated Reconstruct method, in forward order (empty: no method).</param>
    /// <param name="Budget">The class-level [Budget], or null.</param>
    /// <param name="Plan">The resolved channel plan (set once the graphs of every model are known), or null before.</param>
    internal sealed record PruneModel(
        string? Namespace,
        EquatableArray<ContainingTypeModel> ContainingTypes,
        string ClassName,
        string FullName,
        EquatableArray<GroupLayerModel> Groups,
        EquatableArray<SparseLayerModel> SparseLayers,
        InferenceModel? Inference,
        EquatableArray<ReconstructLayerModel> Reconstruct,
        BudgetSpec? Budget,
        Graph.ClassPlan? Plan = null)
    {
        /// <summary>Whether the class or any game layer declares a [Budget] (the model then implements IBudgetedModel).</summary>
        public bool HasBudget => Budget is not null || Groups.Any(g => g.IsGame && g.Budget is not null);
    }

    /// <summary>A type the model class is nested in, as its partial declaration is written.</summary>
    /// <param name="Keyword">The declaration keywords, e.g. <c>partial class</c>, <c>static partial class</c>, <c>partial record struct</c>.</param>
    /// <param name="Name">The type name.</param>
    internal sealed record ContainingTypeModel(string Keyword, string Name);

    /// <summary>One [ParticipationGroup] field.</summary>
    /// <param name="FieldName">The field name, e.g. fc1.</param>
    /// <param name="Cost">The merged cost settings (class [Cost], then the field's own [Cost] overrides).</param>
    /// <param name="CostSource">Where each setting came from, for the generated comment.</param>
    /// <param name="Dynamics">The selection dynamics when the layer evolves instead of playing the game, else null.</param>
    /// <param name="Prune">The merged [Prune] settings (class, then the field's own [Prune] overrides), or null when neither has one.</param>
    /// <param name="Budget">The field's own [Budget], or null.</param>
    internal sealed record GroupLayerModel(string FieldName, CostSpec Cost, string CostSource, DynamicsSpec? Dynamics, PruneSpec? Prune = null, BudgetSpec? Budget = null)
    {
        /// <summary>Whether the layer plays the game (else it evolves).</summary>
        public bool IsGame => Dynamics is null;

        /// <summary>The generated property that exposes the layer's gate.</summary>
        public string GateProperty => Emit.Names.Pascal(FieldName) + (IsGame ? "Participation" : "Population");
    }

    /// <summary>One [Sparsity] field.</summary>
    /// <param name="FieldName">The field name.</param>
    /// <param name="N">Weights kept per group.</param>
    /// <param name="M">Group size.</param>
    internal sealed record SparseLayerModel(string FieldName, int N, int M);

    /// <summary>One target of the generated Reconstruct method.</summary>
    /// <param name="FieldName">The Linear field.</param>
    /// <param name="Spec">Its merged [Reconstruct] settings (class, then field; the pattern from its [Sparsity]).</param>
    /// <param name="Source">Where the settings came from, for the generated comment.</param>
    /// <param name="Consumer">For OBS: the Linear field that reads its outputs (from forward); else null.</param>
    internal sealed record ReconstructLayerModel(string FieldName, ReconstructionSpec Spec, string Source, string? Consumer)
    {
        /// <summary>The generated field that holds the settings: <c>Fc1Reconstruction</c>.</summary>
        public string SettingsField => Emit.Names.Pascal(FieldName) + "Reconstruction";
    }

    /// <summary>A diagnostic as data: its id, where, and the message arguments.</summary>
    /// <param name="Id">The descriptor's id (PDxxxx).</param>
    /// <param name="Location">Where to report it, as a position in its file.</param>
    /// <param name="Arguments">The message arguments.</param>
    /// <param name="Anchor">
    /// Where to report it, relative to a declaration (the channel graph's diagnostics): stays equal when code before it
    /// moves; resolved against the compilation when it is reported. Used instead of <paramref name="Location"/>.
    /// </param>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, Graph.SourceAnchor? Anchor = null);

    /// <summary>A source location without any Roslyn object: file, span and line span.</summary>
    internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);
}
