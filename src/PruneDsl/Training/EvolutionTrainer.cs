using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Thresholds;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// "Pruning as Evolution" end to end: trains the weights with the masses evolving every step (one backward pass feeds
    /// both; no pruning schedule), measures the dense model and any extra pruning levels, makes the lowest-mass fraction
    /// extinct per layer or globally and hard-prunes it, then optionally fine-tunes the pruned network with the masses
    /// frozen and the extinct neurons held at zero (hard pruning is re-applied after every optimizer step).
    /// </summary>
    public sealed class EvolutionTrainer
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly IPopulationModel _populations;
        private readonly EvolutionTrainingOptions _options;

        /// <summary>Creates a trainer for a model whose class evolves its group layers under <c>[SelectionDynamics]</c>.</summary>
        /// <param name="model">The model; the source generator makes it an <see cref="IPopulationModel"/>.</param>
        /// <param name="options">Training options (defaults: the paper's experiment, no fine-tune).</param>
        public EvolutionTrainer(nn.Module<Tensor, Tensor> model, EvolutionTrainingOptions? options = null)
        {
            _model = model ?? throw new ArgumentNullException(nameof(model));
            _populations = model as IPopulationModel ?? throw new ArgumentException(
                $"'{model.GetType().Name}' is not an evolving model: put [SelectionDynamics] on the class (or on [ParticipationGroup] fields) and declare the class partial so the generator can implement IPopulationModel.",
                nameof(model));
            _options = options ?? new EvolutionTrainingOptions();
            _options.EnsureValid();
        }

        /// <summary>Selection, pruning and fine-tune. Reports each epoch through <paramref name="progress"/>.</summary>
        /// <param name="train">Training data.</param>
        /// <param name="test">Held-out data for the accuracy columns.</param>
        /// <param name="progress">Receives a report after every epoch (and may be null).</param>
        /// <param name="batchProgress">Receives (epoch, batch, batches per epoch) after every step (and may be null); epochs
        /// count on through the fine-tune.</param>
        public EvolutionRunResult Run(LabeledData train, LabeledData test, IProgress<EvolutionEpochReport>? progress = null,
            IProgress<(int Epoch, int Batch, int Batches)>? batchProgress = null)
        {
            if (train is null) throw new ArgumentNullException(nameof(train));
            if (test is null) throw new ArgumentNullException(nameof(test));
            var layers = _populations.PopulationLayers;
            var sparsity = ResolveSparsity(layers);
            var clock = Stopwatch.StartNew();
            var generator = new Generator((ulong)_options.Seed);
            var epochs = new List<EvolutionEpochReport>();
            _model.train();

            using (var optimizer = _options.CreateOptimizer(_model.parameters()))
            {
                for (var epoch = 1; epoch <= _options.Epochs; epoch++)
                {
                    var loss = TrainEpoch(optimizer, train, generator, epoch, batchProgress, selection: true);
                    epochs.Add(Report(EvolutionPhase.Selection, epoch, loss, test, clock, progress));
                }
            }
            var selectionTime = clock.Elapsed;
            var dense = Evaluation.Accuracy(_model, test);

            var sweep = _options.Sweep.Select(point => Probe(point, test)).ToList();

            if (sparsity is double p) PopulationPruning.PruneToSparsity(layers, p, _options.Scope, _options.MinKeptPerLayer);
            else foreach (var layer in layers) layer.PruneToSparsity();
            _populations.HardPrune();
            var pruned = Evaluation.Accuracy(_model, test);

            double? fineTuned = null;
            var fineTuneStart = clock.Elapsed;
            if (_options.FineTuneEpochs > 0)
            {
                using var optimizer = _options.CreateOptimizer(_model.parameters(), _options.FineTuneLearningRate);
                for (var k = 1; k <= _options.FineTuneEpochs; k++)
                {
                    var epoch = _options.Epochs + k;
                    var loss = TrainEpoch(optimizer, train, generator, epoch, batchProgress, selection: false);
                    epochs.Add(Report(EvolutionPhase.FineTune, epoch, loss, test, clock, progress));
                }
                fineTuned = epochs[^1].TestAccuracy;
            }
            var fineTuneTime = clock.Elapsed - fineTuneStart;
            clock.Stop();
            return new EvolutionRunResult(epochs, dense, sweep, _options.Scope, pruned, fineTuned,
                layers.Select(l => l.Describe()).ToList(), selectionTime, fineTuneTime, clock.Elapsed);
        }

        /// <summary>
        /// The accuracy of the current model at one pruning level, with the extinct populations silenced exactly and the
        /// model restored afterwards.
        /// </summary>
        /// <param name="point">The level.</param>
        /// <param name="test">Held-out data.</param>
        public PruningProbe Probe(PruningPoint point, LabeledData test)
        {
            if (point is null) throw new ArgumentNullException(nameof(point));
            var layers = _populations.PopulationLayers;
            var decision = PopulationPruning.Decide(layers, point.Sparsity, point.Scope, _options.MinKeptPerLayer);
            var accuracy = PopulationPruning.WithExtinctSilenced(layers, decision, () => Evaluation.Accuracy(_model, test));
            return new PruningProbe(point.Sparsity, point.Scope, accuracy, decision.Layers.ToDictionary(l => l.Name, l => l.Decision.KeptCount));
        }

        /// <summary>One pass over the shuffled training data; returns the mean loss.</summary>
        private double TrainEpoch(optim.Optimizer optimizer, LabeledData train, Generator generator, int epoch,
            IProgress<(int Epoch, int Batch, int Batches)>? batchProgress, bool selection) =>
            TrainingLoop.RunEpoch(_model, optimizer, train, _options.BatchSize, _options.MaxBatchesPerEpoch, generator, epoch,
                afterBackward: selection ? _populations.StepPopulations : null,
                afterStep: selection ? null : _populations.HardPrune,
                firstBatchCheck: EnsureGatesApplied,
                batchProgress: batchProgress);

        private EvolutionEpochReport Report(EvolutionPhase phase, int epoch, double loss, LabeledData test, Stopwatch clock,
            IProgress<EvolutionEpochReport>? progress)
        {
            var report = new EvolutionEpochReport(phase, epoch, loss, Evaluation.Accuracy(_model, test),
                _populations.PopulationLayers.Select(l => l.Describe()).ToList(), clock.Elapsed);
            progress?.Report(report);
            return report;
        }

        /// <summary>The sparsity of the final pruning: the option, else the layers' own (null: each its own, per layer).</summary>
        private double? ResolveSparsity(IReadOnlyList<PopulationLayer> layers)
        {
            if (_options.TargetSparsity is double p) return p;
            var own = layers.Select(l => l.Spec.TargetSparsity).Distinct().ToList();
            if (own.Count == 1) return own[0];
            if (_options.Scope == ThresholdScope.Global)
                throw new InvalidOperationException(
                    $"Global pruning needs one target sparsity, but the layers of '{_model.GetType().Name}' declare different ones ({string.Join(", ", layers.Select(l => $"{l.Name}: {l.Spec.TargetSparsity}"))}). " +
                    "Set EvolutionTrainingOptions.TargetSparsity, give the layers the same [SelectionDynamics(TargetSparsity = ...)], or prune per layer.");
            return null;
        }

        private void EnsureGatesApplied() => TrainingLoop.EnsureGatesApplied(
            _populations.PopulationLayers.Select(l => (l.Name, l.GateCalls)), _model.GetType().Name, "population masses");
    }
}
