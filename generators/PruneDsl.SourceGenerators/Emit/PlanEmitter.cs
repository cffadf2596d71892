using System.Collections.Generic;
using System.Linq;
using PruneDsl.SourceGenerators.Graph;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// Emits a model's channel plan (<see cref="ClassPlan"/>) as calls of the runtime's <c>ChannelPlanBuilder</c>, one
    /// statement per fact read from forward (each group of statements under a comment quoting the forward statement it
    /// comes from, so a user can step through it), and the members that delegate to the built plan: the gates, their
    /// steps, hard pruning, compaction and [Prune].
    /// </summary>
    internal static class PlanEmitter
    {
        private const string Ns = "global::PruneDsl.Graph.";
        private const string Builder = Ns + "ChannelPlanBuilder";
        private const string Space = Ns + "ChannelSpace";
        private const string Plan = Ns + "ChannelPlan";
        private const string Participation = "global::PruneDsl.Game.ParticipationLayer";
        private const string Population = "global::PruneDsl.Evolution.PopulationLayer";
        private const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList";

        /// <summary><c>private ChannelPlan? _channelPlan;</c></summary>
        public static void EmitField(SourceWriter w)
        {
            w.Member();
            w.Line("private " + Plan + "? _channelPlan;");
        }

        /// <summary>The statements RegisterComponents runs: the model as the outermost one describes its channels and builds its plan, once.</summary>
        public static void EmitBuild(SourceWriter w, PruneModel model)
        {
            var plan = model.Plan!;
            w.Open("if (_channelPlan is null)");
            w.Line("var plan = new " + Builder + "(this, \"" + model.ClassName + "\");");
            w.Line("var " + Coupling.InputVariable + " = plan.Space(\"" + Coupling.InputVariable + "\");");
            w.Line("plan.Ungated(" + Coupling.InputVariable + ", \"the input of forward\");");
            w.Line("var output = DescribeChannels(plan, " + Coupling.InputVariable + ", \"\");");
            foreach (var step in plan.Root) EmitStep(w, step, qualify: false);
            w.Line("_channelPlan = plan.Build();");
            w.Close();
        }

        /// <summary>DescribeChannels: the members of every channel space, in forward order, and the gates of the class's own spaces.</summary>
        public static void EmitDescribe(SourceWriter w, PruneModel model)
        {
            var plan = model.Plan!;
            w.Member();
            w.Line("/// <summary>");
            w.Line("/// The channels of <see cref=\"" + model.ClassName + "\"/>, as the generator read them from forward: which layers produce, normalize");
            w.Line("/// and consume each channel space (the channels that are kept or removed together), and which spaces are gated.");
            w.Line("/// A model that has this one as a field calls it with its own space and prefix.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"plan\">The plan being built.</param>");
            w.Line("/// <param name=\"" + Coupling.InputVariable + "\">The channel space of forward's input.</param>");
            w.Line("/// <param name=\"prefix\">The field name of this model in the model that uses it (\"\" when it is the outermost).</param>");
            w.Line("/// <returns>The channel space of forward's output.</returns>");
            w.Open("public " + Space + " DescribeChannels(" + Builder + " plan, " + Space + " " + Coupling.InputVariable + ", string prefix)");
            w.Line("string Name(string name) => " + Builder + ".Qualify(prefix, name);");
            foreach (var step in plan.Describe)
            {
                if (step.Comment is { } comment)
                {
                    w.Line();
                    w.Line("// " + comment);
                }
                else if (IsFirstGate(plan.Describe, step))
                {
                    w.Line();
                    w.Line("// the gates of this model's own channel spaces (a space that touches forward's input or output is gated by the outermost model)");
                }
                EmitStep(w, step, qualify: true);
            }
            w.Line();
            w.Line("return " + plan.Output + ";");
            w.Close();
        }

        private static bool IsFirstGate(EquatableArray<PlanStep> steps, PlanStep step)
        {
            if (step.Kind is not (StepKind.Gate or StepKind.Evolve)) return false;
            foreach (var s in steps)
                if (s.Kind is StepKind.Gate or StepKind.Evolve) return ReferenceEquals(s, step);
            return false;
        }

        private static void EmitStep(SourceWriter w, PlanStep s, bool qualify)
        {
            string N(string name) => qualify ? "Name(\"" + name + "\")" : "\"" + name + "\"";
            var member = s.Other is not null ? "var " + s.Other + " = " : string.Empty;
            switch (s.Kind)
            {
                case StepKind.Space:
                    w.Line("var " + s.Space + " = plan.Space(" + N(s.Name!) + ");");
                    break;
                case StepKind.Producer:
                    w.Line(member + "plan.Producer(" + s.Space + ", " + N(s.Name!) + ", " + s.Access + ");");
                    break;
                case StepKind.PerChannel:
                    w.Line(member + "plan.PerChannel(" + s.Space + ", " + N(s.Name!) + ", " + s.Access + ");");
                    break;
                case StepKind.Normalizer:
                    w.Line("plan.Normalizer(" + s.Other + ", " + N(s.Name!) + ", " + s.Access + ");");
                    break;
                case StepKind.Consumer:
                    w.Line("plan.Consumer(" + s.Space + ", " + N(s.Name!) + ", " + s.Access + (s.Groups > 1 ? ", keepWholeGroupsOf: " + s.Groups : string.Empty) + ");");
                    break;
                case StepKind.ConcatConsumer:
                    w.Line("plan.ConcatConsumer(" + N(s.Name!) + ", " + s.Access + ", " + s.Other + ");");
                    break;
                case StepKind.FlattenConsumer:
                    w.Line("plan.FlattenConsumer(" + N(s.Name!) + ", " + s.Access + ", " + s.Other + ");");
                    break;
                case StepKind.Block when s.Space == s.Other:
                    w.Line(s.Access + ".DescribeChannels(plan, " + s.Other + ", " + N(s.Name!) + "); // returns " + s.Other + ": its output is its input's space");
                    break;
                case StepKind.Block:
                    w.Line("var " + s.Space + " = " + s.Access + ".DescribeChannels(plan, " + s.Other + ", " + N(s.Name!) + ");");
                    break;
                case StepKind.Join:
                    w.Line("plan.Join(" + s.Space + ", " + s.Other + ");");
                    break;
                case StepKind.Opaque:
                    w.Line("plan.Opaque(" + s.Space + ", " + Names.String(s.Text!) + ");");
                    break;
                case StepKind.Ungated:
                    w.Line("plan.Ungated(" + s.Space + ", " + Names.String(s.Text!) + ");");
                    break;
                case StepKind.Output:
                    w.Line("plan.Output(" + s.Space + ");");
                    break;
                case StepKind.Gate:
                    w.Line("plan.Gate(" + s.Space + ", " + s.Text + ", " + N(s.Other!) + ");");
                    break;
                case StepKind.Evolve:
                    w.Line("plan.Evolve(" + s.Space + ", " + s.Text + ", " + N(s.Other!) + ");");
                    break;
                case StepKind.Prune:
                    w.Line("plan.Prune(" + s.Space + ", " + s.Text + ", " + N(s.Other!) + ");");
                    break;
            }
        }

        /// <summary>The built plan, the gates (game and evolution), their steps, hard pruning and compaction.</summary>
        public static void EmitMembers(SourceWriter w, PruneModel model)
        {
            var plan = model.Plan!;
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public " + Plan + " ChannelPlan =>");
            w.Line("    _channelPlan ?? throw " + Participation + ".NotAttached(\"" + model.ClassName + "\");");

            EmitGates(w, plan.Gates.Where(g => g.IsGame).ToList(), Participation, "ParticipationLayers", "StepParticipations",
                "the players of the channel space <c>{0}</c>: one participation per channel");
            EmitGates(w, plan.Gates.Where(g => !g.IsGame).ToList(), Population, "PopulationLayers", "StepPopulations",
                "the populations of the channel space <c>{0}</c>: one mass per channel");

            w.Member();
            w.Line("/// <summary>Hard-prunes every gated channel space: pruned groups get gate 0 and zero weights.</summary>");
            w.Line("public void HardPrune() => ChannelPlan.HardPrune();");

            w.Member();
            w.Line("/// <summary>");
            w.Line("/// Hard-prunes, then removes the pruned channels from every layer of their spaces (filters, rows, BatchNorms, the");
            w.Line("/// consumers' input channels and columns) and folds the kept gates in; spaces the plan marks opaque, ungated or");
            w.Line("/// output are left alone, and the report of <see cref=\"ChannelPlan\"/>'s Compact() says why.");
            w.Line("/// </summary>");
            w.Line("public global::PruneDsl.Compaction.CompactionReport Compact() => ChannelPlan.Compact().Compaction;");

            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public void ReshapeToCompacted(global::System.Collections.Generic.IReadOnlyDictionary<string, int> widths) => ChannelPlan.Reshape(widths);");

            if (!plan.HasPrune) return;
            w.Member();
            w.Line("/// <summary>Every gated space with [Prune] settings, with its gate.</summary>");
            w.Line("public global::PruneDsl.Pruning.PruneTarget[] PruneTargets() => ChannelPlan.PruneTargets();");

            w.Member();
            w.Line("/// <summary>");
            w.Line("/// Scores every [Prune] space with its criterion, decides its keep set with its threshold and records it, so that");
            w.Line("/// HardPrune() and Compact() honour it. Taylor, Fisher and Wanda first observe up to <paramref name=\"batches\"/>");
            w.Line("/// batches of <paramref name=\"calibration\"/> (forward, <paramref name=\"loss\"/>, backward; weights unchanged).");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"calibration\">Calibration data; needed only when a space uses an accumulating criterion.</param>");
            w.Line("/// <param name=\"loss\">Loss of (outputs, labels); needed with <paramref name=\"calibration\"/>.</param>");
            w.Line("/// <param name=\"batchSize\">Rows per calibration batch.</param>");
            w.Line("/// <param name=\"batches\">How many calibration batches to observe.</param>");
            w.Line("public global::PruneDsl.Pruning.PruneReport PruneByCriteria(global::PruneDsl.Training.LabeledData? calibration = null, global::System.Func<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>? loss = null, int batchSize = 64, int batches = 4) =>");
            w.Line("    ChannelPlan.PruneByCriteria(calibration, loss, batchSize, batches);");
        }

        private static void EmitGates(SourceWriter w, IReadOnlyList<GateInfo> gates, string type, string property, string step, string each)
        {
            if (gates.Count == 0) return;
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public " + ReadOnlyList + "<" + type + "> " + property + " => ChannelPlan." + property + ";");
            foreach (var gate in gates)
            {
                w.Member();
                w.Line("/// <summary>" + Capitalize(string.Format(System.Globalization.CultureInfo.InvariantCulture, each, gate.Space)) + ".</summary>");
                w.Line("public " + type + " " + gate.Property + " => (" + type + ")ChannelPlan.Space(\"" + gate.Space + "\").Gate!;");
            }
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public void " + step + "() => ChannelPlan." + step + "();");
        }

        private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
