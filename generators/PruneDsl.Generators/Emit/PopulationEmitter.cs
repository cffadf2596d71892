using System.Linq;
using PruneDsl.Generators.Models;

namespace PruneDsl.Generators.Emit
{
    /// <summary>
    /// Emits the evolution half of a model: the baked-in selection-dynamics settings and one <c>PopulationLayer</c> per
    /// group layer that evolves under <c>[SelectionDynamics]</c>, and the selection step.
    /// </summary>
    internal static class PopulationEmitter
    {
        private const string Layer = "global::PruneDsl.Evolution.PopulationLayer";

        public static void EmitAttach(SourceWriter w, PruneModel model)
        {
            w.Line("_populationLayers = new " + Layer + "[]");
            w.Line("{");
            foreach (var group in model.Groups.Where(g => !g.IsGame))
                w.Line("    " + Layer + ".Attach(this, \"" + group.FieldName + "\", " + group.FieldName + ", " + Names.Pascal(group.FieldName) + "Dynamics),");
            w.Line("};");
        }

        public static void Emit(SourceWriter w, PruneModel model)
        {
            var populations = model.Groups.Where(g => !g.IsGame).ToList();
            for (var i = 0; i < populations.Count; i++)
            {
                var group = populations[i];
                var d = group.Dynamics!;
                var pascal = Names.Pascal(group.FieldName);
                w.Line("/// <summary>");
                w.Line("/// Selection dynamics of <c>" + group.FieldName + "</c>: " + d.Kind + ", lr " + Names.Prose(d.LearningRate)
                    + ", fitness smoothing " + Names.Prose(d.Smoothing) + ", " + Names.Prose(d.TargetSparsity * 100) + "% extinct after training.");
                w.Line("/// </summary>");
                w.Line("public static readonly global::PruneDsl.Spec.DynamicsSpec " + pascal + "Dynamics = new global::PruneDsl.Spec.DynamicsSpec(");
                w.Line("    Kind: global::PruneDsl.Dynamics." + d.Kind + ",");
                w.Line("    LearningRate: " + Names.Literal(d.LearningRate) + ",");
                w.Line("    Smoothing: " + Names.Literal(d.Smoothing) + ",");
                w.Line("    TargetSparsity: " + Names.Literal(d.TargetSparsity) + ");");
                w.Line();
                w.Line("/// <summary>The populations of <c>" + group.FieldName + "</c>: one mass per output neuron.</summary>");
                w.Line("public " + Layer + " " + group.GateProperty + " => PopulationLayers[" + i + "];");
                w.Line();
            }

            w.Line("private " + Layer + "[]? _populationLayers;");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Line("public global::System.Collections.Generic.IReadOnlyList<" + Layer + "> PopulationLayers =>");
            w.Line("    _populationLayers ?? throw global::PruneDsl.Game.ParticipationLayer.NotAttached(\"" + model.ClassName + "\");");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Open("public void StepPopulations()");
            foreach (var group in populations)
                w.Line(group.GateProperty + ".Step();");
            w.Close();
            w.Line();
        }
    }
}
