using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Thresholds;
using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// Post-training hard pruning of several evolving layers at a target sparsity, per layer or over all layers together,
    /// by <see cref="TargetSparsity"/> on the masses through <see cref="LayerwiseThreshold"/>. Masses are comparable across
    /// layers (every layer's masses have mean 1), so a global ranking is meaningful.
    /// </summary>
    public static class PopulationPruning
    {
        /// <summary>
        /// Decides which populations survive without recording anything on the layers: the <c>round(p N)</c> lowest
        /// masses of each layer (per layer) or of all layers together (global; each layer keeps at least
        /// <paramref name="minKeptPerLayer"/>) are extinct.
        /// </summary>
        /// <param name="layers">The evolving layers; names unique.</param>
        /// <param name="sparsity">p, the fraction to remove, in [0, 1).</param>
        /// <param name="scope">Per layer or global.</param>
        /// <param name="minKeptPerLayer">Global scope: the fewest populations any layer keeps (default 1).</param>
        public static LayerwiseKeepDecision Decide(IReadOnlyList<PopulationLayer> layers, double sparsity, ThresholdScope scope, int minKeptPerLayer = 1)
        {
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            if (layers.Count == 0) throw new ArgumentException("The model has no evolving layers to prune.", nameof(layers));
            var scores = layers.Select(l => new LayerScores(l.Name, MassArray(l))).ToList();
            return new TargetSparsity(sparsity).Apply(scores, scope, minKeptPerLayer);
        }

        /// <summary>
        /// Decides (<see cref="Decide"/>) and records the survivors on every layer (<see cref="PopulationLayer.Keep"/>);
        /// <see cref="IPopulationModel.HardPrune"/> then applies it.
        /// </summary>
        /// <param name="layers">The evolving layers.</param>
        /// <param name="sparsity">p, the fraction to remove, in [0, 1).</param>
        /// <param name="scope">Per layer or global.</param>
        /// <param name="minKeptPerLayer">Global scope: the fewest populations any layer keeps (default 1).</param>
        public static LayerwiseKeepDecision PruneToSparsity(IReadOnlyList<PopulationLayer> layers, double sparsity, ThresholdScope scope, int minKeptPerLayer = 1)
        {
            var decision = Decide(layers, sparsity, scope, minKeptPerLayer);
            foreach (var layer in layers) layer.Keep(decision[layer.Name]);
            return decision;
        }

        /// <summary>
        /// Records the survivors on every layer of <paramref name="model"/> at sparsity <paramref name="sparsity"/> (see
        /// <see cref="PruneToSparsity(IReadOnlyList{PopulationLayer}, double, ThresholdScope, int)"/>), then hard-prunes the model.
        /// </summary>
        /// <param name="model">The evolving model.</param>
        /// <param name="sparsity">p, the fraction to remove, in [0, 1).</param>
        /// <param name="scope">Per layer or global.</param>
        /// <param name="minKeptPerLayer">Global scope: the fewest populations any layer keeps (default 1).</param>
        public static LayerwiseKeepDecision HardPruneToSparsity(this IPopulationModel model, double sparsity, ThresholdScope scope = ThresholdScope.PerLayer, int minKeptPerLayer = 1)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            var decision = PruneToSparsity(model.PopulationLayers, sparsity, scope, minKeptPerLayer);
            model.HardPrune();
            return decision;
        }

        /// <summary>
        /// Runs <paramref name="measure"/> with the extinct populations of <paramref name="decision"/> silenced (their masses
        /// temporarily 0, which computes exactly what the hard-pruned model computes) and restores the masses afterwards;
        /// the weights and the layers' recorded decisions are not touched.
        /// </summary>
        /// <typeparam name="T">What the measurement returns.</typeparam>
        /// <param name="layers">The evolving layers the decision covers.</param>
        /// <param name="decision">A decision from <see cref="Decide"/>.</param>
        /// <param name="measure">E.g. an accuracy evaluation.</param>
        public static T WithExtinctSilenced<T>(IReadOnlyList<PopulationLayer> layers, LayerwiseKeepDecision decision, Func<T> measure)
        {
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (measure is null) throw new ArgumentNullException(nameof(measure));
            var saved = new List<Tensor>(layers.Count);
            try
            {
                using (no_grad())
                {
                    foreach (var layer in layers)
                    {
                        saved.Add(layer.Mass.clone().DetachFromDisposeScope());
                        using var keep = decision[layer.Name].ToTensor(layer.Mass.device);
                        using var extinct = keep.logical_not();
                        layer.Mass.masked_fill_(extinct, 0);
                    }
                }
                return measure();
            }
            finally
            {
                using (no_grad())
                {
                    for (var i = 0; i < saved.Count; i++) layers[i].Mass.copy_(saved[i]);
                }
                foreach (var t in saved) t.Dispose();
            }
        }

        private static double[] MassArray(PopulationLayer layer)
        {
            using var m = layer.Mass.detach().to(ScalarType.Float64).cpu();
            return m.data<double>().ToArray();
        }
    }
}
