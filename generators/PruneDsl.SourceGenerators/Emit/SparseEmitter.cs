using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>Emits the N:M half of a model: one <c>NmMaskedLinear</c> per <c>[Sparsity]</c> field.</summary>
    internal static class SparseEmitter
    {
        private const string Masked = "global::PruneDsl.Sparsity.NmMaskedLinear";
        private const string Field = "_sparseLayers";

        /// <summary>The field that holds the masked layers.</summary>
        public static void EmitLayersField(SourceWriter w) => LayerArray.EmitField(w, Masked, Field);

        /// <summary>The statements RegisterComponents runs to attach the masks.</summary>
        public static void EmitAttach(SourceWriter w, PruneModel model) =>
            LayerArray.EmitAssignment(w, Masked, Field, model.SparseLayers.Select(l =>
                "new " + Masked + "(" + Names.Identifier(l.FieldName) + ", " + Pattern(l) + ", \"" + l.FieldName + "\")"));

        /// <summary>The masked layers.</summary>
        public static void EmitMembers(SourceWriter w, PruneModel model) =>
            LayerArray.EmitProperty(w, Masked, "SparseLayers", Field, model.ClassName);

        public static string Pattern(SparseLayerModel layer) =>
            "new global::PruneDsl.Spec.SparsityPattern(" + layer.N + ", " + layer.M + ")";
    }
}
