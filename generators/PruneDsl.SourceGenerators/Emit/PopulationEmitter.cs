using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the evolution half of a model: the baked-in selection-dynamics settings and one <c>PopulationLayer</c> per
    /// group layer that evolves under <c>[SelectionDynamics]</c>, and the selection step.
    /// </summary>
    internal static class PopulationEmitter
    {
        private const string Layer = "global::PruneDsl.Evolution.PopulationLayer";
        private const string Field = "_populationLayers";

        /// <summary>The dynamics settings of every evolving layer.</summary>
        public static void EmitSettings(SourceWriter w, PruneModel model)
        {
            foreach (var group in model.Groups.Where(g => !g.IsGame))
            {
                var d = group.Dynamics!;
                w.Member();
                w.Line("/// <summary>");
                w.Line("/// Selection dynamics of <c>" + group.FieldName + "</c>: " + d.Kind + ", lr " + Names.Prose(d.LearningRate)
                    + ", fitness smoothing " + Names.Prose(d.Smoothing) + ", " + Names.Prose(d.TargetSparsity * 100) + "% extinct after training.");
                w.Line("/// </summary>");
                w.Line("public static readonly global::PruneDsl.Spec.DynamicsSpec " + Names.Pascal(group.FieldName) + "Dynamics = new global::PruneDsl.Spec.DynamicsSpec(");
                w.Line("    Kind: " + Names.Enum(d.Kind) + ",");
                w.Line("    LearningRate: " + Names.Literal(d.LearningRate) + ",");
                w.Line("    Smoothing: " + Names.Literal(d.Smoothing) + ",");
                w.Line("    TargetSparsity: " + Names.Literal(d.TargetSparsity) + ");");
            }
        }

        /// <summary>The field that holds the layers.</summary>
        public static void EmitLayersField(SourceWriter w) => LayerArray.EmitField(w, Layer, Field);

        /// <summary>The statements RegisterComponents runs to attach the populations.</summary>
        public static void EmitAttach(SourceWriter w, PruneModel model) =>
            LayerArray.EmitAssignment(w, Layer, Field, model.Groups.Where(g => !g.IsGame).Select(g =>
                Layer + ".Attach(this, \"" + g.FieldName + "\", " + Names.Identifier(g.FieldName) + ", " + Names.Pascal(g.FieldName) + "Dynamics)"));

        /// <summary>The layers, one property per evolving layer, and the selection step.</summary>
        public static void EmitMembers(SourceWriter w, PruneModel model) =>
            LayerArray.EmitGates(w, Layer, "PopulationLayers", Field, model.ClassName, model.Groups.Where(g => !g.IsGame).ToList(),
                ("populations", "one mass per output neuron"), "StepPopulations");
    }
}
