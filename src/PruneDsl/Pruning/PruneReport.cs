using System;
using System.Collections.Generic;
using PruneDsl.Thresholds;

namespace PruneDsl.Pruning
{
    /// <summary>What a <see cref="CriterionPruner"/> decided, layer by layer.</summary>
    /// <param name="Scope">Whether each layer was ranked on its own or all together.</param>
    /// <param name="Applied">Whether the decisions were applied (false for <see cref="CriterionPruner.Plan"/>).</param>
    /// <param name="Layers">One report per layer, in the order of the targets.</param>
    /// <param name="Global">
    /// With <see cref="ThresholdScope.Global"/>, the threshold's decision on all layers' scores together (for EMP an
    /// <see cref="EffectiveModelPruningResult"/> with its certificate); null per layer.
    /// </param>
    public sealed record PruneReport(ThresholdScope Scope, bool Applied, IReadOnlyList<LayerPruneReport> Layers, KeepDecision? Global)
    {
        /// <summary>Groups before pruning, over all layers.</summary>
        public int Count => Sum(l => l.Count);

        /// <summary>Groups kept, over all layers.</summary>
        public int Kept => Sum(l => l.Kept);

        /// <summary>Groups pruned, over all layers.</summary>
        public int Pruned => Count - Kept;

        /// <summary>The report of the layer named <paramref name="layer"/>.</summary>
        /// <param name="layer">A target's name.</param>
        public LayerPruneReport this[string layer]
        {
            get
            {
                foreach (var l in Layers) if (l.Layer == layer) return l;
                var names = new List<string>();
                foreach (var l in Layers) names.Add(l.Layer);
                throw new KeyNotFoundException($"No layer named '{layer}' in this report; the layers are: {string.Join(", ", names)}.");
            }
        }

        private int Sum(Func<LayerPruneReport, int> count)
        {
            var total = 0;
            foreach (var l in Layers) total += count(l);
            return total;
        }
    }

    /// <summary>What was decided for one layer: its criterion's scores and the threshold's keep decision.</summary>
    /// <param name="Layer">The target's name (the field name for generated models).</param>
    /// <param name="Criterion">The criterion's name, e.g. <c>taylor-fo</c>.</param>
    /// <param name="Threshold">The threshold's name, e.g. <c>emp(beta=1)</c> or <c>participation&gt;=epsilon(0.01)</c>.</param>
    /// <param name="Scores">The criterion's scores, one per group.</param>
    /// <param name="Decision">The keep decision (with global scope, this layer's slice of it).</param>
    public sealed record LayerPruneReport(string Layer, string Criterion, string Threshold, IReadOnlyList<double> Scores, KeepDecision Decision)
    {
        /// <summary>
        /// Groups kept only because the threshold alone would have kept fewer than the pruner's <c>MinKeptPerLayer</c>
        /// (its highest-scoring ones); 0 when the threshold's decision stood.
        /// </summary>
        public int KeptByFloor { get; init; }

        /// <summary>N, the number of groups.</summary>
        public int Count => Decision.Count;

        /// <summary>How many groups are kept.</summary>
        public int Kept => Decision.KeptCount;

        /// <summary>How many groups are pruned.</summary>
        public int Pruned => Decision.PrunedCount;

        /// <summary>For EMP per layer: <c>N_eff</c>; otherwise null.</summary>
        public double? EffectiveSampleSize => (Decision as EffectiveModelPruningResult)?.EffectiveSampleSize;

        /// <summary>For EMP per layer: <c>s_eff</c>, the kept share of the normalized scores; otherwise null.</summary>
        public double? RetainedMass => (Decision as EffectiveModelPruningResult)?.RetainedMass;

        /// <summary>For EMP per layer: the corrected Theorem 4.2 lower bound on <c>s_eff</c> (checked); otherwise null.</summary>
        public double? LowerBound => (Decision as EffectiveModelPruningResult)?.LowerBound;
    }
}
