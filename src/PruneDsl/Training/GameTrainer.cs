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

        /// <summary>
        /// Trains, certifies, hard-prunes and evaluates. Before any step it checks the data (not empty, the test examples
        /// shaped like the training ones, the model can run them, every label among the model's outputs); during training it
        /// stops on a NaN or infinite loss, gradient or participation, or a diverging loss, with a
        /// <see cref="TrainingDivergedException"/>; it writes checkpoints and resumes from one as the options say.
        /// </summary>
        /// <param name="train">Training data.</param>
        /// <param name="test">Held-out data for the accuracy columns.</param>
        /// <param name="progress">Receives a report after every epoch (and may be null).</param>
        /// <param name="steps">Receives where the run stands after every step and when evaluation or the certificate starts (and may be null).</param>
        /// <param name="warnings">Receives what the run survived as it happens (and may be null; the result's history keeps them too).</param>
        public GameRunResult Run(LabeledData train, LabeledData test, IProgress<EpochReport>? progress = null,
            IProgress<TrainingProgress>? steps = null, IProgress<TrainingWarning>? warnings = null)
        {
            DataChecks.EnsureNotEmpty(train, nameof(train), "training data", nameof(GameTrainer));
            DataChecks.EnsureNotEmpty(test, nameof(test), "test data", nameof(GameTrainer));
            DataChecks.EnsureSameExampleShape(train, "training", test, "test", nameof(GameTrainer));
            var clock = Stopwatch.StartNew();
            var weights = WeightParameters().ToList();
            using var optimizer = CreateOptimizer(weights);
            var generator = new Generator((ulong)_options.Seed);
            var epochs = new List<EpochReport>();
            var sparse = (_model as ISparseModel)?.SparseLayers ?? Array.Empty<NmMaskedLinear>();
            var layers = _game.ParticipationLayers;
            var batchesPerEpoch = TrainingSession.CountBatches(train, _options);
            var budget = BudgetController.Create(_model, _game, _options.Budget, batchesPerEpoch, train.Inputs.shape.Skip(1).ToArray());
            var deadline = budget is null ? 0 : BudgetDeadline(budget);
            var settings = LayerSettings();
            if (budget is not null) settings = new Dictionary<string, string>(settings) { ["budget"] = budget.Describe() };
            var session = new TrainingSession(_model, _options, "game", "participation", layers,
                gate => ((ParticipationLayer)gate).Cost.Epsilon, settings, _options.Epochs, batchesPerEpoch, steps, warnings);
            session.CheckLabelsAtFirstForward(test, "test data");
            session.ExtraTensors = () => SparseState(sparse).Concat(budget?.StateTensors() ?? Enumerable.Empty<(string, Tensor)>());
            _model.train();

            var start = new ResumePoint(TrainingPhase.Training, 1, 0, 0);
            using (var saved = session.OpenResume())
            {
                if (saved is not null)
                {
                    start = session.Commit(saved, optimizer, CreateOptimizer, generator,
                        c => { ValidateSparseState(c, sparse); budget?.ValidateState(c); },
                        c => { RestoreSparseState(c, sparse); budget?.RestoreState(c); });
                    budget?.ReadFrom(session.Values);
                    epochs.AddRange(session.History.Epochs.Select(e => new EpochReport(e.Epoch, e.TrainLoss, e.TestAccuracy,
                        e.Layers.Select(l => new LayerState(l.Layer, l.Groups, l.Kept, l.Mean, l.ConditionNumber ?? double.NaN)).ToList(),
                        TimeSpan.FromSeconds(e.ElapsedSeconds))));
                }
            }

            try
            {
                for (var epoch = start.Epoch; epoch <= _options.Epochs; epoch++)
                {
                    _options.ApplyLearningRate(optimizer, epoch);
                    var updateParticipations = epoch > _options.ParticipationWarmupEpochs;
                    var settledBefore = budget?.SettledAt is not null;
                    var currentEpoch = epoch;
                    var loss = session.RunEpoch(optimizer, train, generator, epoch, TrainingPhase.Training,
                        afterBackward: () =>
                        {
                            if (updateParticipations && budget?.SettledAt is null)
                            {
                                _game.StepParticipations();
                                budget?.Step(session.Step + 1);
                            }
                            foreach (var layer in sparse) layer.BeforeOptimizerStep();
                        },
                        afterStep: sparse.Count == 0 && budget is null ? null : () =>
                        {
                            foreach (var layer in sparse) layer.AfterOptimizerStep();
                            if (budget is null) return;
                            if (updateParticipations && budget.ReadyToSettle(session.Step + 1))
                                SettleBudget(budget, session, test, currentEpoch, session.Step + 1, forced: false);
                            budget.WriteTo(session.Values);
                        },
                        firstBatchCheck: EnsureGatesApplied,
                        resume: epoch == start.Epoch ? start : null);

                    session.Report(TrainingPhase.Evaluation, epoch);
                    var report = new EpochReport(epoch, loss, Evaluation.Accuracy(_model, test), LayerStates(), clock.Elapsed);
                    epochs.Add(report);
                    session.RecordEpoch(epoch, settledBefore ? TrainingPhase.FineTune : TrainingPhase.Training, loss, report.TestAccuracy,
                        report.Layers.Select(l => new LayerRecord(l.Layer, l.Groups, l.Kept, l.MeanParticipation,
                            _options.ProbeConditionNumbers ? l.ConditionNumber : null)).ToList());
                    CheckCollapsed(session, epoch);
                    if (budget is not null)
                    {
                        budget.RecordEpoch(epoch);
                        if (budget.SettledAt is null && epoch >= deadline)
                        {
                            budget.ForceWithin();
                            SettleBudget(budget, session, test, epoch, session.Step, forced: true);
                        }
                        budget.WriteTo(session.Values);
                    }
                    progress?.Report(report);
                }
                session.SaveCheckpointAtEpochStart(optimizer, generator, TrainingPhase.Training, _options.Epochs + 1);

                session.Report(TrainingPhase.Certificate, _options.Epochs);
                var certificate = Certify(train);
                var accuracyBefore = epochs[^1].TestAccuracy;
                var histogram = ParticipationHistogram.From(_game);
                session.RecordFinal();
                CheckCollapsed(session, _options.Epochs);
                session.Report(TrainingPhase.Pruning, _options.Epochs);
                _game.HardPrune();
                var accuracyAfter = Evaluation.Accuracy(_model, test);
                clock.Stop();
                var result = new GameRunResult(epochs, accuracyBefore, accuracyAfter, LayerStates(), certificate, histogram, clock.Elapsed, session.History)
                {
                    Budget = budget is null ? null : BudgetOutcome.From(budget, session.Values),
                };
                if (result.Budget is { } outcome)
                {
                    session.History.SetResult("budget_settled_epoch", outcome.SettledEpoch);
                    session.History.SetResult("accuracy_at_settle", outcome.AccuracyAtSettle);
                    foreach (var c in outcome.Constraints) session.History.SetResult($"budget_price_{c.Scope}", c.FinalPrice);
                }
                session.Complete(new Dictionary<string, double>
                {
                    ["accuracy_before_pruning"] = accuracyBefore,
                    ["accuracy_after_pruning"] = accuracyAfter,
                    ["sparsity"] = result.Sparsity,
                    ["certificate_max_gain"] = certificate.MaxGain,
                    ["pruned_that_would_reenter"] = certificate.PrunedThatWouldReenter,
                    ["wall_seconds"] = clock.Elapsed.TotalSeconds,
                });
                return result;
            }
            catch (Exception e) when (e is not (TrainingDivergedException or EmptyLayerException))
            {
                session.Fail(e);
                throw;
            }
        }

        /// <summary>
        /// The rule for a layer about to lose every group: a layer whose every participation is below its epsilon keeps its
        /// highest one (<see cref="ParticipationLayer.KeepMask"/>), and the run warns or stops (<see cref="WeightTrainingOptions.OnEmptyLayer"/>).
        /// </summary>
        private void CheckCollapsed(TrainingSession session, int epoch)
        {
            foreach (var layer in _game.ParticipationLayers)
            {
                if (!layer.EveryGroupBelowEpsilon()) continue;
                using var _ = no_grad();
                using var best = layer.Participation.argmax();
                var index = best.ToInt64();
                var value = layer.Participation[index].ToDouble();
                session.LayerCollapsed(layer.Name, epoch, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"every participation fell below epsilon {layer.Cost.Epsilon} by the end of epoch {epoch} (the highest is {value:G3}, group {index})."));
            }
        }

        /// <summary>
        /// The last epoch of the game under a budget: <c>Epochs - FineTuneEpochs</c>. Throws when that leaves the game no epoch
        /// after the participation warm-up.
        /// </summary>
        private int BudgetDeadline(BudgetController budget)
        {
            var deadline = _options.Epochs - budget.FineTuneEpochs;
            if (deadline <= _options.ParticipationWarmupEpochs)
                throw new ArgumentException(
                    $"The budget of '{_model.GetType().Name}' reserves {budget.FineTuneEpochs} fine-tune epochs (FineTuneEpochs) of {_options.Epochs}, which leaves the game no epoch after the {_options.ParticipationWarmupEpochs} warm-up epochs; lower FineTuneEpochs or train longer.");
            return deadline;
        }

        /// <summary>Ends the game under a budget (see <see cref="BudgetController.Settle"/>) and measures the accuracy there.</summary>
        private void SettleBudget(BudgetController budget, TrainingSession session, LabeledData test, int epoch, long step, bool forced)
        {
            budget.Settle(_game, step, forced);
            var accuracy = Evaluation.Accuracy(_model, test);
            session.Values[BudgetOutcome.AccuracyKey] = accuracy;
            session.Values[BudgetOutcome.EpochKey] = epoch;
            var kept = string.Join(" / ", _game.ParticipationLayers.Select(l => $"{l.Name} {l.KeptCount()}"));
            session.Warn(new TrainingWarning(WarningKind.BudgetSettled, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The game ended at epoch {epoch}, step {step}{(forced ? " (the deadline: Epochs - FineTuneEpochs)" : string.Empty)}: kept {kept}, {string.Join("; ", budget.Constraints.Select(c => $"{c.Scope} {c.Used:G} of {c.Target:G} {c.Spec.Unit.ToString().ToLowerInvariant()} at price {c.Price:G3}"))}; test accuracy {accuracy:P2}. Participations are frozen and folded into the weights; the survivors train on."),
                epoch, step));
        }

        /// <summary>Each gated layer's cost settings, as invariant JSON: a checkpoint resumes only under the same.</summary>
        private IReadOnlyDictionary<string, string> LayerSettings() => _game.ParticipationLayers.ToDictionary(
            l => l.Name + ".cost", l => System.Text.Json.JsonSerializer.Serialize(l.Cost, CostJson));

        private static readonly System.Text.Json.JsonSerializerOptions CostJson = new()
        {
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };

        private static IEnumerable<(string, Tensor)> SparseState(IReadOnlyList<NmMaskedLinear> sparse)
        {
            foreach (var layer in sparse)
            {
                yield return ($"nm/{layer.LayerName}/mask", layer.Mask);
                yield return ($"nm/{layer.LayerName}/counters", tensor(new[] { layer.Steps, layer.Refreshes }));
            }
        }

        private static void ValidateSparseState(Checkpoints.CheckpointContents contents, IReadOnlyList<NmMaskedLinear> sparse)
        {
            foreach (var layer in sparse)
            {
                var mask = contents.Tensor($"nm/{layer.LayerName}/mask");
                var counters = contents.Tensor($"nm/{layer.LayerName}/counters");
                if (!mask.shape.SequenceEqual(layer.Mask.shape) || mask.dtype != ScalarType.Bool || counters.numel() != 2 || counters.dtype != ScalarType.Int64)
                    throw new Checkpoints.CheckpointException(contents.Path, $"the N:M state of layer '{layer.LayerName}' does not fit the layer.");
            }
        }

        private static void RestoreSparseState(Checkpoints.CheckpointContents contents, IReadOnlyList<NmMaskedLinear> sparse)
        {
            foreach (var layer in sparse)
            {
                var counters = contents.Tensor($"nm/{layer.LayerName}/counters");
                layer.Restore(contents.Tensor($"nm/{layer.LayerName}/mask"), counters[0].ToInt64(), counters[1].ToInt64());
            }
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
    /// <param name="History">Everything the run recorded, for plots and reports (see <see cref="RunHistory"/>).</param>
    public sealed record GameRunResult(
        IReadOnlyList<EpochReport> Epochs,
        double AccuracyBeforePruning,
        double AccuracyAfterPruning,
        IReadOnlyList<LayerState> Layers,
        EquilibriumCertificate Certificate,
        ParticipationHistogram Histogram,
        TimeSpan WallTime,
        RunHistory History)
    {
        /// <summary>All groups of all gated layers.</summary>
        public int TotalGroups => Layers.Sum(l => l.Groups);

        /// <summary>Pruned groups over all gated layers.</summary>
        public int PrunedGroups => Layers.Sum(l => l.Pruned);

        /// <summary>The fraction of groups pruned.</summary>
        public double Sparsity => TotalGroups == 0 ? 0 : (double)PrunedGroups / TotalGroups;

        /// <summary>What the budget did (null without one): prices, when the game ended and the accuracy there.</summary>
        public BudgetOutcome? Budget { get; init; }

        /// <summary>
        /// Pruned groups that would gain by re-entering: their utility slope at 0 under the true marginal <c>dL/ds_i</c> is
        /// positive (<see cref="EquilibriumCertificate.PrunedThatWouldReenter"/>; per layer in <see cref="Certificate"/>).
        /// </summary>
        public int PrunedGroupsThatWouldReenter => Certificate.PrunedThatWouldReenter;
    }
}
