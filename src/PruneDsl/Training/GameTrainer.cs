using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Sparsity;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// Algorithm 1 of "Pruning as a Game": per batch, one weight step (Eq. 16) and one projected ascent step on every
    /// participation (Eq. 17), both from the same backward pass. After training it certifies how close the run ended to
    /// an equilibrium, hard-prunes groups below epsilon and measures the pruned model.
    /// </summary>
    public sealed class GameTrainer
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly IParticipationModel _game;
        private readonly GameTrainingOptions _options;

        /// <summary>Creates a trainer for a model whose class has <c>[ParticipationGroup]</c> fields.</summary>
        /// <param name="model">The model; the source generator makes it an <see cref="IParticipationModel"/>.</param>
        /// <param name="options">Training options (defaults: the paper's experiment).</param>
        public GameTrainer(nn.Module<Tensor, Tensor> model, GameTrainingOptions? options = null)
        {
            _model = model ?? throw new ArgumentNullException(nameof(model));
            _game = model as IParticipationModel ?? throw new ArgumentException(
                $"'{model.GetType().Name}' is not a participation model: mark at least one Linear field [ParticipationGroup] and declare the class partial so the generator can implement IParticipationModel.",
                nameof(model));
            _options = options ?? new GameTrainingOptions();
            _options.EnsureValid();
        }

        /// <summary>Trains, certifies, hard-prunes and evaluates. Reports each epoch through <paramref name="progress"/>.</summary>
        /// <param name="train">Training data.</param>
        /// <param name="test">Held-out data for the accuracy columns.</param>
        /// <param name="progress">Receives a report after every epoch (and may be null).</param>
        /// <param name="batchProgress">Receives (epoch, batch, batches per epoch) after every step (and may be null).</param>
        public GameRunResult Run(LabeledData train, LabeledData test, IProgress<EpochReport>? progress = null,
            IProgress<(int Epoch, int Batch, int Batches)>? batchProgress = null)
        {
            var clock = Stopwatch.StartNew();
            var weights = WeightParameters().ToList();
            using var optimizer = CreateOptimizer(weights);
            var generator = new Generator((ulong)_options.Seed);
            var epochs = new List<EpochReport>();
            var sparse = (_model as ISparseModel)?.SparseLayers ?? Array.Empty<NmMaskedLinear>();
            _model.train();

            for (var epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                var updateParticipations = epoch > _options.ParticipationWarmupEpochs;
                var loss = TrainingLoop.RunEpoch(_model, optimizer, train, _options.BatchSize, _options.MaxBatchesPerEpoch, generator, epoch,
                    afterBackward: () =>
                    {
                        if (updateParticipations) _game.StepParticipations();
                        foreach (var layer in sparse) layer.BeforeOptimizerStep();
                    },
                    afterStep: sparse.Count == 0 ? null : () =>
                    {
                        foreach (var layer in sparse) layer.AfterOptimizerStep();
                    },
                    firstBatchCheck: EnsureGatesApplied,
                    batchProgress: batchProgress);

                var report = new EpochReport(epoch, loss, Evaluation.Accuracy(_model, test),
                    LayerStates(), clock.Elapsed);
                epochs.Add(report);
                progress?.Report(report);
            }

            var certificate = Certify(train);
            var accuracyBefore = epochs[^1].TestAccuracy;
            var histogram = ParticipationHistogram.From(_game);
            _game.HardPrune();
            var accuracyAfter = Evaluation.Accuracy(_model, test);
            clock.Stop();
            return new GameRunResult(epochs, accuracyBefore, accuracyAfter, LayerStates(), certificate, histogram, clock.Elapsed);
        }

        /// <summary>The model's parameters without the participations (which only the game updates).</summary>
        public IEnumerable<Parameter> WeightParameters() => _model.parameters();

        private optim.Optimizer CreateOptimizer(IEnumerable<Parameter> weights) => _options.CreateOptimizer(weights);

        /// <summary>The first-batch check: the rule of <see cref="ParticipationLayer.Step"/>, applied before any step.</summary>
        private void EnsureGatesApplied() => TrainingLoop.EnsureGatesApplied(
            _game.ParticipationLayers.Select(l => (l.Name, l.Passes.SinceLastStep)), _model.GetType().Name, "participation gate");

        /// <summary>
        /// Averages the gradients (on the weights and, through the gates, on the participations) of a few training batches
        /// and computes the certificate from them.
        /// </summary>
        private EquilibriumCertificate Certify(LabeledData train)
        {
            foreach (var p in _model.parameters()) p.grad?.zero_();
            var batches = (int)Math.Min(_options.CertificateBatches, (train.Count + _options.BatchSize - 1) / _options.BatchSize);
            var certificate = EquilibriumCertificate.Measure(_game, () =>
            {
                for (var b = 0; b < batches; b++)
                {
                    using var scope = NewDisposeScope();
                    var start = b * _options.BatchSize;
                    var end = (int)Math.Min(start + (long)_options.BatchSize, train.Count);
                    var loss = nn.functional.cross_entropy(_model.call(train.Inputs[start..end]), train.Labels[start..end]) / batches;
                    loss.backward();
                }
            });
            foreach (var p in _model.parameters()) p.grad?.zero_();
            return certificate;
        }

        private IReadOnlyList<LayerState> LayerStates() => _game.ParticipationLayers.Select(l =>
        {
            using var _ = no_grad();
            return new LayerState(l.Name, l.Count, l.KeptCount(), l.Participation.mean().item<float>(),
                _options.ProbeConditionNumbers ? l.ConditionNumber() : double.NaN);
        }).ToList();
    }

    /// <summary>The state of one gated layer at a point of training.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Groups">Its number of groups.</param>
    /// <param name="Kept">Groups with participation at or above epsilon.</param>
    /// <param name="MeanParticipation">The mean participation.</param>
    /// <param name="ConditionNumber">The condition number of the kept effective weights (NaN when not probed).</param>
    public sealed record LayerState(string Layer, int Groups, int Kept, double MeanParticipation, double ConditionNumber)
    {
        /// <summary>Groups below epsilon.</summary>
        public int Pruned => Groups - Kept;
    }

    /// <summary>What one epoch did.</summary>
    /// <param name="Epoch">1-based epoch.</param>
    /// <param name="TrainLoss">Mean training loss over its batches.</param>
    /// <param name="TestAccuracy">Held-out accuracy of the gated model.</param>
    /// <param name="Layers">Per gated layer.</param>
    /// <param name="Elapsed">Wall time since the start of the run.</param>
    public sealed record EpochReport(int Epoch, double TrainLoss, double TestAccuracy, IReadOnlyList<LayerState> Layers, TimeSpan Elapsed);

    /// <summary>What a run produced.</summary>
    /// <param name="Epochs">One report per epoch.</param>
    /// <param name="AccuracyBeforePruning">Test accuracy of the gated model at the end of training.</param>
    /// <param name="AccuracyAfterPruning">Test accuracy after hard pruning.</param>
    /// <param name="Layers">Per layer after hard pruning.</param>
    /// <param name="Certificate">The equilibrium certificate at the end of training.</param>
    /// <param name="Histogram">The participation histogram at the end of training (before hard pruning).</param>
    /// <param name="WallTime">Total wall time.</param>
    public sealed record GameRunResult(
        IReadOnlyList<EpochReport> Epochs,
        double AccuracyBeforePruning,
        double AccuracyAfterPruning,
        IReadOnlyList<LayerState> Layers,
        EquilibriumCertificate Certificate,
        ParticipationHistogram Histogram,
        TimeSpan WallTime)
    {
        /// <summary>All groups of all gated layers.</summary>
        public int TotalGroups => Layers.Sum(l => l.Groups);

        /// <summary>Pruned groups over all gated layers.</summary>
        public int PrunedGroups => Layers.Sum(l => l.Pruned);

        /// <summary>The fraction of groups pruned.</summary>
        public double Sparsity => TotalGroups == 0 ? 0 : (double)PrunedGroups / TotalGroups;

        /// <summary>
        /// Pruned groups that would gain by re-entering: their utility slope at 0 under the true marginal <c>dL/ds_i</c> is
        /// positive (<see cref="EquilibriumCertificate.PrunedThatWouldReenter"/>; per layer in <see cref="Certificate"/>).
        /// </summary>
        public int PrunedGroupsThatWouldReenter => Certificate.PrunedThatWouldReenter;
    }
}
