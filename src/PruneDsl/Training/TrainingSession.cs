using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PruneDsl.Checkpoints;
using PruneDsl.Game;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// The per-batch loop every trainer shares, and what surrounds it: shuffle, forward, cross-entropy, the loss check,
    /// backward, the gradient check, the method's own step (participations, selection, masks), the gate check, the optimizer
    /// step; progress reports, the run history, checkpoints and resuming. One home, so the game and evolution trainers
    /// cannot drift apart.
    /// </summary>
    /// <remarks>
    /// A checkpoint records a position "(epoch E, batch B)": the first B batches of epoch E are done, and the shuffling
    /// generator's state is the one at the start of epoch E (before its permutation was drawn). Resuming sets that state,
    /// draws the same permutation and continues at batch B with the same loss sum, so the data order, the optimizer
    /// moments and every tensor continue exactly as in an uninterrupted run. The checkpoint written after the last epoch
    /// is "(last epoch + 1, batch 0)".
    /// </remarks>
    internal sealed class TrainingSession
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly WeightTrainingOptions _options;
        private readonly string _method;
        private readonly string _quantity;
        private readonly IReadOnlyList<IGroupGate> _gates;
        private readonly IReadOnlyDictionary<string, string> _resumeSettings;
        private readonly IProgress<TrainingProgress>? _steps;
        private readonly IProgress<TrainingWarning>? _warnings;
        private readonly FaultChecks _checks;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly HashSet<string> _collapsedLayers = new(StringComparer.Ordinal);
        private IReadOnlyList<LayerCount> _counts;
        private TimeSpan _countsAt = TimeSpan.Zero;
        private double _lastLoss = double.NaN;
        private bool _inputsChecked;
        private bool _divergenceWarned;

        public TrainingSession(nn.Module<Tensor, Tensor> model, WeightTrainingOptions options, string method, string quantity,
            IReadOnlyList<IGroupGate> gates, Func<IGroupGate, double?> threshold, IReadOnlyDictionary<string, string> layerSettings,
            int epochs, int batchesPerEpoch, IProgress<TrainingProgress>? steps, IProgress<TrainingWarning>? warnings)
        {
            _model = model;
            _options = options;
            _method = method;
            _quantity = quantity;
            _gates = gates;
            _steps = steps;
            _warnings = warnings;
            Epochs = epochs;
            BatchesPerEpoch = batchesPerEpoch;
            TotalSteps = (long)epochs * batchesPerEpoch;
            _checks = new FaultChecks(model, gates, quantity);
            var resume = options.ResumeSettings().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            foreach (var (k, v) in layerSettings) resume[k] = v;
            _resumeSettings = resume;
            var described = new Dictionary<string, string>(resume, StringComparer.Ordinal)
            {
                ["Epochs"] = epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["BatchesPerEpoch"] = batchesPerEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            History = new RunHistory(method, model.GetType().Name, described);
            foreach (var gate in gates) History.AddTrajectory(NewTrajectory(gate, threshold(gate)));
            _counts = Counts();
        }

        /// <summary>Batches per epoch of <paramref name="train"/> under <paramref name="options"/> (the last one may be short).</summary>
        public static int CountBatches(LabeledData train, WeightTrainingOptions options)
        {
            var batches = (int)((train.Count + options.BatchSize - 1) / options.BatchSize);
            return options.MaxBatchesPerEpoch is int cap ? Math.Min(batches, cap) : batches;
        }

        /// <summary>The run's history (replaced by the checkpoint's on resume).</summary>
        public RunHistory History { get; private set; }

        /// <summary>All epochs of the run.</summary>
        public int Epochs { get; }

        /// <summary>Batches per epoch.</summary>
        public int BatchesPerEpoch { get; }

        /// <summary>Optimizer steps of the whole run.</summary>
        public long TotalSteps { get; }

        /// <summary>Optimizer steps done.</summary>
        public long Step { get; private set; }

        /// <summary>The step this session started from.</summary>
        public long FirstStep { get; private set; }

        /// <summary>The loss of the run's first step, the reference of the divergence check (NaN before it).</summary>
        public double FirstLoss { get; private set; } = double.NaN;

        /// <summary>The held-out accuracy at the end of the last epoch.</summary>
        public double? LastAccuracy { get; private set; }

        /// <summary>The last checkpoint written or resumed from, or null.</summary>
        public string? LastCheckpoint { get; private set; }

        /// <summary>This session's wall time.</summary>
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>Numbers the trainer keeps across a resume (written into every checkpoint).</summary>
        public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

        /// <summary>Tensors the trainer keeps across a resume, by name (asked for at every checkpoint).</summary>
        public Func<IEnumerable<(string Name, Tensor Tensor)>>? ExtraTensors { get; set; }

        /// <summary>
        /// Runs the batches of one epoch (from <paramref name="resume"/>'s batch when resuming into it) and returns the
        /// mean loss over all of its batches.
        /// </summary>
        public double RunEpoch(optim.Optimizer optimizer, LabeledData train, Generator generator, int epoch, TrainingPhase phase,
            Action? afterBackward, Action? afterStep, Action? firstBatchCheck, ResumePoint? resume = null)
        {
            var batchSize = _options.BatchSize;
            var batches = BatchesPerEpoch;
            using var epochStart = generator.get_state();
            using var order = randperm(train.Count, generator: generator);
            var first = resume?.Batch ?? 0;
            var lossSum = resume?.LossSum ?? 0;
            for (var b = first; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var index = order[(b * batchSize)..(int)Math.Min((b + 1L) * batchSize, train.Count)];
                var x = train.Inputs.index_select(0, index);
                var y = train.Labels.index_select(0, index);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(Forward(x, train), y);
                var value = loss.ToDouble();
                CheckLoss(value, epoch, b, batches);
                loss.backward();
                if (Step == 0) firstBatchCheck?.Invoke();
                if (_options.GradientCheckEvery > 0 && (Step + 1) % _options.GradientCheckEvery == 0 && _checks.NonFiniteGradient() is string grad)
                    throw Diverged(epoch, b, grad, double.NaN, $"the {grad} holds NaN or infinite values (the loss was {Format(value)})");
                if (afterBackward is not null)
                {
                    try
                    {
                        afterBackward();
                    }
                    catch (NonFiniteException e)
                    {
                        throw Diverged(epoch, b, e.Tensor, double.NaN, e.Message);
                    }
                    if (_checks.NonFiniteGate() is string gate)
                        throw Diverged(epoch, b, gate, double.NaN, $"the {gate} holds NaN or infinite values after its step (the loss was {Format(value)})");
                }
                optimizer.step();
                afterStep?.Invoke();
                Step++;
                lossSum += value;
                _lastLoss = value;
                if (Sampled(b + 1, batches)) Sample(epoch - 1 + (double)(b + 1) / batches);
                if (_options.CheckpointEvery > 0 && Step % _options.CheckpointEvery == 0)
                    SaveCheckpoint(optimizer, new CheckpointPosition(phase, epoch, b + 1, Step, lossSum, FirstLoss, _divergenceWarned), epochStart);
                Report(phase, epoch, b + 1, batches);
            }
            return lossSum / batches;
        }

        /// <summary>Reports that a phase without optimizer steps runs (evaluation, certificate, pruning).</summary>
        public void Report(TrainingPhase phase, int epoch) => Report(phase, epoch, BatchesPerEpoch, BatchesPerEpoch, refresh: true);

        /// <summary>Records an epoch's end in the history and remembers its accuracy.</summary>
        public void RecordEpoch(int epoch, TrainingPhase phase, double loss, double accuracy, IReadOnlyList<LayerRecord> layers)
        {
            LastAccuracy = accuracy;
            History.Add(new EpochRecord(epoch, phase, loss, accuracy, Elapsed.TotalSeconds, Step, layers));
            _counts = Counts();
            _countsAt = Elapsed;
        }

        /// <summary>Records every group's final value per layer (for the histogram) and the run's results; marks it complete.</summary>
        public void Complete(IReadOnlyDictionary<string, double> results)
        {
            foreach (var (k, v) in results) History.SetResult(k, v);
            History.Complete();
        }

        /// <summary>Records every group's value per layer as the run's final values.</summary>
        public void RecordFinal()
        {
            History.SetFinal(_gates.Select(g => new LayerValues(g.Name, _quantity, ValuesOf(g.Gate))));
        }

        /// <summary>Reports a warning to the listener and the history.</summary>
        public void Warn(TrainingWarning warning)
        {
            History.Add(warning);
            _warnings?.Report(warning);
        }

        /// <summary>Marks the run failed with <paramref name="e"/>'s message (for faults that are not <see cref="TrainingDivergedException"/>s).</summary>
        public void Fail(Exception e) => History.Fail(e.Message);

        /// <summary>
        /// The rule for a layer about to lose every group: the first time <paramref name="layer"/> has every group below
        /// its threshold, warn that it keeps its best group (its <c>KeepMask</c> does), or stop, per
        /// <see cref="WeightTrainingOptions.OnEmptyLayer"/>.
        /// </summary>
        public void LayerCollapsed(string layer, int epoch, string detail)
        {
            if (!_collapsedLayers.Add(layer)) return;
            var what = $"Layer '{layer}' of '{_model.GetType().Name}': {detail}";
            if (_options.OnEmptyLayer == FaultAction.Stop)
            {
                var message = $"{what} Training stopped (OnEmptyLayer = Stop) at epoch {epoch}, step {Step}. {CheckpointSentence()} " +
                    "Lower the L1 price (Gamma) or the participation learning rate, or set OnEmptyLayer = Warn to keep the layer's best group.";
                History.Fail(message);
                throw new EmptyLayerException(message, layer, History);
            }
            Warn(new TrainingWarning(WarningKind.LayerKeptBestGroup,
                $"{what} It keeps its best group so that it is not empty; its pruning threshold prunes every other one.", epoch, Step, layer));
        }

        /// <summary>Writes a checkpoint of the position after the last epoch: "(epoch, batch 0)" with the generator as it is now.</summary>
        public void SaveCheckpointAtEpochStart(optim.Optimizer optimizer, Generator generator, TrainingPhase phase, int epoch)
        {
            if (_options.CheckpointPath is null) return;
            using var state = generator.get_state();
            SaveCheckpoint(optimizer, new CheckpointPosition(phase, epoch, 0, Step, 0, FirstLoss, _divergenceWarned), state);
        }

        /// <summary>
        /// Reads and checks the checkpoint of <see cref="WeightTrainingOptions.Resume"/>: null when there is none (with a
        /// warning), else the checked contents, not yet applied (see <see cref="Commit"/>).
        /// </summary>
        public CheckpointContents? OpenResume()
        {
            if (!_options.Resume || _options.CheckpointPath is not string path) return null;
            if (!File.Exists(path))
            {
                Warn(new TrainingWarning(WarningKind.NothingToResume,
                    $"Resume was asked for, but '{path}' does not exist yet: the run starts at step 0 (and writes its checkpoints there)."));
                return null;
            }
            var contents = CheckpointFile.Read(path);
            try
            {
                var header = contents.Header;
                var problems = new List<string>();
                if (header.Trainer != _method) problems.Add($"it was written by the {header.Trainer} trainer, and this run is the {_method} trainer's");
                problems.AddRange(header.Model.Differences(ModelFingerprint.Of(_model)));
                foreach (var key in header.Settings.Keys.Union(_resumeSettings.Keys).OrderBy(k => k, StringComparer.Ordinal))
                {
                    header.Settings.TryGetValue(key, out var saved);
                    _resumeSettings.TryGetValue(key, out var now);
                    if (saved != now) problems.Add($"setting {key} was {saved ?? "absent"} and is now {now ?? "absent"}");
                }
                var p = header.Position;
                if (p.Epoch < 1 || p.Epoch > Epochs + 1 || p.Batch < 0 || p.Batch > BatchesPerEpoch || p.Step < 0 || p.Step > TotalSteps)
                    problems.Add($"its position (epoch {p.Epoch}, batch {p.Batch}, step {p.Step}) lies outside this run's {Epochs} epochs of {BatchesPerEpoch} batches");
                if (problems.Count > 0)
                    throw new CheckpointException(path, string.Join("; ", problems) + ". Resume with the model and settings that wrote it, or point CheckpointDirectory elsewhere to start a new run.");
                try
                {
                    RunHistory.FromJson(header.History);
                }
                catch (InvalidDataException e)
                {
                    throw new CheckpointException(path, $"its run history cannot be read: {e.Message}", e);
                }
                return contents;
            }
            catch
            {
                contents.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Applies checked contents: first checks what is left (the optimizer state, by loading it into a scratch optimizer
        /// of the same kind; the generators' states; the trainer's own tensors through <paramref name="validate"/>), then
        /// copies every tensor into the model, the optimizer and the generators and restores the history and counters.
        /// Nothing is copied unless every check passed.
        /// </summary>
        public ResumePoint Commit(CheckpointContents contents, optim.Optimizer optimizer, Func<IEnumerable<Parameter>, optim.Optimizer> scratchOptimizer,
            Generator generator, Action<CheckpointContents> validate, Action<CheckpointContents> restore)
        {
            var path = contents.Path;
            var header = contents.Header;
            var live = _model.state_dict();
            var weights = live.ToDictionary(kv => kv.Key, kv => contents.Tensor("model/" + kv.Key), StringComparer.Ordinal);
            var shuffle = contents.Tensor("rng/shuffle");
            var global = contents.Tensor("rng/torch");
            using (var now = generator.get_state())
                if (!shuffle.shape.SequenceEqual(now.shape) || shuffle.dtype != now.dtype)
                    throw new CheckpointException(path, "its shuffling generator state does not fit this libtorch's generator.");
            using (var now = get_rng_state())
                if (!global.shape.SequenceEqual(now.shape) || global.dtype != now.dtype)
                    throw new CheckpointException(path, "its global random generator state does not fit this libtorch's generator.");
            var optimizerState = contents.Blob("optimizer");
            if (optimizer is not OptimizerHelper helper)
                throw new InvalidOperationException($"The optimizer {optimizer.GetType().Name} cannot save or load its state; use Adam, AdamW or SGD.");
            var scratchParameters = _model.parameters().Select(p => new Parameter(zeros_like(p))).ToList();
            try
            {
                using var scratch = scratchOptimizer(scratchParameters);
                using var stream = new MemoryStream(optimizerState);
                using var reader = new BinaryReader(stream);
                ((OptimizerHelper)scratch).load_state_dict(reader);
                if (stream.Position != stream.Length)
                    throw new InvalidDataException($"{stream.Length - stream.Position} bytes of optimizer state are left over.");
            }
            catch (Exception e) when (e is not CheckpointException)
            {
                throw new CheckpointException(path, $"its optimizer state does not fit a {optimizer.GetType().Name} over this model's parameters: {e.Message}", e);
            }
            finally
            {
                foreach (var parameter in scratchParameters) parameter.Dispose();
            }
            validate(contents);
            var history = RunHistory.FromJson(header.History);

            // Every check passed: copy.
            using (no_grad())
            {
                foreach (var (name, tensor) in live) tensor.copy_(weights[name]);
            }
            using (var stream = new MemoryStream(optimizerState))
            using (var reader = new BinaryReader(stream))
                helper.load_state_dict(reader);
            generator.set_state(shuffle);
            set_rng_state(global);
            restore(contents);
            foreach (var (k, v) in header.Values) Values[k] = v;
            var p = header.Position;
            History = history;
            Step = p.Step;
            FirstStep = p.Step;
            FirstLoss = p.FirstLoss;
            _divergenceWarned = p.DivergenceWarned;
            _inputsChecked = false;
            _collapsedLayers.Clear();
            foreach (var w in history.Warnings)
                if (w.Kind == WarningKind.LayerKeptBestGroup && w.Layer is not null) _collapsedLayers.Add(w.Layer);
            LastCheckpoint = path;
            LastAccuracy = history.Epochs.Count > 0 ? history.Epochs[^1].TestAccuracy : null;
            _counts = Counts();
            return new ResumePoint(p.Phase, p.Epoch, p.Batch, p.EpochLossSum);
        }

        /// <summary>The forward pass, checking the data against the model at this session's first one.</summary>
        private Tensor Forward(Tensor x, LabeledData train)
        {
            if (_inputsChecked) return _model.call(x);
            Tensor output;
            try
            {
                output = _model.call(x);
            }
            catch (Exception e) when (DataChecks.IsTorchError(e))
            {
                throw DataChecks.ForwardFailed(_model, train, "training data", TrainerName, e);
            }
            DataChecks.EnsureLabelsInRange(train, output.shape[1], "training data", TrainerName);
            foreach (var check in _labelChecks) check(output.shape[1]);
            _inputsChecked = true;
            return output;
        }

        private readonly List<Action<long>> _labelChecks = new();

        /// <summary>Adds a check on other data's labels that runs with the first forward pass (which tells the number of outputs).</summary>
        public void CheckLabelsAtFirstForward(LabeledData data, string what) =>
            _labelChecks.Add(classes => DataChecks.EnsureLabelsInRange(data, classes, what, TrainerName));

        /// <summary>The trainer's name for messages.</summary>
        public string TrainerName => _method == "game" ? "GameTrainer" : "EvolutionTrainer";

        private void CheckLoss(double value, int epoch, int batch, int batches)
        {
            if (!double.IsFinite(value))
                throw Diverged(epoch, batch, "loss", value, $"the loss is {Format(value)}");
            if (double.IsNaN(FirstLoss))
            {
                FirstLoss = value;
                return;
            }
            if (!(FirstLoss > 0) || value <= _options.DivergenceFactor * FirstLoss) return;
            var what = $"the loss {Format(value)} is more than {Format(_options.DivergenceFactor)} times the run's first loss {Format(FirstLoss)} (DivergenceFactor)";
            if (_options.OnDivergingLoss == FaultAction.Stop) throw Diverged(epoch, batch, "loss", value, what);
            if (_divergenceWarned) return;
            _divergenceWarned = true;
            Warn(new TrainingWarning(WarningKind.LossDiverging,
                $"Training of '{_model.GetType().Name}' is diverging at epoch {epoch}, step {Step + 1}: {what}. It goes on (OnDivergingLoss = Warn); lower the learning rate (LearningRate = {Format(_options.LearningRate)}).",
                epoch, Step + 1));
        }

        private TrainingDivergedException Diverged(int epoch, int batch, string tensor, double value, string what)
        {
            var message = $"Training of '{_model.GetType().Name}' diverged at epoch {epoch}, step {Step + 1} (batch {batch + 1} of {BatchesPerEpoch}): {what}. " +
                $"{CheckpointSentence()} Lower the weight learning rate (LearningRate = {Format(_options.LearningRate)}) or the participation or mass step, " +
                "or check the data for NaN or huge values.";
            History.Fail(message);
            return new TrainingDivergedException(message, epoch, Step + 1, tensor, value, LastCheckpoint, History);
        }

        private string CheckpointSentence() => LastCheckpoint is null
            ? "No checkpoint was written (set CheckpointDirectory and CheckpointEvery to keep one)."
            : $"The last good checkpoint is '{LastCheckpoint}' (step {History.Checkpoints.LastOrDefault()?.Step ?? FirstStep}).";

        private void SaveCheckpoint(optim.Optimizer optimizer, CheckpointPosition position, Tensor epochStartState)
        {
            if (_options.CheckpointPath is not string path) return;
            if (optimizer is not OptimizerHelper helper)
                throw new InvalidOperationException($"The optimizer {optimizer.GetType().Name} cannot save its state; use Adam, AdamW or SGD.");
            // "(epoch E, batch 0)" is the end of epoch E - 1: the record names the epoch the checkpoint is in or just ended.
            History.Add(new CheckpointRecord(path, position.Batch == 0 ? position.Epoch - 1 : position.Epoch, position.Step, Elapsed.TotalSeconds));
            var tensors = new List<(string, Tensor)>();
            foreach (var (name, tensor) in _model.state_dict()) tensors.Add(("model/" + name, tensor));
            tensors.Add(("rng/shuffle", epochStartState));
            using var global = get_rng_state();
            tensors.Add(("rng/torch", global));
            if (ExtraTensors is not null) tensors.AddRange(ExtraTensors());
            byte[] optimizerState;
            using (var stream = new MemoryStream())
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                    helper.save_state_dict(writer);
                optimizerState = stream.ToArray();
            }
            var header = new CheckpointHeader(CheckpointFile.FormatName, _method, ModelFingerprint.Of(_model), _resumeSettings, position,
                new Dictionary<string, double>(Values), History.ToJson(), DateTime.UtcNow, Array.Empty<CheckpointTensor>(), Array.Empty<CheckpointBlob>());
            CheckpointFile.Write(path, header, tensors, new[] { ("optimizer", optimizerState) });
            LastCheckpoint = path;
        }

        private void Report(TrainingPhase phase, int epoch, int batch, int batches, bool refresh = false)
        {
            if (_steps is null) return;
            if (refresh || batch == batches || Elapsed - _countsAt > TimeSpan.FromMilliseconds(500))
            {
                _counts = Counts();
                _countsAt = Elapsed;
            }
            _steps.Report(new TrainingProgress(phase, epoch, Epochs, batch, batches, Step, TotalSteps, FirstStep, _lastLoss, LastAccuracy, _counts, Elapsed));
        }

        private IReadOnlyList<LayerCount> Counts() => _gates.Select(g =>
        {
            using var keep = g.KeepMask();
            using var kept = keep.sum();
            return new LayerCount(g.Name, (int)kept.ToInt64(), g.Count);
        }).ToList();

        private bool Sampled(int batchDone, int batches)
        {
            var perEpoch = Math.Min(_options.TrajectorySamplesPerEpoch, batches);
            return (long)batchDone * perEpoch / batches != (long)(batchDone - 1) * perEpoch / batches;
        }

        private void Sample(double epoch)
        {
            for (var i = 0; i < _gates.Count; i++)
            {
                var trajectory = History.Trajectories[i];
                var values = ValuesOf(_gates[i].Gate);
                var sampled = trajectory.Groups.Count == values.Length ? values : trajectory.Groups.Select(g => values[g]).ToArray();
                trajectory.Add(new TrajectorySample(Step, epoch, sampled));
            }
        }

        private GroupTrajectory NewTrajectory(IGroupGate gate, double? threshold)
        {
            var n = gate.Count;
            var limit = _options.TrajectoryGroupLimit;
            var groups = n <= limit
                ? Enumerable.Range(0, n).ToArray()
                : Enumerable.Range(0, limit).Select(k => (int)((long)k * n / limit)).ToArray();
            var trajectory = new GroupTrajectory(gate.Name, _quantity, threshold, n, groups);
            var values = ValuesOf(gate.Gate);
            trajectory.Add(new TrajectorySample(0, 0, groups.Length == n ? values : groups.Select(g => values[g]).ToArray()));
            return trajectory;
        }

        private static float[] ValuesOf(Tensor gate)
        {
            using var _ = no_grad();
            using var cpu = gate.detach().to(ScalarType.Float32).cpu();
            return cpu.data<float>().ToArray();
        }

        private static string Format(double v) => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Where a checkpoint says the run stood.</summary>
    /// <param name="Phase">Training (selection) or fine-tune.</param>
    /// <param name="Epoch">The 1-based epoch under way.</param>
    /// <param name="Batch">Its batches done.</param>
    /// <param name="Step">Optimizer steps done in the run.</param>
    /// <param name="EpochLossSum">The sum of its batches' losses so far.</param>
    /// <param name="FirstLoss">The run's first loss (the divergence check's reference).</param>
    /// <param name="DivergenceWarned">Whether the divergence warning was given.</param>
    internal sealed record CheckpointPosition(TrainingPhase Phase, int Epoch, int Batch, long Step, double EpochLossSum, double FirstLoss, bool DivergenceWarned);

    /// <summary>Where a resumed run continues: epoch <see cref="Epoch"/> from batch <see cref="Batch"/>.</summary>
    internal sealed record ResumePoint(TrainingPhase Phase, int Epoch, int Batch, double LossSum);

    /// <summary>A NaN or infinity a gate's step found (fitness, masses): the session turns it into a <see cref="TrainingDivergedException"/>.</summary>
    internal sealed class NonFiniteException : InvalidOperationException
    {
        public NonFiniteException(string tensor, string message) : base(message) => Tensor = tensor;

        /// <summary>What was not finite, e.g. <c>fitness of fc1</c>.</summary>
        public string Tensor { get; }
    }
}
