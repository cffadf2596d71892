using System.Linq;
using PruneDsl.Generators.Models;
using PruneDsl.Spec;

namespace PruneDsl.Generators.Emit
{
    /// <summary>
    /// Emits the game's half of a model: the baked-in cost settings and one <c>ParticipationLayer</c> per
    /// <c>[ParticipationGroup]</c> field that plays the game, and the participation step.
    /// </summary>
    internal static class GameEmitter
    {
        private const string Layer = "global::PruneDsl.Game.ParticipationLayer";

        /// <summary>The statements RegisterComponents runs to attach the participations.</summary>
        public static void EmitAttach(SourceWriter w, PruneModel model)
        {
            w.Line("_participationLayers = new " + Layer + "[]");
            w.Line("{");
            foreach (var group in model.Groups.Where(g => g.IsGame))
                w.Line("    " + Layer + ".Attach(this, \"" + group.FieldName + "\", " + group.FieldName + ", " + Names.Pascal(group.FieldName) + "Cost),");
            w.Line("};");
        }

        public static void Emit(SourceWriter w, PruneModel model)
        {
            var games = model.Groups.Where(g => g.IsGame).ToList();
            for (var i = 0; i < games.Count; i++)
                EmitGroupMembers(w, games[i], i);

            w.Line("private " + Layer + "[]? _participationLayers;");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Line("public global::System.Collections.Generic.IReadOnlyList<" + Layer + "> ParticipationLayers =>");
            w.Line("    _participationLayers ?? throw " + Layer + ".NotAttached(\"" + model.ClassName + "\");");
            w.Line();

            w.Line("/// <inheritdoc />");
            w.Open("public void StepParticipations()");
            foreach (var group in games)
                w.Line(group.GateProperty + ".Step();");
            w.Close();
            w.Line();
        }

        private static void EmitGroupMembers(SourceWriter w, GroupLayerModel group, int index)
        {
            var pascal = Names.Pascal(group.FieldName);
            var c = group.Cost;
            w.Line("/// <summary>");
            w.Line("/// Cost settings of <c>" + group.FieldName + "</c> (from " + group.CostSource + "): alpha " + Names.Prose(c.Alpha)
                + ", beta " + Names.Prose(c.Beta) + ", gamma " + Names.Prose(c.Gamma) + ", eta " + Names.Prose(c.Eta) + ",");
            w.Line("/// lr_s " + Names.Prose(c.LearningRate) + ", pruned below " + Names.Prose(c.Epsilon) + ", benefit read as " + c.Benefit + ".");
            w.Line("/// The utility gradient (docs/equations.md Eq. 13) for this layer is therefore");
            w.Line("/// <c>" + GradientProse(c) + "</c>.");
            w.Line("/// </summary>");
            w.Line("public static readonly global::PruneDsl.Spec.CostSpec " + pascal + "Cost = new global::PruneDsl.Spec.CostSpec(");
            w.Line("    Alpha: " + Names.Literal(c.Alpha) + ",");
            w.Line("    Beta: " + Names.Literal(c.Beta) + ",");
            w.Line("    Gamma: " + Names.Literal(c.Gamma) + ",");
            w.Line("    Eta: " + Names.Literal(c.Eta) + ",");
            w.Line("    LearningRate: " + Names.Literal(c.LearningRate) + ",");
            w.Line("    Epsilon: " + Names.Literal(c.Epsilon) + ",");
            w.Line("    Benefit: global::PruneDsl.BenefitSign." + c.Benefit + ");");
            w.Line();
            w.Line("/// <summary>The players of <c>" + group.FieldName + "</c>: one participation per output neuron.</summary>");
            w.Line("public " + Layer + " " + group.GateProperty + " => ParticipationLayers[" + index + "];");
            w.Line();
        }

        private static string GradientProse(CostSpec c)
        {
            var benefit = c.Benefit switch
            {
                BenefitSign.Literal => "&lt;grad L, theta_i&gt;",
                BenefitSign.Magnitude => "|&lt;grad L, theta_i&gt;|",
                _ => "-&lt;grad L, theta_i&gt;",
            };
            var text = Names.Prose(c.Alpha) + " * " + benefit;
            if (c.Beta != 0) text += " - " + Names.Prose(2 * c.Beta) + " * ||theta_i||^2 * s_i";
            if (c.Gamma != 0) text += " - " + Names.Prose(c.Gamma) + " * sign(s_i)";
            if (c.Eta != 0) text += " - " + Names.Prose(c.Eta) + " * sum_{j != i} s_j &lt;theta_i, theta_j&gt;";
            return text;
        }
    }
}
