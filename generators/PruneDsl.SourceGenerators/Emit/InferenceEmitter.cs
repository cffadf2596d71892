using System.Collections.Generic;
using System.Linq;
using PruneDsl.SourceGenerators.Graph;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits the inference module: a standalone TorchSharp module with the model's forward, copied, over detached copies of
    /// its (compacted) layers from the channel plan (every BatchNorm that normalizes a convolution folded into it, every
    /// gate folded into its layer), an N:M layer (<c>NmLinear</c>) in place of each <c>[Sparsity]</c> field, and the
    /// inference module of each block.
    /// </summary>
    internal static class InferenceEmitter
    {
        private const string Linear = "global::TorchSharp.Modules.Linear";
        private const string Conv2d = "global::TorchSharp.Modules.Conv2d";
        private const string NmLinear = "global::PruneDsl.Sparsity.NmLinear";
        private const string Tensor = "global::TorchSharp.torch.Tensor";
        private const string Module = "global::TorchSharp.torch.nn.Module<" + Tensor + ", " + Tensor + ">";
        private const string Copies = "global::PruneDsl.Graph.InferenceModules";

        public static string ModuleName(PruneModel model) => model.ClassName + "Inference";

        /// <summary>The model's <c>ToInference</c> and the <c>InferenceModule</c> a model that uses it as a block calls.</summary>
        public static void EmitFactory(SourceWriter w, PruneModel model)
        {
            var inference = model.Inference!;
            var name = ModuleName(model);
            var inPlan = new HashSet<string>(model.Plan!.Describe
                .Where(s => s.Kind is StepKind.Producer or StepKind.PerChannel or StepKind.Normalizer or StepKind.Consumer or StepKind.ConcatConsumer or StepKind.FlattenConsumer)
                .Select(s => s.Name!));

            w.Member();
            w.Line("/// <summary>");
            w.Line("/// The inference form of this model: compacts it first (see <see cref=\"Compact\"/>), then copies its layers into a");
            var folds = new List<string>();
            if (model.Plan.Describe.Any(s => s.Kind == StepKind.Normalizer)) folds.Add("each BatchNorm that normalizes a layer folded into it");
            if (model.SparseLayers.Count > 0) folds.Add("the [Sparsity] layers multiplying from the compressed N:M form");
            w.Line("/// standalone <see cref=\"" + name + "\"/>" + (folds.Count > 0 ? " (" + string.Join(", ", folds) + ")" : string.Empty) + ".");
            w.Line("/// The module is in eval mode, on <paramref name=\"device\"/> (default: CUDA when TorchSharp has it, else the CPU).");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"device\">Where the module runs.</param>");
            w.Open("public " + name + " ToInference(global::TorchSharp.torch.Device? device = null)");
            w.Line("Compact();");
            w.Line("var inference = InferenceModule(ChannelPlan.InferenceCopies(), \"\");");
            w.Line("inference.eval();");
            // TorchSharp's Module.to is an extension method: called by its class, so the user's usings do not matter.
            w.Line("return global::TorchSharp.ModuleExtensionMethods.to(inference, device ?? (global::TorchSharp.torch.cuda.is_available() ? global::TorchSharp.torch.CUDA : global::TorchSharp.torch.CPU));");
            w.Close();

            w.Member();
            w.Line("/// <summary>The inference module over the copies of this model's layers (named with <paramref name=\"prefix\"/> in the plan).</summary>");
            w.Line("/// <param name=\"copies\">The copies of the outermost model's plan.</param>");
            w.Line("/// <param name=\"prefix\">This model's field name in the model that uses it (\"\" when it is the outermost).</param>");
            w.Open("internal " + name + " InferenceModule(" + Copies + " copies, string prefix)");
            w.Line("string Name(string name) => global::PruneDsl.Graph.ChannelPlanBuilder.Qualify(prefix, name);");
            w.Line("return new " + name + "(");
            var fields = inference.Fields.ToList();
            for (var i = 0; i < fields.Count; i++)
                w.Line("    " + Value(model, fields[i], inPlan.Contains(fields[i].Name)) + (i + 1 < fields.Count ? "," : ");"));
            if (fields.Count == 0) w.Line(");");
            w.Close();
        }

        /// <summary>How InferenceModule gets a field's inference layer.</summary>
        private static string Value(PruneModel model, InferenceField field, bool inPlan)
        {
            var name = "Name(\"" + field.Name + "\")";
            var code = Names.Identifier(field.Name);
            if (model.SparseLayers.FirstOrDefault(l => l.FieldName == field.Name) is { } sparse)
                return "new " + NmLinear + "(" + name + ", " + code + ", " + SparseEmitter.Pattern(sparse) + ")";
            return field.Kind switch
            {
                InferenceFieldKind.Linear => inPlan ? "copies.Linear(" + name + ")" : "(" + Linear + ")" + Copies + ".Copy(" + code + ")",
                InferenceFieldKind.Conv2d => inPlan ? "copies.Conv2d(" + name + ")" : "(" + Conv2d + ")" + Copies + ".Copy(" + code + ")",
                InferenceFieldKind.Block => code + ".InferenceModule(copies, " + name + ")",
                _ => inPlan ? "copies.Module(" + name + ")" : Copies + ".Copy(" + code + ")",
            };
        }

        private static string TypeOf(PruneModel model, InferenceField field)
        {
            if (model.SparseLayers.Any(l => l.FieldName == field.Name)) return NmLinear;
            return field.Kind switch
            {
                InferenceFieldKind.Linear => Linear,
                InferenceFieldKind.Conv2d => Conv2d,
                InferenceFieldKind.Block => field.BlockType!,
                _ => Module,
            };
        }

        /// <summary>The inference module class.</summary>
        public static void EmitModule(SourceWriter w, PruneModel model)
        {
            var inference = model.Inference!;
            var name = ModuleName(model);
            var fields = inference.Fields.ToList();

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
                w.Line("private readonly " + TypeOf(model, field) + " " + Names.Identifier(field.Name) + ";");
            }
            w.Member();
            w.Line("/// <summary>Wraps the given layers; use <see cref=\"" + model.ClassName + ".ToInference\"/> to make one.</summary>");
            foreach (var field in fields)
                w.Line("/// <param name=\"" + field.Name + "\">The layer that replaces the model's <c>" + field.Name + "</c>.</param>");
            w.Line("internal " + name + "(" + string.Join(", ", fields.Select(f => TypeOf(model, f) + " " + Names.Identifier(f.Name))) + ")");
            w.Line("    : base(\"" + name + "\")");
            w.Line("{");
            foreach (var field in fields)
                w.Line("    this." + Names.Identifier(field.Name) + " = " + Names.Identifier(field.Name) + ";");
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
