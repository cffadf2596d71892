using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Compaction
{
    /// <summary>
    /// One gated layer and the layer its outputs feed (the next Linear field declared after it; null when it is the last).
    /// The generator emits one per gated field (game or selection dynamics).
    /// </summary>
    /// <param name="Layer">The gated layer.</param>
    /// <param name="Next">The layer that consumes its outputs, or null.</param>
    /// <param name="NextName">The consumer's field name, for reports and errors.</param>
    /// <param name="KeepWholeGroupsOf">When the consumer is N:M sparse, its M: neurons are kept or dropped in whole aligned
    /// groups of M (a group goes only when all of its neurons are pruned), so the consumer keeps exactly its N:M groups and
    /// mask. The pruned neurons kept this way have zero rows, so they change nothing.</param>
    public sealed record CompactionStep(IGroupGate Layer, Linear? Next, string? NextName, int KeepWholeGroupsOf = 1);

    /// <summary>What compaction did to one gated layer.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Before">Output neurons before.</param>
    /// <param name="After">Output neurons after.</param>
    /// <param name="Next">The consumer whose input columns were removed, if any.</param>
    public sealed record CompactedLayer(string Layer, int Before, int After, string? Next);

    /// <summary>What compaction did to a model.</summary>
    /// <param name="Layers">Per gated layer.</param>
    /// <param name="ParametersBefore">Parameter count before.</param>
    /// <param name="ParametersAfter">Parameter count after.</param>
    public sealed record CompactionReport(IReadOnlyList<CompactedLayer> Layers, long ParametersBefore, long ParametersAfter)
    {
        /// <summary>The kept widths by layer name: what a loader needs to rebuild the shapes.</summary>
        public IReadOnlyDictionary<string, int> Widths => Layers.ToDictionary(l => l.Layer, l => l.After);
    }

    /// <summary>
    /// Compaction: turns a pruned model into a physically smaller dense one, in place. For every gated layer the rows and
    /// biases of pruned neurons are removed, the kept participations are folded into the kept rows (so the gate becomes 1),
    /// and the matching input columns are removed from the consumer layer. The user's forward runs unchanged.
    /// </summary>
    public static class Compactor
    {
        /// <summary>
        /// Compacts the layers of <paramref name="owner"/> (generated code calls this from <c>Compact()</c>), all or nothing:
        /// every step is planned and checked first (the kept neurons of each layer, the N:M group divisibility, the width of
        /// each consumer, a consumer fed by two layers), and only when every step is valid does any layer change. A failed
        /// compaction throws an <see cref="InvalidOperationException"/> naming the step and leaves the model as it was. The
        /// hard pruning of what is kept is folded in (a pruned neuron that an N:M consumer's group keeps gets a zero row), so
        /// calling <c>HardPrune()</c> first is not needed.
        /// </summary>
        /// <param name="owner">The model.</param>
        /// <param name="steps">The gated layers and their consumers, in declaration order.</param>
        /// <param name="progress">Receives the layers compacted after each one (and may be null).</param>
        public static CompactionReport Compact(nn.Module owner, IReadOnlyList<CompactionStep> steps, IProgress<WorkProgress>? progress = null)
        {
            if (owner is null) throw new ArgumentNullException(nameof(owner));
            if (steps is null) throw new ArgumentNullException(nameof(steps));
            var before = ParameterCount(owner);
            var plans = new List<(CompactionStep Step, Tensor Kept, Tensor Fold)>(steps.Count);
            try
            {
                using (no_grad())
                {
                    // 1. Plan and check every step; nothing changes yet.
                    var fed = new Dictionary<Linear, string>(ReferenceEqualityComparer.Instance);
                    foreach (var step in steps)
                    {
                        if (step?.Layer is null) throw new ArgumentException("A compaction step or its gated layer is null.", nameof(steps));
                        var layer = step.Layer;
                        if (layer.Layer.weight!.shape[0] != layer.Count)
                            throw new InvalidOperationException(
                                $"Cannot compact '{layer.Name}': its gate has {layer.Count} groups but the layer has {layer.Layer.weight.shape[0]} outputs.");
                        if (step.Next is { } next)
                        {
                            if (next.weight!.shape[1] != layer.Count)
                                throw new InvalidOperationException(
                                    $"Cannot compact '{layer.Name}' into '{step.NextName}': '{step.NextName}' takes {next.weight.shape[1]} inputs but '{layer.Name}' has {layer.Count} outputs. " +
                                    "Compaction assumes each [ParticipationGroup] layer feeds the next Linear field declared after it. Nothing was compacted.");
                            if (fed.TryGetValue(next, out var other))
                                throw new InvalidOperationException(
                                    $"Cannot compact '{layer.Name}' into '{step.NextName}': '{other}' feeds '{step.NextName}' too, and compaction removes the input columns of one producer per consumer. Nothing was compacted.");
                            fed.Add(next, layer.Name);
                        }
                        var keptIndex = KeptIndices(layer, step.KeepWholeGroupsOf).DetachFromDisposeScope();
                        // The gate folded into each kept row, with the hard pruning folded in too: 0 for a pruned neuron
                        // that an N:M consumer's whole group keeps, so its row and bias become exactly zero.
                        using (var keep = layer.KeepMask())
                        using (var keepValues = keep.to(layer.Gate.dtype))
                        using (var gate = layer.Gate.mul(keepValues))
                            plans.Add((step, keptIndex, gate.index_select(0, keptIndex).DetachFromDisposeScope()));
                    }

                    // 2. Apply: every step is valid.
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var lines = new List<CompactedLayer>();
                    foreach (var (step, keptIndex, s) in plans)
                    {
                        var layer = step.Layer;
                        var linear = layer.Layer;
                        var count = layer.Count;
                        var kept = (int)keptIndex.numel();
                        linear.weight = new Parameter(linear.weight!.index_select(0, keptIndex).mul_(s.unsqueeze(1)));
                        if (linear.bias is not null) linear.bias = new Parameter(linear.bias.index_select(0, keptIndex).mul_(s));
                        linear.out_features = kept;
                        layer.Gate.set_(ones(kept, dtype: layer.Gate.dtype, device: layer.Gate.device));
                        if (step.Next is { } next)
                        {
                            next.weight = new Parameter(next.weight!.index_select(1, keptIndex));
                            next.in_features = kept;
                        }
                        lines.Add(new CompactedLayer(layer.Name, count, kept, step.NextName));
                        progress?.Report(new WorkProgress("compaction", lines.Count, plans.Count, clock.Elapsed, layer.Name));
                    }
                    return new CompactionReport(lines, before, ParameterCount(owner));
                }
            }
            finally
            {
                foreach (var (_, kept, fold) in plans)
                {
                    kept.Dispose();
                    fold.Dispose();
                }
            }
        }

        /// <summary>
        /// Shrinks freshly constructed layers to recorded widths (before loading a compacted model's weights): the shapes
        /// travel with a compacted model as its widths.
        /// </summary>
        /// <param name="steps">The gated layers and their consumers, in declaration order.</param>
        /// <param name="widths">Kept output neurons per gated layer, by name.</param>
        public static void Reshape(IReadOnlyList<CompactionStep> steps, IReadOnlyDictionary<string, int> widths)
        {
            using var _ = no_grad();
            foreach (var step in steps)
            {
                if (!widths.TryGetValue(step.Layer.Name, out var kept))
                    throw new ArgumentException($"The recorded widths have no entry for '{step.Layer.Name}'; the file does not belong to this model.");
                var linear = step.Layer.Layer;
                if (kept < 0 || kept > linear.weight!.shape[0])
                    throw new ArgumentException($"Recorded width {kept} of '{step.Layer.Name}' is outside [0, {linear.weight.shape[0]}].");
                linear.weight = new Parameter(linear.weight[..kept].clone());
                if (linear.bias is not null) linear.bias = new Parameter(linear.bias[..kept].clone());
                linear.out_features = kept;
                step.Layer.Gate.set_(ones(kept, dtype: step.Layer.Gate.dtype, device: step.Layer.Gate.device));
                if (step.Next is { } next)
                {
                    next.weight = new Parameter(next.weight![.., ..kept].clone());
                    next.in_features = kept;
                }
            }
        }

        /// <summary>
        /// The indices of the neurons to keep, ascending: those the gate keeps, or, with <paramref name="group"/> &gt; 1,
        /// every neuron of each aligned group of that size that has at least one kept neuron.
        /// </summary>
        private static Tensor KeptIndices(IGroupGate layer, int group)
        {
            using var keep = layer.KeepMask();
            if (group <= 1) return keep.nonzero().squeeze(1);
            if (layer.Count % group != 0)
                throw new InvalidOperationException(
                    $"Cannot compact '{layer.Name}': it has {layer.Count} outputs, not a multiple of its N:M consumer's group size {group}. Nothing was compacted.");
            using var groups = keep.view(-1, group).any(1, keepdim: true).expand(-1, group).reshape(-1);
            return groups.nonzero().squeeze(1);
        }

        /// <summary>A fresh Linear with copies of the layer's weight and bias (no hooks, no shared storage).</summary>
        /// <param name="source">The layer to copy.</param>
        public static Linear DetachedCopy(Linear source)
        {
            if (source is null) throw new ArgumentNullException(nameof(source));
            var weight = source.weight!;
            var copy = nn.Linear(weight.shape[1], weight.shape[0], hasBias: source.bias is not null, device: weight.device, dtype: weight.dtype);
            using (no_grad())
            {
                copy.weight!.copy_(weight);
                copy.bias?.copy_(source.bias!);
            }
            return copy;
        }

        /// <summary>Number of parameters (elements) of a module.</summary>
        /// <param name="module">The module.</param>
        public static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());
    }
}
