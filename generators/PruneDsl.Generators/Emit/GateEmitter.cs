using PruneDsl.Generators.Models;

namespace PruneDsl.Generators.Emit
{
    /// <summary>What every gated layer shares, game or evolution: hard pruning and compaction.</summary>
    internal static class GateEmitter
    {
        private const string Step = "global::PruneDsl.Compaction.CompactionStep";

        public static void Emit(SourceWriter w, PruneModel model)
        {
            w.Line("/// <summary>Hard-prunes every gated layer: pruned groups get gate 0 and zero rows and biases.</summary>");
            w.Open("public void HardPrune()");
            foreach (var group in model.Groups)
                w.Line(group.GateProperty + ".HardPrune();");
            w.Close();
            w.Line();

            w.Line("/// <summary>");
            w.Line("/// Each gated layer with the layer its outputs feed: the next Linear field declared after it.");
            w.Line("/// </summary>");
            w.Line("private " + Step + "[] CompactionSteps() => new " + Step + "[]");
            w.Line("{");
            foreach (var group in model.Groups)
            {
                var next = group.NextField is null ? "null, null" : group.NextField + ", \"" + group.NextField + "\"";
                var sparseNext = System.Linq.Enumerable.FirstOrDefault(model.SparseLayers, l => l.FieldName == group.NextField);
                var multiple = sparseNext is null ? string.Empty : ", KeepWholeGroupsOf: " + sparseNext.M;
                w.Line("    new " + Step + "(" + group.GateProperty + ", " + next + multiple + "),");
            }
            w.Line("};");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Open("public global::PruneDsl.Compaction.CompactionReport Compact()");
            w.Line("HardPrune();");
            w.Line("return global::PruneDsl.Compaction.Compactor.Compact(this, CompactionSteps());");
            w.Close();
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Line("public void ReshapeToCompacted(global::System.Collections.Generic.IReadOnlyDictionary<string, int> widths) =>");
            w.Line("    global::PruneDsl.Compaction.Compactor.Reshape(CompactionSteps(), widths);");
        }
    }
}
