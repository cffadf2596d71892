using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>What every gated layer shares, game or evolution: hard pruning, compaction and [Prune].</summary>
    internal static class GateEmitter
    {
        private const string Step = "global::PruneDsl.Compaction.CompactionStep";
        private const string Target = "global::PruneDsl.Pruning.PruneTarget";
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

        /// <summary>HardPrune, compaction, and PruneByCriteria when a layer has [Prune].</summary>
        public static void EmitMembers(SourceWriter w, PruneModel model)
        {
            w.Member();
            w.Line("/// <summary>Hard-prunes every gated layer: pruned groups get gate 0 and zero rows and biases.</summary>");
            w.Open("public void HardPrune()");
            foreach (var group in model.Groups)
                w.Line(group.GateProperty + ".HardPrune();");
            w.Close();

            w.Member();
            w.Line("/// <summary>Each gated layer with the layer its outputs feed: the next Linear field declared after it.</summary>");
            w.Line("private " + Step + "[] CompactionSteps() => new " + Step + "[]");
            w.Line("{");
            foreach (var group in model.Groups)
            {
                var next = group.NextField is null ? "null, null" : Names.Identifier(group.NextField) + ", \"" + group.NextField + "\"";
                var sparseNext = model.SparseLayers.FirstOrDefault(l => l.FieldName == group.NextField);
                var multiple = sparseNext is null ? string.Empty : ", KeepWholeGroupsOf: " + sparseNext.M;
                w.Line("    new " + Step + "(" + group.GateProperty + ", " + next + multiple + "),");
            }
            w.Line("};");

            w.Member();
            w.Line("/// <inheritdoc />");
            w.Open("public global::PruneDsl.Compaction.CompactionReport Compact()");
            w.Line("HardPrune();");
            w.Line("return global::PruneDsl.Compaction.Compactor.Compact(this, CompactionSteps());");
            w.Close();

            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public void ReshapeToCompacted(global::System.Collections.Generic.IReadOnlyDictionary<string, int> widths) =>");
            w.Line("    global::PruneDsl.Compaction.Compactor.Reshape(CompactionSteps(), widths);");
            EmitPrune(w, model);
        }

        /// <summary>PruneTargets and PruneByCriteria; nothing when no layer has [Prune].</summary>
        private static void EmitPrune(SourceWriter w, PruneModel model)
        {
            var pruned = model.Groups.Where(g => g.Prune is not null).ToList();
            if (pruned.Count == 0) return;
            w.Member();
            w.Line("/// <summary>Every layer with [Prune] settings, with its gate.</summary>");
            w.Line("public " + Target + "[] PruneTargets() => new " + Target + "[]");
            w.Line("{");
            foreach (var group in pruned)
                w.Line("    new " + Target + "(" + group.GateProperty + ", " + Names.Pascal(group.FieldName) + "Prune),");
            w.Line("};");

            w.Member();
            w.Line("/// <summary>");
            w.Line("/// Scores every [Prune] layer with its criterion, decides its keep set with its threshold and records it, so that");
            w.Line("/// HardPrune() and Compact() honour it. Taylor, Fisher and Wanda first observe up to <paramref name=\"batches\"/>");
            w.Line("/// batches of <paramref name=\"calibration\"/> (forward, <paramref name=\"loss\"/>, backward; weights unchanged).");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"calibration\">Calibration data; needed only when a layer uses an accumulating criterion.</param>");
            w.Line("/// <param name=\"loss\">Loss of (outputs, labels); needed with <paramref name=\"calibration\"/>.</param>");
            w.Line("/// <param name=\"batchSize\">Rows per calibration batch.</param>");
            w.Line("/// <param name=\"batches\">How many calibration batches to observe.</param>");
            w.Open("public global::PruneDsl.Pruning.PruneReport PruneByCriteria(global::PruneDsl.Training.LabeledData? calibration = null, global::System.Func<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>? loss = null, int batchSize = 64, int batches = 4)");
            w.Line("return global::PruneDsl.Pruning.CriterionPruner.Prune(this, \"" + model.ClassName + "\", PruneTargets(), calibration, loss, batchSize, batches);");
            w.Close();
        }
    }
}
