using System;
using System.Collections.Generic;
using PruneDsl.Thresholds;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>A Linear layer with the name it is reported under.</summary>
    /// <param name="Name">Unique among the layers pruned together, e.g. the field name <c>fc1</c>.</param>
    /// <param name="Layer">The layer; its output neurons (weight rows) are the pruned units.</param>
    public sealed record PrunableLayer(string Name, Linear Layer);

    /// <summary>What happened to one layer.</summary>
    /// <param name="Name">The layer's name.</param>
    /// <param name="Total">Output neurons before pruning.</param>
    /// <param name="Kept">Neurons kept.</param>
    /// <param name="Pruned">Neurons pruned (their rows and biases zeroed).</param>
    /// <param name="Scores">The criterion's scores, one per neuron.</param>
    /// <param name="Decision">The keep mask.</param>
    public sealed record LayerPruneSummary(string Name, int Total, int Kept, int Pruned, IReadOnlyList<double> Scores, KeepDecision Decision);

    /// <summary>The outcome of a <see cref="StructuredPruner"/> run.</summary>
    /// <param name="Criterion">The criterion's name.</param>
    /// <param name="Threshold">The threshold's name.</param>
    /// <param name="Scope">Per layer or global.</param>
    /// <param name="Applied">Whether the layers were changed (false for <see cref="StructuredPruner.Plan"/>).</param>
    /// <param name="Layers">One summary per layer, in the order given.</param>
    /// <param name="Global">The decision on all layers' scores together (global scope only; for EMP it carries the bound).</param>
    public sealed record PruneReport(string Criterion, string Threshold, ThresholdScope Scope, bool Applied, IReadOnlyList<LayerPruneSummary> Layers, KeepDecision? Global)
    {
        /// <summary>Neurons before pruning, over all layers.</summary>
        public int Total
        {
            get
            {
                var t = 0;
                foreach (var l in Layers) t += l.Total;
                return t;
            }
        }

        /// <summary>Neurons kept, over all layers.</summary>
        public int Kept
        {
            get
            {
                var k = 0;
                foreach (var l in Layers) k += l.Kept;
                return k;
            }
        }

        /// <summary>Neurons pruned, over all layers.</summary>
        public int Pruned => Total - Kept;
    }

    /// <summary>
    /// Structured (neuron-level) pruning of Linear layers: scores every output neuron with an
    /// <see cref="IImportanceCriterion"/>, chooses the kept neurons with an <see cref="IPruningThreshold"/> (per layer or
    /// globally), and hard-prunes the rest by zeroing their weight rows and biases. Zeroing does not shrink the layer
    /// and an optimizer can regrow zeroed weights; re-apply the decision with <see cref="Apply"/> after optimizer steps,
    /// or compact the model, if they must stay zero.
    /// </summary>
    public sealed class StructuredPruner
    {
        /// <summary>Creates the pruner.</summary>
        /// <param name="criterion">How neurons are scored.</param>
        /// <param name="threshold">How many (and which) are kept.</param>
        /// <param name="scope">Per layer (default) or global ranking.</param>
        /// <param name="minKeptPerLayer">Global scope only: the fewest neurons any layer keeps (default 1, so no layer is emptied).</param>
        public StructuredPruner(IImportanceCriterion criterion, IPruningThreshold threshold, ThresholdScope scope = ThresholdScope.PerLayer, int minKeptPerLayer = 1)
        {
            Criterion = criterion ?? throw new ArgumentNullException(nameof(criterion));
            Threshold = threshold ?? throw new ArgumentNullException(nameof(threshold));
            if (scope != ThresholdScope.PerLayer && scope != ThresholdScope.Global)
                throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown ThresholdScope.");
            if (minKeptPerLayer < 0)
                throw new ArgumentOutOfRangeException(nameof(minKeptPerLayer), minKeptPerLayer, "The fewest kept per layer cannot be negative.");
            Scope = scope;
            MinKeptPerLayer = minKeptPerLayer;
        }

        /// <summary>How neurons are scored.</summary>
        public IImportanceCriterion Criterion { get; }

        /// <summary>How many (and which) neurons are kept.</summary>
        public IPruningThreshold Threshold { get; }

        /// <summary>Per layer or global ranking.</summary>
        public ThresholdScope Scope { get; }

        /// <summary>Global scope only: the fewest neurons any layer keeps.</summary>
        public int MinKeptPerLayer { get; }

        /// <summary>Scores and decides without changing the layers.</summary>
        /// <param name="layers">The layers; names unique.</param>
        public PruneReport Plan(IReadOnlyList<PrunableLayer> layers) => Run(layers, apply: false);

        /// <summary>Scores, decides and zeroes the pruned neurons' weight rows and biases.</summary>
        /// <param name="layers">The layers; names unique.</param>
        public PruneReport Prune(IReadOnlyList<PrunableLayer> layers) => Run(layers, apply: true);

        /// <summary>
        /// Zeroes the weight rows and bias entries of the neurons <paramref name="decision"/> prunes (in place, without
        /// recording gradients).
        /// </summary>
        /// <param name="layer">The layer.</param>
        /// <param name="decision">A decision with one entry per output neuron of the layer.</param>
        public static void Apply(Linear layer, KeepDecision decision)
        {
            var weight = LinearGroups.Weight(layer, nameof(StructuredPruner));
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (decision.Count != weight.shape[0])
                throw new ArgumentException(
                    $"The decision covers {decision.Count} neurons but the layer has {weight.shape[0]} output neurons.", nameof(decision));
            using var _ = no_grad();
            using var mask = decision.ToTensor(weight.device);
            using var keep = mask.to(weight.dtype);
            using var rows = keep.unsqueeze(1);
            weight.mul_(rows);
            if (layer.bias is not null)
            {
                using var biasKeep = keep.to(layer.bias.dtype);
                layer.bias.mul_(biasKeep);
            }
        }

        private PruneReport Run(IReadOnlyList<PrunableLayer> layers, bool apply)
        {
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            if (layers.Count == 0) throw new ArgumentException("Pass at least one layer to prune.", nameof(layers));
            var scores = new List<LayerScores>(layers.Count);
            foreach (var layer in layers)
            {
                if (layer is null || layer.Layer is null || layer.Name is null)
                    throw new ArgumentException("Every PrunableLayer needs a name and a layer.", nameof(layers));
                using var score = Criterion.Score(layer.Layer);
                var values = ScoreRanking.ToArray(score);
                var outFeatures = LinearGroups.Weight(layer.Layer, Criterion.Name).shape[0];
                if (values.Length != outFeatures)
                    throw new InvalidOperationException(
                        $"Criterion '{Criterion.Name}' returned {values.Length} scores for layer '{layer.Name}', which has {outFeatures} output neurons.");
                scores.Add(new LayerScores(layer.Name, values));
            }

            var decision = Threshold.Apply(scores, Scope, MinKeptPerLayer);
            var summaries = new List<LayerPruneSummary>(layers.Count);
            for (var i = 0; i < layers.Count; i++)
            {
                var d = decision.Layers[i].Decision;
                if (apply) Apply(layers[i].Layer, d);
                summaries.Add(new LayerPruneSummary(layers[i].Name, d.Count, d.KeptCount, d.PrunedCount, Array.AsReadOnly(scores[i].Scores), d));
            }
            return new PruneReport(Criterion.Name, Threshold.Name, Scope, apply, summaries, decision.Global);
        }
    }
}
