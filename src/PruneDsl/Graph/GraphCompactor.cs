using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Compaction;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// Compaction of a channel plan: every gated space that may lose channels loses its pruned ones in every member
    /// (producer filters or rows and biases, normalizer weight, bias and running statistics, per-channel filters and
    /// their groups) and in every consumer (input channels, concatenation offsets, flattened column blocks), with the
    /// kept gate values folded into each gate site's affine and the gate reset to 1. All or nothing: every step is
    /// checked against the current shapes before anything changes, and a failed check throws with every problem and
    /// leaves the model bit-for-bit as it was. Spaces that cannot lose channels (opaque, fed by an ungated path, the
    /// model's output) are hard-pruned and left as they are, and the report says why.
    /// </summary>
    public static class GraphCompactor
    {
        /// <summary>Hard-prunes every gate of <paramref name="plan"/>, then removes the pruned channels (see the class remarks).</summary>
        /// <param name="plan">The model's plan.</param>
        public static GraphCompactionReport Compact(ChannelPlan plan)
        {
            if (plan is null) throw new ArgumentNullException(nameof(plan));
            plan.EnsureLive();
            var keeps = new Dictionary<PlannedSpace, Tensor>();
            try
            {
                foreach (var space in plan.Spaces.Where(s => s.Gate is not null && s.CanRemoveChannels))
                    keeps[space] = KeptIndices(space);
                Validate(plan, keeps, "compact");

                var paramsBefore = Compactor.ParameterCount(plan.Owner);
                var macsBefore = MacCounter.TryCount(plan);
                var lines = plan.Spaces.Where(s => s.Gate is not null)
                    .Select(s => (Space: s, Before: s.Width!.Value)).ToList();
                plan.HardPrune();
                Apply(plan, keeps, fold: true);
                var report = lines.Select(l => Line(l.Space, l.Before, keeps)).ToList();
                return new GraphCompactionReport(report, paramsBefore, Compactor.ParameterCount(plan.Owner), macsBefore, MacCounter.TryCount(plan));
            }
            finally
            {
                foreach (var k in keeps.Values) k.Dispose();
            }
        }

        /// <summary>
        /// Shrinks freshly constructed modules to recorded widths (before loading a compacted model's weights): every gated
        /// space that compaction may shrink keeps its first <c>widths[space]</c> channels in every member and consumer.
        /// All or nothing, as <see cref="Compact"/>.
        /// </summary>
        /// <param name="plan">The plan of a freshly constructed model.</param>
        /// <param name="widths">Kept channels per gated space, by name (<see cref="GraphCompactionReport.Widths"/>).</param>
        /// <exception cref="ArgumentException">A gated space has no width, or one outside [0, channels], or a different one
        /// where the space cannot lose channels.</exception>
        public static void Reshape(ChannelPlan plan, IReadOnlyDictionary<string, int> widths)
        {
            if (plan is null) throw new ArgumentNullException(nameof(plan));
            if (widths is null) throw new ArgumentNullException(nameof(widths));
            plan.EnsureLive();
            var keeps = new Dictionary<PlannedSpace, Tensor>();
            try
            {
                var problems = new List<string>();
                foreach (var space in plan.Spaces.Where(s => s.Gate is not null))
                {
                    var width = space.Width!.Value;
                    if (!widths.TryGetValue(space.Name, out var kept))
                        problems.Add($"the recorded widths have no entry for space '{space.Name}'; the file does not belong to this model.");
                    else if (kept < 0 || kept > width)
                        problems.Add($"the recorded width {kept} of space '{space.Name}' is outside [0, {width}].");
                    else if (!space.CanRemoveChannels && kept != width)
                        problems.Add($"the recorded width {kept} of space '{space.Name}' differs from its {width} channels, but the space cannot lose channels ({string.Join("; ", space.Refusals)}).");
                    else if (space.CanRemoveChannels) keeps[space] = arange(kept, dtype: ScalarType.Int64, device: space.Gate!.Gate.device);
                }
                // Widths that do not fit the plan are a wrong argument (CompactedModelFile.Load turns it into its file error).
                if (problems.Count > 0)
                    throw new ArgumentException(Message(plan, problems, "reshape"), nameof(widths));
                Validate(plan, keeps, "reshape");
                Apply(plan, keeps, fold: false);
            }
            finally
            {
                foreach (var k in keeps.Values) k.Dispose();
            }
        }

        private static CompactedSpace Line(PlannedSpace space, int before, Dictionary<PlannedSpace, Tensor> keeps)
        {
            var consumers = space.Consumers.Select(c => c.Name).ToList();
            var members = space.Members.Select(m => m.Name).ToList();
            return keeps.ContainsKey(space)
                ? new CompactedSpace(space.Name, before, space.Width!.Value, members, consumers, SpaceOutcome.Compacted, null)
                : new CompactedSpace(space.Name, before, before, Array.Empty<string>(), Array.Empty<string>(), SpaceOutcome.LeftAlone,
                    string.Join("; ", space.Refusals.Select(r => r.ToString())));
        }

        /// <summary>
        /// The channels to keep, ascending: those the gate keeps, or, when a consumer is N:M sparse with group size M, every
        /// channel of each aligned group of M that has at least one kept channel.
        /// </summary>
        private static Tensor KeptIndices(PlannedSpace space)
        {
            using var keep = space.Gate!.KeepMask();
            var group = space.Consumers.Select(c => c.KeepWholeGroupsOf).Aggregate(1, Lcm);
            if (group <= 1 || keep.shape[0] % group != 0) return keep.nonzero().squeeze(1);
            using var groups = keep.view(-1, group).any(1, keepdim: true).expand(-1, group).reshape(-1);
            return groups.nonzero().squeeze(1);
        }

        private static int Lcm(int a, int b)
        {
            static int Gcd(int x, int y) => y == 0 ? x : Gcd(y, x % y);
            return a / Gcd(a, b) * b;
        }

        /// <summary>Every check, against the current shapes, before anything changes.</summary>
        private static void Validate(ChannelPlan plan, Dictionary<PlannedSpace, Tensor> keeps, string what)
        {
            var problems = new List<string>();
            foreach (var (space, keep) in keeps)
            {
                var width = space.Width!.Value;
                var kept = (int)keep.shape[0];
                if (space.Gate!.Count != width)
                    problems.Add($"the gate of space '{space.Name}' has {space.Gate.Count} values but its producers have {width} channels.");
                var group = space.Consumers.Select(c => c.KeepWholeGroupsOf).Aggregate(1, Lcm);
                if (group > 1 && width % group != 0)
                    problems.Add($"space '{space.Name}' has {width} channels, not a multiple of its N:M consumer's group size {group}.");
                if (kept == 0 && (space.Members.Any(m => m.Module is not Linear) || space.Consumers.Any(c => c.Module is not Linear)))
                    problems.Add($"space '{space.Name}' would keep no channel, but a convolution or BatchNorm cannot have zero channels; keep at least one (e.g. a lower Gamma or a threshold that keeps one).");
                foreach (var m in space.Members) CheckMember(space, m, width, problems);
            }
            foreach (var consumer in plan.Consumers.Where(c => c.Parts.Any(p => keeps.Keys.Any(k => ReferenceEquals(k.Root, p)))))
                CheckConsumer(plan, consumer, problems);
            ThrowIfAny(plan, problems, what);
        }

        private static void CheckMember(PlannedSpace space, ChannelMember m, int width, List<string> problems)
        {
            void Expect(string tensor, Tensor? t, bool required = false)
            {
                if (t is null)
                {
                    if (required) problems.Add($"'{m.Name}' of space '{space.Name}' has no {tensor}.");
                    return;
                }
                if (t.dim() == 0 || t.shape[0] != width)
                    problems.Add($"'{m.Name}' of space '{space.Name}': its {tensor} has shape [{string.Join(", ", t.shape)}], expected {width} along dim 0.");
            }
            Expect("weight", m.Weight, required: m.Role != ChannelRole.Normalizer || space.Gate is not null);
            Expect("bias", m.Bias);
            if (m.Module is BatchNorm bn)
            {
                Expect("running mean", bn.running_mean);
                Expect("running variance", bn.running_var);
                if (bn.num_features != width) problems.Add($"'{m.Name}' of space '{space.Name}' has num_features {bn.num_features}, expected {width}.");
            }
            if (m.Role == ChannelRole.PerChannel && m.Module is Conv2d dw && (dw.groups != width || dw.weight!.shape[1] != 1))
                problems.Add($"'{m.Name}' of space '{space.Name}' is per-channel but has groups {dw.groups} and weight shape [{string.Join(", ", dw.weight!.shape)}]; expected groups {width} and one input channel per filter.");
            if (m.Role == ChannelRole.Producer && m.Module is Conv2d conv && conv.groups != 1)
                problems.Add($"'{m.Name}' of space '{space.Name}' is a producer with groups {conv.groups}; only groups 1 is supported.");
        }

        private static void CheckConsumer(ChannelPlan plan, ChannelConsumer consumer, List<string> problems)
        {
            if (consumer.Module is Conv2d conv && conv.groups != 1)
            {
                problems.Add($"consumer '{consumer.Name}' has groups {conv.groups}; only groups 1 is supported.");
                return;
            }
            var parts = consumer.Parts.Select(p => plan.Spaces.First(s => ReferenceEquals(s.Root, p))).ToList();
            var unknown = parts.Where(p => p.Width is null).ToList();
            var inputs = ModuleTensors.Inputs(consumer.Module);
            var known = parts.Where(p => p.Width is not null).Sum(p => (long)p.Width!.Value);
            if (unknown.Count > 1)
            {
                problems.Add($"consumer '{consumer.Name}' reads {string.Join(" + ", parts.Select(p => $"'{p.Name}'"))}, of which {unknown.Count} have no producer, so the offsets of its parts are unknown.");
                return;
            }
            if (consumer.Kind == ConsumerKind.Channels && (unknown.Count == 0 ? known != inputs : known >= inputs))
                problems.Add($"consumer '{consumer.Name}' takes {inputs} input channels but its parts {string.Join(" + ", parts.Select(p => $"'{p.Name}' ({p.Width?.ToString() ?? "?"})"))} do not add up to it.");
            if (consumer.Kind == ConsumerKind.Flatten)
            {
                if (unknown.Count > 0) problems.Add($"consumer '{consumer.Name}' flattens a space without producers ('{unknown[0].Name}'); its column blocks are unknown.");
                else if (known == 0 || inputs % known != 0)
                    problems.Add($"consumer '{consumer.Name}' takes {inputs} inputs, not a whole number of positions for each of the {known} flattened channels.");
            }
        }

        private static void ThrowIfAny(ChannelPlan plan, List<string> problems, string what)
        {
            if (problems.Count == 0) return;
            throw new InvalidOperationException(Message(plan, problems, what));
        }

        private static string Message(ChannelPlan plan, List<string> problems, string what) =>
            $"Cannot {what} '{plan.ModelName}'; nothing was changed:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", problems);

        /// <summary>Applies validated keep sets: members first, then every consumer once (all its parts together).</summary>
        private static void Apply(ChannelPlan plan, Dictionary<PlannedSpace, Tensor> keeps, bool fold)
        {
            using var _ = no_grad();
            var widths = plan.Spaces.ToDictionary(s => s, s => s.Width);
            foreach (var (space, keep) in keeps)
            {
                var gate = space.Gate!.Gate;
                using var kept = fold ? gate.index_select(0, keep) : null;
                foreach (var m in space.Members) SelectMember(m, keep);
                if (kept is not null) space.Groups!.Fold(kept);
                gate.set_(ones(keep.shape[0], dtype: gate.dtype, device: gate.device));
            }
            foreach (var consumer in plan.Consumers)
            {
                var parts = consumer.Parts.Select(p => plan.Spaces.First(s => ReferenceEquals(s.Root, p))).ToList();
                if (!parts.Any(keeps.ContainsKey)) continue;
                using var index = ConsumerIndex(consumer, parts, widths, keeps);
                var weight = ModuleTensors.Weight(consumer.Module)!;
                ModuleTensors.SetWeight(consumer.Module, weight.index_select(1, index));
                ModuleTensors.SyncSizes(consumer.Module);
            }
        }

        private static void SelectMember(ChannelMember m, Tensor keep)
        {
            var module = m.Module;
            if (m.Weight is { } w) ModuleTensors.SetWeight(module, w.index_select(0, keep));
            if (m.Bias is { } b) ModuleTensors.SetBias(module, b.index_select(0, keep));
            if (module is BatchNorm bn)
            {
                if (bn.running_mean is { } mean) bn.running_mean = mean.index_select(0, keep);
                if (bn.running_var is { } variance) bn.running_var = variance.index_select(0, keep);
            }
            if (m.Role == ChannelRole.PerChannel && module is Conv2d dw) dw.groups = keep.shape[0];
            ModuleTensors.SyncSizes(module);
        }

        /// <summary>The input channels or columns a consumer keeps, over all its parts in order (widths before this compaction).</summary>
        private static Tensor ConsumerIndex(ChannelConsumer consumer, List<PlannedSpace> parts, Dictionary<PlannedSpace, int?> widths, Dictionary<PlannedSpace, Tensor> keeps)
        {
            using var scope = NewDisposeScope();
            var inputs = ModuleTensors.Inputs(consumer.Module);
            var device = ModuleTensors.Weight(consumer.Module)!.device;
            var known = parts.Where(p => widths[p] is not null).Sum(p => (long)widths[p]!.Value);
            var channels = new List<Tensor>();
            long offset = 0;
            foreach (var part in parts)
            {
                // A part without producers (at most one, checked) takes the channels the others leave.
                var width = widths[part] ?? (inputs - known);
                channels.Add(keeps.TryGetValue(part, out var keep)
                    ? keep.to(device) + offset
                    : arange(offset, offset + width, dtype: ScalarType.Int64, device: device));
                offset += width;
            }
            var index = cat(channels.ToArray(), 0);
            if (consumer.Kind == ConsumerKind.Flatten)
            {
                var positions = inputs / offset;
                index = (index.unsqueeze(1) * positions + arange(positions, dtype: ScalarType.Int64, device: device).unsqueeze(0)).reshape(-1);
            }
            return index.MoveToOuterDisposeScope();
        }
    }
}
