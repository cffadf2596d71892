using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>Emits the N:M half of a model: one <c>NmMaskedLinear</c> per <c>[Sparsity]</c> field.</summary>
    internal static class SparseEmitter
    {
        private const string Masked = "global::PruneDsl.Sparsity.NmMaskedLinear";

        /// <summary>The field that holds the masked layers.</summary>
        public static void EmitLayersField(SourceWriter w)
        {
            w.Member();
            w.Line("private " + Masked + "[]? _sparseLayers;");
        }

        /// <summary>The statements RegisterComponents runs to attach the masks.</summary>
        public static void EmitAttach(SourceWriter w, PruneModel model)
        {
            w.Line("_sparseLayers = new " + Masked + "[]");
            w.Line("{");
            foreach (var layer in model.SparseLayers)
                w.Line("    new " + Masked + "(" + layer.FieldName + ", " + Pattern(layer) + ", \"" + layer.FieldName + "\"),");
            w.Line("};");
        }

        /// <summary>The masked layers.</summary>
        public static void EmitMembers(SourceWriter w, PruneModel model)
        {
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public global::System.Collections.Generic.IReadOnlyList<" + Masked + "> SparseLayers =>");
            w.Line("    _sparseLayers ?? throw global::PruneDsl.Game.ParticipationLayer.NotAttached(\"" + model.ClassName + "\");");
        }

        public static string Pattern(SparseLayerModel layer) =>
            "new global::PruneDsl.Spec.SparsityPattern(" + layer.N + ", " + layer.M + ")";
    }
}
