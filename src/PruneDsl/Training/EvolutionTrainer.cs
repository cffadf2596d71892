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

        /// <summary>
        /// Selection, pruning and fine-tune. Before any step it checks the data (not empty, the test examples shaped like the
        /// training ones, the model can run them, every label among the model's outputs); during training it stops on a NaN
        /// or infinite loss, gradient, fitness or mass, or a diverging loss, with a <see cref="TrainingDivergedException"/>;
        /// it writes checkpoints (during selection and fine-tune, and between them) and resumes from one as the options say.
        /// </summary>
        /// <param name="train">Training data.</param>
        /// <param name="test">Held-out data for the accuracy columns.</param>
        /// <param name="progress">Receives a report after every epoch (and may be null).</param>
        /// <param name="steps">Receives where the run stands after every step (epochs count on through the fine-tune) and
        /// when evaluation or pruning starts (and may be null).</param>
        /// <param name="warnings">Receives what the run survived as it happens (and may be null; the result's history keeps them too).</param>
        public EvolutionRunResult Run(LabeledData train, LabeledData test, IProgress<EvolutionEpochReport>? progress = null,
            IProgress<TrainingProgress>? steps = null, IProgress<TrainingWarning>? warnings = null)
        {
            DataChecks.EnsureNotEmpty(train, nameof(train), "training data", nameof(EvolutionTrainer));
            DataChecks.EnsureNotEmpty(test, nameof(test), "test data", nameof(EvolutionTrainer));
            DataChecks.EnsureSameExampleShape(train, "training", test, "test", nameof(EvolutionTrainer));
            var layers = _populations.PopulationLayers;
            var sparsity = ResolveSparsity(layers);
            var clock = Stopwatch.StartNew();
            var generator = new Generator((ulong)_options.Seed);
            var epochs = new List<EvolutionEpochReport>();
            var session = new TrainingSession(_model, _options, "evolution", "mass", layers, _ => null, LayerSettings(),
                _options.Epochs + _options.FineTuneEpochs, TrainingSession.CountBatches(train, _options), steps, warnings);
            session.CheckLabelsAtFirstForward(test, "test data");
            session.ExtraTensors = () => SelectionState(layers);
            _model.train();

            var saved = session.OpenResume();
            try
            {
                ResumePoint? start = null;
                if (saved is null || saved.Header.Position.Phase != TrainingPhase.FineTune)
                {
                    using (var optimizer = _options.CreateOptimizer(_model.parameters()))
                    {
                        if (saved is not null) start = Resume(session, saved, optimizer, null, generator, epochs);
                        for (var epoch = start?.Epoch ?? 1; epoch <= _options.Epochs; epoch++)
                        {
                            _options.ApplyLearningRate(optimizer, epoch);
                            var loss = TrainEpoch(session, optimizer, train, generator, epoch, selection: true, epoch == start?.Epoch ? start : null);
                            epochs.Add(Report(session, EvolutionPhase.Selection, epoch, loss, test, clock, progress));
                        }
                        session.SaveCheckpointAtEpochStart(optimizer, generator, TrainingPhase.Training, _options.Epochs + 1);
                    }
                    session.Values["selection_seconds"] = session.Values.GetValueOrDefault("selection_seconds") + clock.Elapsed.TotalSeconds;
                    session.Report(TrainingPhase.Evaluation, _options.Epochs);
                    session.Values["dense_accuracy"] = Evaluation.Accuracy(_model, test);
                    var probes = _options.Sweep.Select(point => Probe(point, test)).ToList();
                    for (var i = 0; i < probes.Count; i++)
                    {
                        session.Values[$"sweep/{i}/accuracy"] = probes[i].Accuracy;
                        foreach (var (layer, kept) in probes[i].KeptPerLayer) session.Values[$"sweep/{i}/kept/{layer}"] = kept;
                    }
                    session.RecordFinal();
                    session.Report(TrainingPhase.Pruning, _options.Epochs);
                    if (sparsity is double p) PopulationPruning.PruneToSparsity(layers, p, _options.Scope, _options.MinKeptPerLayer);
                    else foreach (var layer in layers) layer.PruneToSparsity();
                    _populations.HardPrune();
                    session.Values["pruned_accuracy"] = Evaluation.Accuracy(_model, test);
                    start = null;
                }

                var fineTuneClock = Stopwatch.StartNew();
                if (_options.FineTuneEpochs > 0)
                {
                    using var optimizer = _options.CreateOptimizer(_model.parameters(), _options.FineTuneLearningRate);
                    if (saved is not null && saved.Header.Position.Phase == TrainingPhase.FineTune)
                        start = Resume(session, saved, optimizer, _options.FineTuneLearningRate, generator, epochs);
                    else
                        session.SaveCheckpointAtEpochStart(optimizer, generator, TrainingPhase.FineTune, _options.Epochs + 1);
                    for (var epoch = start?.Epoch ?? _options.Epochs + 1; epoch <= _options.Epochs + _options.FineTuneEpochs; epoch++)
                    {
                        _options.ApplyLearningRate(optimizer, epoch, _options.FineTuneLearningRate);
                        var loss = TrainEpoch(session, optimizer, train, generator, epoch, selection: false, epoch == start?.Epoch ? start : null);
                        epochs.Add(Report(session, EvolutionPhase.FineTune, epoch, loss, test, clock, progress));
                    }
                    session.SaveCheckpointAtEpochStart(optimizer, generator, TrainingPhase.FineTune, _options.Epochs + _options.FineTuneEpochs + 1);
                }
                session.Values["fine_tune_seconds"] = session.Values.GetValueOrDefault("fine_tune_seconds") + fineTuneClock.Elapsed.TotalSeconds;
                clock.Stop();

                var sweep = _options.Sweep.Select((point, i) => new PruningProbe(point.Sparsity, point.Scope, session.Values[$"sweep/{i}/accuracy"],
                    layers.ToDictionary(l => l.Name, l => (int)session.Values[$"sweep/{i}/kept/{l.Name}"]))).ToList();
                double? fineTuned = _options.FineTuneEpochs > 0 ? epochs[^1].TestAccuracy : null;
                var result = new EvolutionRunResult(epochs, session.Values["dense_accuracy"], sweep, _options.Scope, session.Values["pruned_accuracy"], fineTuned,
                    layers.Select(l => l.Describe()).ToList(), TimeSpan.FromSeconds(session.Values["selection_seconds"]),
                    TimeSpan.FromSeconds(session.Values["fine_tune_seconds"]), clock.Elapsed, session.History);
                var results = new Dictionary<string, double>
                {
                    ["dense_accuracy"] = result.DenseAccuracy,
                    ["pruned_accuracy"] = result.PrunedAccuracy,
                    ["final_accuracy"] = result.FinalAccuracy,
                    ["sparsity"] = result.Sparsity,
                    ["wall_seconds"] = clock.Elapsed.TotalSeconds,
                };
                session.Complete(results);
                return result;
            }
            catch (Exception e) when (e is not (TrainingDivergedException or EmptyLayerException))
            {
                session.Fail(e);
                throw;
            }
            finally
            {
                saved?.Dispose();
            }
        }

        /// <summary>Applies a checked checkpoint with the optimizer of its phase and rebuilds the epoch reports from its history.</summary>
        private ResumePoint Resume(TrainingSession session, Checkpoints.CheckpointContents saved, optim.Optimizer optimizer, double? learningRate,
            Generator generator, List<EvolutionEpochReport> epochs)
        {
            var layers = _populations.PopulationLayers;
            var start = session.Commit(saved, optimizer, p => _options.CreateOptimizer(p, learningRate), generator,
                c => ValidateSelectionState(c, layers), c => RestoreSelectionState(c, layers));
            epochs.AddRange(session.History.Epochs.Select(e => new EvolutionEpochReport(
                e.Phase == TrainingPhase.FineTune ? EvolutionPhase.FineTune : EvolutionPhase.Selection, e.Epoch, e.TrainLoss, e.TestAccuracy,
                e.Layers.Select(l => new PopulationState(l.Layer, l.Groups, l.Kept, l.MinMass ?? 0, l.MaxMass ?? 0, l.EffectivePopulations ?? 0)).ToList(),
                TimeSpan.FromSeconds(e.ElapsedSeconds))));
            return start;
        }

        /// <summary>Each evolving layer's selection settings, as invariant JSON: a checkpoint resumes only under the same.</summary>
        private IReadOnlyDictionary<string, string> LayerSettings() => _populations.PopulationLayers.ToDictionary(
            l => l.Name + ".dynamics", l => System.Text.Json.JsonSerializer.Serialize(l.Spec, SpecJson) + " " + l.Dynamic.Name);

        private static readonly System.Text.Json.JsonSerializerOptions SpecJson = new()
        {
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };

        /// <summary>What the selection keeps outside the model's buffers: each layer's step count, smoothed fitness and pruning decision.</summary>
        private static IEnumerable<(string, Tensor)> SelectionState(IReadOnlyList<PopulationLayer> layers)
        {
            foreach (var layer in layers)
            {
                yield return ($"population/{layer.Name}/steps", tensor(new[] { layer.Steps }));
                if (layer.SmoothedFitness is Tensor smoothed) yield return ($"population/{layer.Name}/smoothed", smoothed);
                if (layer.HasDecision) yield return ($"population/{layer.Name}/keep", layer.KeepMask());
            }
        }

        private static void ValidateSelectionState(Checkpoints.CheckpointContents contents, IReadOnlyList<PopulationLayer> layers)
        {
            foreach (var layer in layers)
            {
                var steps = contents.Tensor($"population/{layer.Name}/steps");
                var fits = steps.numel() == 1 && steps.dtype == ScalarType.Int64;
                if (contents.Tensors.TryGetValue($"population/{layer.Name}/smoothed", out var smoothed)) fits &= smoothed.shape.SequenceEqual(layer.Mass.shape);
                if (contents.Tensors.TryGetValue($"population/{layer.Name}/keep", out var keep)) fits &= keep.shape.SequenceEqual(layer.Mass.shape) && keep.dtype == ScalarType.Bool;
                if (!fits) throw new Checkpoints.CheckpointException(contents.Path, $"the selection state of layer '{layer.Name}' does not fit the layer.");
            }
        }

        private static void RestoreSelectionState(Checkpoints.CheckpointContents contents, IReadOnlyList<PopulationLayer> layers)
        {
            foreach (var layer in layers)
            {
                contents.Tensors.TryGetValue($"population/{layer.Name}/smoothed", out var smoothed);
                layer.RestoreSelection(smoothed, contents.Tensor($"population/{layer.Name}/steps").ToInt64());
                if (contents.Tensors.TryGetValue($"population/{layer.Name}/keep", out var keep))
                    layer.Keep(new KeepDecision(keep.data<bool>().ToArray()));
            }
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
        private double TrainEpoch(TrainingSession session, optim.Optimizer optimizer, LabeledData train, Generator generator, int epoch,
            bool selection, ResumePoint? resume) =>
            session.RunEpoch(optimizer, train, generator, epoch, selection ? TrainingPhase.Training : TrainingPhase.FineTune,
                afterBackward: selection ? _populations.StepPopulations : null,
                afterStep: selection ? null : _populations.HardPrune,
                firstBatchCheck: EnsureGatesApplied,
                resume: resume);

        private EvolutionEpochReport Report(TrainingSession session, EvolutionPhase phase, int epoch, double loss, LabeledData test, Stopwatch clock,
            IProgress<EvolutionEpochReport>? progress)
        {
            var trainingPhase = phase == EvolutionPhase.FineTune ? TrainingPhase.FineTune : TrainingPhase.Training;
            session.Report(TrainingPhase.Evaluation, epoch);
            var report = new EvolutionEpochReport(phase, epoch, loss, Evaluation.Accuracy(_model, test),
                _populations.PopulationLayers.Select(l => l.Describe()).ToList(), clock.Elapsed);
            session.RecordEpoch(epoch, trainingPhase, loss, report.TestAccuracy, report.Layers.Select(l =>
                new LayerRecord(l.Layer, l.Groups, l.Kept, MeanMass(l.Layer), null, l.MinMass, l.MaxMass, l.EffectivePopulations)).ToList());
            progress?.Report(report);
            return report;
        }

        private double MeanMass(string layer)
        {
            using var _ = no_grad();
            using var mean = _populations.PopulationLayers.First(l => l.Name == layer).Mass.mean();
            return mean.ToDouble();
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
