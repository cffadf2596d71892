using System;
using System.Collections.Generic;

namespace PruneDsl.Thresholds
{
    /// <summary>Whether a threshold ranks each layer on its own or all layers together.</summary>
    public enum ThresholdScope
    {
        /// <summary>The threshold runs once per layer on that layer's scores.</summary>
        PerLayer,

        /// <summary>
        /// The threshold runs once on all layers' scores concatenated (in the order given); meaningful only when the
        /// scores are comparable across layers.
        /// </summary>
        Global,
    }

    /// <summary>The scores of one named layer (one per component, e.g. per output neuron).</summary>
    /// <param name="Name">The layer's name, unique among the layers passed together.</param>
    /// <param name="Scores">One finite score per component; at least one.</param>
    public sealed record LayerScores(string Name, double[] Scores);

    /// <summary>The decision for one named layer.</summary>
    /// <param name="Name">The layer's name.</param>
    /// <param name="Decision">Its keep mask.</param>
    public sealed record LayerKeepDecision(string Name, KeepDecision Decision)
    {
        /// <summary>
        /// How many groups <see cref="MinimumKept"/> added because the threshold alone would have kept fewer than the
        /// floor (0 when the threshold's own decision stood); a layer that would have been emptied shows 1 here.
        /// </summary>
        public int KeptByFloor { get; init; }
    }

    /// <summary>The decisions for several layers, in the order they were given.</summary>
    /// <param name="Scope">Per layer or global.</param>
    /// <param name="Layers">One decision per layer.</param>
    /// <param name="Global">
    /// With <see cref="ThresholdScope.Global"/>, the threshold's decision on the concatenated scores (for EMP an
    /// <see cref="EffectiveModelPruningResult"/> with its certificate); null per layer.
    /// </param>
    public sealed record LayerwiseKeepDecision(ThresholdScope Scope, IReadOnlyList<LayerKeepDecision> Layers, KeepDecision? Global)
    {
        /// <summary>The decision for the layer named <paramref name="name"/>.</summary>
        /// <param name="name">A layer name that was passed in.</param>
        public KeepDecision this[string name]
        {
            get
            {
                foreach (var layer in Layers) if (layer.Name == name) return layer.Decision;
                throw new KeyNotFoundException($"No layer named '{name}' in this decision; the layers are: {string.Join(", ", Names())}.");
            }
        }

        private IEnumerable<string> Names()
        {
            foreach (var layer in Layers) yield return layer.Name;
        }
    }

    /// <summary>Applies an <see cref="IPruningThreshold"/> to several layers, per layer or globally.</summary>
    public static class LayerwiseThreshold
    {
        /// <summary>
        /// Decides per layer or globally. Globally, the threshold sees all scores concatenated and each layer gets its
        /// slice of the keep mask. In both scopes, so that no layer is emptied, a layer left with fewer than
        /// <paramref name="minKeptPerLayer"/> kept components additionally keeps its highest-scoring ones up to that
        /// number (<see cref="MinimumKept"/>; this only adds mass, so an EMP bound still holds for the union) and says so
        /// in <see cref="LayerKeepDecision.KeptByFloor"/>. Pass 0 for the threshold's decision alone.
        /// </summary>
        /// <param name="threshold">The threshold.</param>
        /// <param name="layers">The layers' scores; names unique, each with at least one score.</param>
        /// <param name="scope">Per layer or global.</param>
        /// <param name="minKeptPerLayer">The fewest components any layer keeps (default 1).</param>
        public static LayerwiseKeepDecision Apply(this IPruningThreshold threshold, IReadOnlyList<LayerScores> layers, ThresholdScope scope, int minKeptPerLayer = 1)
        {
            if (threshold is null) throw new ArgumentNullException(nameof(threshold));
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            if (layers.Count == 0) throw new ArgumentException("Pass at least one layer's scores.", nameof(layers));
            if (minKeptPerLayer < 0) throw new ArgumentOutOfRangeException(nameof(minKeptPerLayer), minKeptPerLayer, "The fewest kept per layer cannot be negative.");
            var names = new HashSet<string>(StringComparer.Ordinal);
            var total = 0;
            foreach (var layer in layers)
            {
                if (layer is null || layer.Name is null || layer.Scores is null)
                    throw new ArgumentException("Every layer needs a name and a score array.", nameof(layers));
                if (!names.Add(layer.Name))
                    throw new ArgumentException($"The layer name '{layer.Name}' appears twice; layer names must be unique.", nameof(layers));
                if (layer.Scores.Length == 0)
                    throw new ArgumentException($"Layer '{layer.Name}' has no scores; every layer needs one score per component.", nameof(layers));
                total += layer.Scores.Length;
            }

            var result = new List<LayerKeepDecision>(layers.Count);
            if (scope == ThresholdScope.PerLayer)
            {
                foreach (var layer in layers)
                {
                    var own = SelectNamed(threshold, layer);
                    var mask = new bool[own.Count];
                    for (var i = 0; i < mask.Length; i++) mask[i] = own.KeepMask[i];
                    var added = MinimumKept.Apply(mask, layer.Scores, minKeptPerLayer);
                    result.Add(added == 0
                        ? new LayerKeepDecision(layer.Name, own)
                        : new LayerKeepDecision(layer.Name, new KeepDecision(mask)) { KeptByFloor = added });
                }
                return new LayerwiseKeepDecision(scope, result, null);
            }
            if (scope != ThresholdScope.Global)
                throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown ThresholdScope.");

            var all = new double[total];
            var offset = 0;
            foreach (var layer in layers)
            {
                layer.Scores.CopyTo(all, offset);
                offset += layer.Scores.Length;
            }
            var global = threshold.Select(all);
            offset = 0;
            foreach (var layer in layers)
            {
                var n = layer.Scores.Length;
                var mask = new bool[n];
                for (var i = 0; i < n; i++) mask[i] = global.KeepMask[offset + i];
                var added = MinimumKept.Apply(mask, layer.Scores, minKeptPerLayer);
                result.Add(new LayerKeepDecision(layer.Name, new KeepDecision(mask)) { KeptByFloor = added });
                offset += n;
            }
            return new LayerwiseKeepDecision(scope, result, global);
        }

        private static KeepDecision SelectNamed(IPruningThreshold threshold, LayerScores layer)
        {
            try
            {
                return threshold.Select(layer.Scores);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Layer '{layer.Name}': {e.Message}", nameof(layer), e);
            }
        }
    }
}
