using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the evolution settings: the baked-in selection dynamics of every group layer that evolves under
    /// <c>[SelectionDynamics]</c> (the channel plan evolves its space with them; see <see cref="PlanEmitter"/>).
    /// </summary>
    internal static class PopulationEmitter
    {
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
    }
}
