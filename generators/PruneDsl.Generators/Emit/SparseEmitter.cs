using PruneDsl.Generators.Models;

namespace PruneDsl.Generators.Emit
{
    /// <summary>Emits the N:M half of a model: one <c>NmMaskedLinear</c> per <c>[Sparsity]</c> field.</summary>
    internal static class SparseEmitter
    {
        private const string Masked = "global::PruneDsl.Sparsity.NmMaskedLinear";

        public static void EmitAttach(SourceWriter w, PruneModel model)
        {
            w.Line("_sparseLayers = new " + Masked + "[]");
            w.Line("{");
            foreach (var layer in model.SparseLayers)
                w.Line("    new " + Masked + "(" + layer.FieldName + ", " + Pattern(layer) + ", \"" + layer.FieldName + "\"),");
            w.Line("};");
        }

        public static void Emit(SourceWriter w, PruneModel model)
        {
            w.Line("private " + Masked + "[]? _sparseLayers;");
            w.Line();
            w.Line("/// <inheritdoc />");
            w.Line("public global::System.Collections.Generic.IReadOnlyList<" + Masked + "> SparseLayers =>");
            w.Line("    _sparseLayers ?? throw global::PruneDsl.Game.ParticipationLayer.NotAttached(\"" + model.ClassName + "\");");
            w.Line();
        }

        public static string Pattern(SparseLayerModel layer) =>
            "new global::PruneDsl.Spec.SparsityPattern(" + layer.N + ", " + layer.M + ")";
    }
}
