using System.Linq;
using PruneDsl.SourceGenerators.Models;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the one-shot half of a model: the baked [Reconstruct] settings of every target layer and the
    /// <c>Reconstruct</c> method that runs <c>PruneDsl.Reconstruction.OneShot.Run</c> on them in forward order.
    /// </summary>
    internal static class ReconstructEmitter
    {
        private const string Spec = "global::PruneDsl.Spec.ReconstructionSpec";
        private const string Target = "global::PruneDsl.Reconstruction.ReconstructionTarget";

        /// <summary>The settings of every target layer.</summary>
        public static void EmitSettings(SourceWriter w, PruneModel model)
        {
            foreach (var layer in model.Reconstruct)
            {
                var s = layer.Spec;
                w.Member();
                w.Line("/// <summary>");
                w.Line("/// One-shot reconstruction settings of <c>" + layer.FieldName + "</c> (from " + layer.Source + "): " + Describe(layer) + ".");
                w.Line("/// Checked by <see cref=\"" + Spec + ".EnsureValid\"/> before <see cref=\"Reconstruct\"/> changes anything.");
                w.Line("/// </summary>");
                w.Line("public static readonly " + Spec + " " + layer.SettingsField + " = new " + Spec + "(");
                w.Line("    Method: " + Names.Enum(s.Method) + ",");
                w.Line("    Sparsity: " + Names.Literal(s.Sparsity) + ",");
                w.Line("    Pattern: " + (s.Pattern is null ? "null" : Names.String(s.Pattern)) + ",");
                w.Line("    BlockSize: " + Int(s.BlockSize) + ",");
                w.Line("    Dampening: " + Names.Literal(s.Dampening) + ",");
                w.Line("    CalibrationBatches: " + Int(s.CalibrationBatches) + ",");
                w.Line("    Bits: " + Int(s.Bits) + ",");
                w.Line("    GroupSize: " + Int(s.GroupSize) + ");");
            }
        }

        /// <summary>The Reconstruct method.</summary>
        public static void EmitMethod(SourceWriter w, PruneModel model)
        {
            w.Member();
            w.Line("/// <summary>");
            w.Line("/// Prunes and repairs the layers declared with [Reconstruct] in one shot, without a fine-tune, changing this model in");
            w.Line("/// place (<see cref=\"global::PruneDsl.Reconstruction.OneShot.Run\"/>): the layers in the order forward calls them, each");
            w.Line("/// calibrated on the outputs of the layers already changed, every layer's settings validated against its input width");
            w.Line("/// before anything changes:");
            w.Line("/// <list type=\"number\">");
            foreach (var layer in model.Reconstruct)
                w.Line("/// <item><c>" + layer.FieldName + "</c>: " + Describe(layer) + " (<see cref=\"" + layer.SettingsField + "\"/>).</item>");
            w.Line("/// </list>");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"calibration\">Calibration batches (model inputs); each layer uses the first CalibrationBatches of them.</param>");
            w.Line("/// <param name=\"progress\">Receives the layers done after each one (may be null).</param>");
            w.Line("/// <returns>What was pruned and quantized, per layer, and the neurons OBS removed; dispose it to free its tensors.</returns>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A setting is invalid for its layer, or there is no calibration batch.</exception>");
            w.Open("public global::PruneDsl.Reconstruction.OneShotResult Reconstruct(global::System.Collections.Generic.IReadOnlyList<global::TorchSharp.torch.Tensor> calibration, global::System.IProgress<global::PruneDsl.Training.WorkProgress>? progress = null)");
            w.Line("var targets = new " + Target + "[]");
            w.Line("{");
            foreach (var layer in model.Reconstruct)
                w.Line("    new " + Target + "(\"" + layer.FieldName + "\", this." + Names.Identifier(layer.FieldName) + ", " + layer.SettingsField
                       + (layer.Consumer is { } consumer ? ", this." + Names.Identifier(consumer) : string.Empty) + "),");
            w.Line("};");
            w.Line("return global::PruneDsl.Reconstruction.OneShot.Run(this, targets, calibration, progress);");
            w.Close();
        }

        /// <summary>The settings in prose: <c>SparseGPT at 2:4, then INT4 (GPTQ)</c>.</summary>
        private static string Describe(ReconstructLayerModel layer)
        {
            var s = layer.Spec;
            var what = s.Method switch
            {
                ReconstructionMethod.SparseGpt => "SparseGPT at " + (s.Pattern ?? Percent(s.Sparsity) + " unstructured"),
                ReconstructionMethod.Obs => "OBS removes " + Percent(s.Sparsity) + " of its neurons and repairs <c>" + layer.Consumer + "</c>",
                _ => "not pruned",
            };
            if (s.Quantizes) what += ", quantized to INT" + Int(s.Bits) + " (GPTQ" + (s.GroupSize > 0 ? ", one scale per " + Int(s.GroupSize) + " columns" : ", one scale per output channel") + ")";
            return what;
        }

        private static string Percent(double fraction) => Names.Prose(fraction * 100) + "%";

        private static string Int(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
