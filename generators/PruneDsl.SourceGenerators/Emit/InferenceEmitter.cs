using System.Linq;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the inference module: a standalone TorchSharp module with the model's forward, copied, over detached copies of
    /// its (compacted) Linear layers, with an N:M layer (<c>NmLinear</c>) in place of each <c>[Sparsity]</c> field.
    /// </summary>
    internal static class InferenceEmitter
    {
        private const string Linear = "global::TorchSharp.Modules.Linear";
        private const string NmLinear = "global::PruneDsl.Sparsity.NmLinear";
        private const string Tensor = "global::TorchSharp.torch.Tensor";

        public static string ModuleName(PruneModel model) => model.ClassName + "Inference";

        /// <summary>The model's <c>ToInference</c> method.</summary>
        public static void EmitFactory(SourceWriter w, PruneModel model)
        {
            var inference = model.Inference!;
            var name = ModuleName(model);
            w.Member();
            w.Line("/// <summary>");
            w.Line("/// The inference form of this model: " + (model.Groups.Count > 0 ? "compacts it first (see <see cref=\"Compact\"/>), then " : string.Empty)
                + "copies its Linear layers into a");
            w.Line("/// standalone <see cref=\"" + name + "\"/>" + (model.SparseLayers.Count > 0 ? " whose [Sparsity] layers multiply from the compressed N:M form" : string.Empty) + ".");
            w.Line("/// The module is in eval mode, on <paramref name=\"device\"/> (default: CUDA when TorchSharp has it, else the CPU).");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"device\">Where the module runs.</param>");
            w.Open("public " + name + " ToInference(global::TorchSharp.torch.Device? device = null)");
            if (model.Groups.Count > 0) w.Line("Compact();");
            var fields = inference.LinearFields.ToList();
            // No instance Linear field (the gated layers are static): the module has no layers to take.
            w.Line("var inference = new " + name + "(" + (fields.Count == 0 ? ");" : string.Empty));
            for (var i = 0; i < fields.Count; i++)
            {
                var field = fields[i];
                var sparse = model.SparseLayers.FirstOrDefault(l => l.FieldName == field);
                var argument = sparse is null
                    ? "global::PruneDsl.Compaction.Compactor.DetachedCopy(" + Names.Identifier(field) + ")"
                    : "new " + NmLinear + "(\"" + field + "\", " + Names.Identifier(field) + ", " + SparseEmitter.Pattern(sparse) + ")";
                w.Line("    " + argument + (i + 1 < fields.Count ? "," : ");"));
            }
            w.Line("inference.eval();");
            w.Line("return inference.to(device ?? (global::TorchSharp.torch.cuda.is_available() ? global::TorchSharp.torch.CUDA : global::TorchSharp.torch.CPU));");
            w.Close();
        }

        /// <summary>The inference module class.</summary>
        public static void EmitModule(SourceWriter w, PruneModel model)
        {
            var inference = model.Inference!;
            var name = ModuleName(model);
            var fields = inference.LinearFields.ToList();
            string TypeOf(string field) => model.SparseLayers.Any(l => l.FieldName == field) ? NmLinear : Linear;

            w.Member();
            w.Line("/// <summary>");
            w.Line("/// The inference module of <see cref=\"" + model.ClassName + "\"/>, made by <see cref=\"" + model.ClassName + ".ToInference\"/>: the same forward over");
            w.Line("/// the compacted layers" + (model.SparseLayers.Count > 0 ? ", with " + string.Join(", ", model.SparseLayers.Select(l => l.FieldName + " as an " + l.N + ":" + l.M + " sparse layer")) : string.Empty) + ".");
            w.Line("/// </summary>");
            w.Line(ModelEmitter.GeneratedCode);
            w.Open("public sealed partial class " + name + " : global::TorchSharp.torch.nn.Module<" + Tensor + ", " + Tensor + ">");
            foreach (var field in fields)
            {
                w.Member();
                w.Line("private readonly " + TypeOf(field) + " " + Names.Identifier(field) + ";");
            }
            w.Member();
            w.Line("/// <summary>Wraps the given layers; use <see cref=\"" + model.ClassName + ".ToInference\"/> to make one.</summary>");
            foreach (var field in fields)
                w.Line("/// <param name=\"" + field + "\">The layer that replaces the model's <c>" + field + "</c>.</param>");
            w.Line("internal " + name + "(" + string.Join(", ", fields.Select(f => TypeOf(f) + " " + Names.Identifier(f))) + ")");
            w.Line("    : base(\"" + name + "\")");
            w.Line("{");
            foreach (var field in fields)
                w.Line("    this." + Names.Identifier(field) + " = " + Names.Identifier(field) + ";");
            w.Line("    RegisterComponents();");
            w.Line("}");
            w.Member();
            w.Line("/// <summary>The forward of <see cref=\"" + model.ClassName + "\"/>, copied.</summary>");
            var signature = "public override " + Tensor + " forward(" + Tensor + " " + inference.ParameterName + ")";
            var lines = inference.Body.Split('\n');
            if (lines.Length == 1)
            {
                w.Line(signature + " " + lines[0]);
            }
            else
            {
                // A block, or an expression body the normaliser broke over several lines: it follows the signature as written.
                w.Line(signature);
                foreach (var line in lines) w.Line(line.StartsWith("=>", System.StringComparison.Ordinal) ? "    " + line : line);
            }
            w.Close();
        }
    }
}
