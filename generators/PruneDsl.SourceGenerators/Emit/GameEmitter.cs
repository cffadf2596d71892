using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the game's settings: the baked-in cost settings of every <c>[ParticipationGroup]</c> field that plays the game
    /// (the channel plan gates its space with them; see <see cref="PlanEmitter"/>).
    /// </summary>
    internal static class GameEmitter
    {
        /// <summary>The cost settings of every game layer.</summary>
        public static void EmitSettings(SourceWriter w, PruneModel model)
        {
            foreach (var group in model.Groups.Where(g => g.IsGame))
            {
                var c = group.Cost;
                w.Member();
                w.Line("/// <summary>");
                w.Line("/// Cost settings of <c>" + group.FieldName + "</c> (from " + group.CostSource + "): alpha " + Names.Prose(c.Alpha)
                    + ", beta " + Names.Prose(c.Beta) + ", gamma " + Names.Prose(c.Gamma) + ", eta " + Names.Prose(c.Eta) + ",");
                w.Line("/// lr_s " + Names.Prose(c.LearningRate) + ", pruned below " + Names.Prose(c.Epsilon) + ", benefit read as " + c.Benefit
                    + ". Each participation step evaluates");
                w.Line("/// <see cref=\"global::PruneDsl.Game.GameEquations.UtilityGradient\"/> (docs/equations.md, Eq. 13) with these values.");
                w.Line("/// </summary>");
                w.Line("public static readonly global::PruneDsl.Spec.CostSpec " + Names.Pascal(group.FieldName) + "Cost = new global::PruneDsl.Spec.CostSpec(");
                w.Line("    Alpha: " + Names.Literal(c.Alpha) + ",");
                w.Line("    Beta: " + Names.Literal(c.Beta) + ",");
                w.Line("    Gamma: " + Names.Literal(c.Gamma) + ",");
                w.Line("    Eta: " + Names.Literal(c.Eta) + ",");
                w.Line("    LearningRate: " + Names.Literal(c.LearningRate) + ",");
                w.Line("    Epsilon: " + Names.Literal(c.Epsilon) + ",");
                w.Line("    Benefit: " + Names.Enum(c.Benefit) + ");");
            }
        }
    }
}
