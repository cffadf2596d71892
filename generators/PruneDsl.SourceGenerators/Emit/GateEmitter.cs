using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>The [Prune] settings every gated layer may have, game or evolution (the channel plan prunes its space with them).</summary>
    internal static class GateEmitter
    {
        private const string Spec = "global::PruneDsl.Spec.PruneSpec";

        /// <summary>The [Prune] settings of every layer that has them; nothing when no layer has [Prune].</summary>
        public static void EmitSettings(SourceWriter w, PruneModel model)
        {
            foreach (var group in model.Groups.Where(g => g.Prune is not null))
            {
                var p = group.Prune!;
                w.Member();
                w.Line("/// <summary>The [Prune] settings of <c>" + group.FieldName + "</c>: " + p.Criterion + " scores, " + p.Threshold + " threshold.</summary>");
                w.Line("public static readonly " + Spec + " " + Names.Pascal(group.FieldName) + "Prune = new " + Spec + "(");
                w.Line("    Criterion: " + Names.Enum(p.Criterion) + ",");
                w.Line("    Threshold: " + Names.Enum(p.Threshold) + ",");
                w.Line("    Sparsity: " + Names.Literal(p.Sparsity) + ",");
                w.Line("    Beta: " + Names.Literal(p.Beta) + ");");
            }
        }
    }
}
