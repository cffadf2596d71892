using System;
using System.Collections.Generic;
using PruneDsl.Evolution;
using PruneDsl.Thresholds;

namespace PruneDsl.Training
{
    /// <summary>A pruning level to measure after training: a sparsity and how it is ranked.</summary>
    /// <param name="Sparsity">The fraction of populations removed, in [0, 1).</param>
    /// <param name="Scope">Per layer or over all layers together.</param>
    public sealed record PruningPoint(double Sparsity, ThresholdScope Scope);

    /// <summary>
    /// How an evolution run trains the weights, prunes and fine-tunes. Defaults: the experiment of "Pruning as Evolution"
    /// (MNIST MLP, 20 epochs, batch 128; the optimizer is not stated in the abstract, Adam at 1e-3 is the common choice).
    /// </summary>
    public sealed record EvolutionTrainingOptions : WeightTrainingOptions
    {
        /// <summary>
        /// The fraction of populations made extinct after training, in [0, 1); null uses each layer's
        /// <c>[SelectionDynamics(TargetSparsity = ...)]</c> (with <see cref="ThresholdScope.Global"/> the layers must agree).
        /// </summary>
        public double? TargetSparsity { get; init; }

        /// <summary>Whether the lowest masses are ranked per layer or over all layers together.</summary>
        public ThresholdScope Scope { get; init; } = ThresholdScope.PerLayer;

        /// <summary>Global scope: the fewest populations any layer keeps.</summary>
        public int MinKeptPerLayer { get; init; } = 1;

        /// <summary>
        /// Extra pruning levels measured on the trained model before the real pruning (each with the extinct masses
        /// temporarily at 0, which is exact; the model is restored after each).
        /// </summary>
        public IReadOnlyList<PruningPoint> Sweep { get; init; } = Array.Empty<PruningPoint>();

        /// <summary>Epochs of fine-tuning the pruned network (masses frozen, extinct neurons held at zero); 0: none.</summary>
        public int FineTuneEpochs { get; init; }

        /// <summary>Weight learning rate of the fine-tune (a fresh optimizer of the same kind); null: <see cref="WeightTrainingOptions.LearningRate"/>.</summary>
        public double? FineTuneLearningRate { get; init; }

        /// <inheritdoc />
        internal override IEnumerable<KeyValuePair<string, string>> ResumeSettings()
        {
            foreach (var setting in base.ResumeSettings()) yield return setting;
            yield return Setting(nameof(TargetSparsity), TargetSparsity);
            yield return Setting(nameof(Scope), Scope);
            yield return Setting(nameof(MinKeptPerLayer), MinKeptPerLayer);
            yield return Setting(nameof(Sweep), string.Join("; ", System.Linq.Enumerable.Select(Sweep, p => $"{p.Sparsity.ToString(System.Globalization.CultureInfo.InvariantCulture)} {p.Scope}")));
            yield return Setting(nameof(FineTuneEpochs), FineTuneEpochs);
            yield return Setting(nameof(FineTuneLearningRate), FineTuneLearningRate);
        }

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
        public override void EnsureValid()
        {
            base.EnsureValid();
            if (FineTuneLearningRate is double f) CheckRate(f, nameof(FineTuneLearningRate));
            if (TargetSparsity is double p) CheckSparsity(p, nameof(TargetSparsity));
            if (Scope is not (ThresholdScope.PerLayer or ThresholdScope.Global)) throw new ArgumentException($"Scope {Scope} is not a ThresholdScope.");
            if (MinKeptPerLayer < 0) throw new ArgumentException($"MinKeptPerLayer must be >= 0; got {MinKeptPerLayer}.");
            if (FineTuneEpochs < 0) throw new ArgumentException($"FineTuneEpochs must be >= 0; got {FineTuneEpochs}.");
            if (Sweep is null) throw new ArgumentException("Sweep must not be null; pass an empty list for no sweep.");
            foreach (var point in Sweep)
            {
                if (point is null) throw new ArgumentException("Sweep contains a null entry.");
                CheckSparsity(point.Sparsity, "a Sweep sparsity");
                if (point.Scope is not (ThresholdScope.PerLayer or ThresholdScope.Global)) throw new ArgumentException($"Sweep scope {point.Scope} is not a ThresholdScope.");
            }
        }

        private static void CheckSparsity(double value, string name)
        {
            if (double.IsNaN(value) || value < 0 || value >= 1)
                throw new ArgumentException($"{name} must lie in [0, 1) (the fraction of populations removed, e.g. 0.5); got {value}.");
        }
    }
}
