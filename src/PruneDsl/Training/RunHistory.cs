using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PruneDsl.Training
{
    /// <summary>
    /// Everything a training run recorded, as data: its settings, one record per epoch (loss, accuracy, kept groups and
    /// condition number or masses per layer), the trajectory of every group's participation or mass (sampled a few times per
    /// epoch, at most <see cref="WeightTrainingOptions.TrajectoryGroupLimit"/> groups per layer), the final values per layer
    /// (for the histogram), the warnings, the checkpoints written and how the run ended. Trainers fill it as they go and
    /// return it with their result (or with the exception that stopped them); it is saved inside every checkpoint, so a
    /// resumed run's history is whole. <see cref="ToJson"/>/<see cref="FromJson"/> write and read it; plots and reports
    /// (PruneDsl.Reporting) are drawn from it.
    /// </summary>
    public sealed class RunHistory
    {
        /// <summary>The <see cref="Format"/> value.</summary>
        public const string FormatName = "prunedsl.run";

        /// <summary>The <see cref="Version"/> this library writes and reads.</summary>
        public const int FormatVersion = 1;

        private static readonly JsonSerializerOptions Json = new()
        {
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter() },
        };

        private readonly List<EpochRecord> _epochs;
        private readonly List<GroupTrajectory> _trajectories;
        private readonly List<LayerValues> _final;
        private readonly List<TrainingWarning> _warnings;
        private readonly List<CheckpointRecord> _checkpoints;
        private readonly Dictionary<string, double> _results;

        /// <summary>Creates an empty history of a run about to start.</summary>
        /// <param name="method">The trainer: <c>game</c> or <c>evolution</c>.</param>
        /// <param name="model">The model class.</param>
        /// <param name="settings">The settings that describe the run (options, per-layer costs or dynamics), as text.</param>
        public RunHistory(string method, string model, IReadOnlyDictionary<string, string> settings)
            : this(FormatName, FormatVersion, method, model, settings, null, null, null, null, null, null, RunOutcome.Running, null)
        {
        }

        /// <summary>Creates a history from its parts (JSON reading).</summary>
        /// <param name="format">Must be <see cref="FormatName"/>.</param>
        /// <param name="version">Must be <see cref="FormatVersion"/>.</param>
        /// <param name="method">The trainer.</param>
        /// <param name="model">The model class.</param>
        /// <param name="settings">The run's settings as text.</param>
        /// <param name="epochs">One record per epoch.</param>
        /// <param name="trajectories">Per layer, the sampled values of its groups.</param>
        /// <param name="final">Per layer, every group's value at the end of training.</param>
        /// <param name="warnings">What the run survived.</param>
        /// <param name="checkpoints">The checkpoints written.</param>
        /// <param name="results">The run's final numbers by name.</param>
        /// <param name="outcome">How the run ended.</param>
        /// <param name="failure">Why it failed, or null.</param>
        [JsonConstructor]
        public RunHistory(string format, int version, string method, string model, IReadOnlyDictionary<string, string>? settings,
            IReadOnlyList<EpochRecord>? epochs, IReadOnlyList<GroupTrajectory>? trajectories, IReadOnlyList<LayerValues>? final,
            IReadOnlyList<TrainingWarning>? warnings, IReadOnlyList<CheckpointRecord>? checkpoints, IReadOnlyDictionary<string, double>? results,
            RunOutcome outcome, string? failure)
        {
            if (format != FormatName)
                throw new InvalidDataException($"This is not a PruneDsl run history: its \"format\" is '{format}', expected '{FormatName}'.");
            if (version != FormatVersion)
                throw new InvalidDataException($"This run history has format version {version}; this PruneDsl reads version {FormatVersion}.");
            Method = method ?? throw new ArgumentNullException(nameof(method));
            Model = model ?? throw new ArgumentNullException(nameof(model));
            Settings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
            _epochs = epochs?.ToList() ?? new List<EpochRecord>();
            _trajectories = trajectories?.ToList() ?? new List<GroupTrajectory>();
            _final = final?.ToList() ?? new List<LayerValues>();
            _warnings = warnings?.ToList() ?? new List<TrainingWarning>();
            _checkpoints = checkpoints?.ToList() ?? new List<CheckpointRecord>();
            _results = new Dictionary<string, double>(results ?? new Dictionary<string, double>());
            Outcome = outcome;
            Failure = failure;
        }

        /// <summary>Always <see cref="FormatName"/>.</summary>
        public string Format => FormatName;

        /// <summary>Always <see cref="FormatVersion"/>.</summary>
        public int Version => FormatVersion;

        /// <summary>The trainer: <c>game</c> or <c>evolution</c>.</summary>
        public string Method { get; }

        /// <summary>The model class.</summary>
        public string Model { get; }

        /// <summary>The settings that describe the run (options, per-layer costs or dynamics), as text.</summary>
        public IReadOnlyDictionary<string, string> Settings { get; }

        /// <summary>One record per epoch (selection epochs, then fine-tune epochs).</summary>
        public IReadOnlyList<EpochRecord> Epochs => _epochs;

        /// <summary>Per gated layer, its groups' participations or masses, sampled during training.</summary>
        public IReadOnlyList<GroupTrajectory> Trajectories => _trajectories;

        /// <summary>Per gated layer, every group's participation or mass at the end of training, before hard pruning.</summary>
        public IReadOnlyList<LayerValues> Final => _final;

        /// <summary>What the run survived, in order.</summary>
        public IReadOnlyList<TrainingWarning> Warnings => _warnings;

        /// <summary>The checkpoints written, in order.</summary>
        public IReadOnlyList<CheckpointRecord> Checkpoints => _checkpoints;

        /// <summary>The run's final numbers by name (e.g. <c>accuracy_after_pruning</c>, <c>sparsity</c>).</summary>
        public IReadOnlyDictionary<string, double> Results => _results;

        /// <summary>How the run ended (or <see cref="RunOutcome.Running"/> while it runs).</summary>
        public RunOutcome Outcome { get; private set; }

        /// <summary>Why the run failed, or null.</summary>
        public string? Failure { get; private set; }

        /// <summary>The history as compact JSON (NaN and infinities written as strings; a 20-epoch MNIST game run is ~0.6 MB).</summary>
        public string ToJson() => JsonSerializer.Serialize(this, Json);

        /// <summary>Reads a history written by <see cref="ToJson"/>.</summary>
        /// <param name="json">The JSON text.</param>
        /// <exception cref="InvalidDataException">The text is not a run history of this version.</exception>
        public static RunHistory FromJson(string json)
        {
            if (json is null) throw new ArgumentNullException(nameof(json));
            try
            {
                return JsonSerializer.Deserialize<RunHistory>(json, Json)
                    ?? throw new InvalidDataException("The run history is empty (JSON null).");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"The run history is not valid JSON: {e.Message}", e);
            }
        }

        /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>, creating its folder.</summary>
        /// <param name="path">The file, e.g. <c>runs/mnist-game-default/run.json</c>.</param>
        public void Save(string path)
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, ToJson());
        }

        /// <summary>Reads a history saved by <see cref="Save"/>.</summary>
        /// <param name="path">The file.</param>
        public static RunHistory Load(string path)
        {
            try
            {
                return FromJson(File.ReadAllText(path));
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{path}': {e.Message}", e);
            }
        }

        internal void Add(EpochRecord epoch) => _epochs.Add(epoch);

        internal void Add(TrainingWarning warning) => _warnings.Add(warning);

        internal void Add(CheckpointRecord checkpoint) => _checkpoints.Add(checkpoint);

        internal void AddTrajectory(GroupTrajectory trajectory) => _trajectories.Add(trajectory);

        internal void SetFinal(IEnumerable<LayerValues> values)
        {
            _final.Clear();
            _final.AddRange(values);
        }

        internal void SetResult(string name, double value) => _results[name] = value;

        internal void Complete() => Outcome = RunOutcome.Completed;

        internal void Fail(string why)
        {
            Outcome = RunOutcome.Failed;
            Failure = why;
        }
    }

    /// <summary>How a run ended.</summary>
    public enum RunOutcome
    {
        /// <summary>Still running (or stopped without a word: a crash or a kill).</summary>
        Running,

        /// <summary>Every epoch ran and the result was measured.</summary>
        Completed,

        /// <summary>Stopped by a fault (see <see cref="RunHistory.Failure"/>).</summary>
        Failed,
    }

    /// <summary>What one epoch did.</summary>
    /// <param name="Epoch">1-based epoch over the whole run (fine-tune epochs continue the count).</param>
    /// <param name="Phase">Training (selection) or fine-tune.</param>
    /// <param name="TrainLoss">Mean training loss over its batches.</param>
    /// <param name="TestAccuracy">Held-out accuracy at its end.</param>
    /// <param name="ElapsedSeconds">Wall time of the run at its end (this session's, after a resume).</param>
    /// <param name="Step">Optimizer steps done at its end.</param>
    /// <param name="Layers">Per gated layer.</param>
    public sealed record EpochRecord(int Epoch, TrainingPhase Phase, double TrainLoss, double TestAccuracy, double ElapsedSeconds, long Step,
        IReadOnlyList<LayerRecord> Layers)
    {
        /// <summary>Pruned (or extinct) groups over all layers, as a fraction of all groups.</summary>
        public double Sparsity
        {
            get
            {
                var groups = Layers.Sum(l => l.Groups);
                return groups == 0 ? 0 : (double)Layers.Sum(l => l.Groups - l.Kept) / groups;
            }
        }
    }

    /// <summary>One gated layer at the end of an epoch.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Groups">Its groups.</param>
    /// <param name="Kept">Groups kept (participation at or above epsilon; populations not extinct).</param>
    /// <param name="Mean">The mean participation or mass.</param>
    /// <param name="ConditionNumber">The condition number of the kept effective weights (game, when probed), else null.</param>
    /// <param name="MinMass">The smallest mass (evolution), else null.</param>
    /// <param name="MaxMass">The largest mass (evolution), else null.</param>
    /// <param name="EffectivePopulations">(sum m)^2 / sum m^2 (evolution), else null.</param>
    public sealed record LayerRecord(string Layer, int Groups, int Kept, double Mean, double? ConditionNumber = null,
        double? MinMass = null, double? MaxMass = null, double? EffectivePopulations = null);

    /// <summary>One layer's groups over training: which groups were sampled and their values at each sample.</summary>
    public sealed class GroupTrajectory
    {
        private readonly List<TrajectorySample> _samples;

        /// <summary>Creates a trajectory.</summary>
        /// <param name="layer">The layer's field name.</param>
        /// <param name="quantity"><c>participation</c> or <c>mass</c>.</param>
        /// <param name="threshold">The pruning threshold on the values (the game's epsilon), or null.</param>
        /// <param name="groupCount">The layer's number of groups.</param>
        /// <param name="groups">The indices of the groups sampled (all of them up to the limit), ascending.</param>
        /// <param name="samples">The samples so far.</param>
        [JsonConstructor]
        public GroupTrajectory(string layer, string quantity, double? threshold, int groupCount, IReadOnlyList<int> groups, IReadOnlyList<TrajectorySample>? samples = null)
        {
            Layer = layer ?? throw new ArgumentNullException(nameof(layer));
            Quantity = quantity ?? throw new ArgumentNullException(nameof(quantity));
            Threshold = threshold;
            GroupCount = groupCount;
            Groups = groups ?? throw new ArgumentNullException(nameof(groups));
            _samples = samples?.ToList() ?? new List<TrajectorySample>();
        }

        /// <summary>The layer's field name.</summary>
        public string Layer { get; }

        /// <summary><c>participation</c> or <c>mass</c>.</summary>
        public string Quantity { get; }

        /// <summary>The pruning threshold on the values (the game's epsilon), or null.</summary>
        public double? Threshold { get; }

        /// <summary>The layer's number of groups.</summary>
        public int GroupCount { get; }

        /// <summary>The indices of the groups sampled, ascending; <see cref="TrajectorySample.Values"/> follow this order.</summary>
        public IReadOnlyList<int> Groups { get; }

        /// <summary>The samples, in training order.</summary>
        public IReadOnlyList<TrajectorySample> Samples => _samples;

        /// <summary>
        /// For each sampled group (in <see cref="Groups"/> order), the fractional epoch of the first sample at which its value
        /// was below <see cref="Threshold"/> and stayed there to the end, or null when it never collapsed (or there is no threshold).
        /// </summary>
        public IReadOnlyList<double?> CollapseEpochs()
        {
            var result = new double?[Groups.Count];
            if (Threshold is not double eps || _samples.Count == 0) return result;
            for (var g = 0; g < Groups.Count; g++)
            {
                double? at = null;
                for (var k = _samples.Count - 1; k >= 0; k--)
                {
                    if (_samples[k].Values[g] >= eps) break;
                    at = _samples[k].Epoch;
                }
                result[g] = at;
            }
            return result;
        }

        internal void Add(TrajectorySample sample) => _samples.Add(sample);
    }

    /// <summary>The sampled groups' values at one point of training.</summary>
    /// <param name="Step">Optimizer steps done.</param>
    /// <param name="Epoch">Fractional epoch: 0 before the first step, e after the last step of epoch e.</param>
    /// <param name="Values">One value per sampled group (see <see cref="GroupTrajectory.Groups"/>).</param>
    public sealed record TrajectorySample(long Step, double Epoch, IReadOnlyList<float> Values);

    /// <summary>Every group's participation or mass of one layer at one point.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Quantity"><c>participation</c> or <c>mass</c>.</param>
    /// <param name="Values">One value per group.</param>
    public sealed record LayerValues(string Layer, string Quantity, IReadOnlyList<float> Values);

    /// <summary>A checkpoint a run wrote.</summary>
    /// <param name="Path">The file.</param>
    /// <param name="Epoch">The epoch it was written in (or at the end of).</param>
    /// <param name="Step">Optimizer steps done.</param>
    /// <param name="ElapsedSeconds">This session's wall time when it was written.</param>
    public sealed record CheckpointRecord(string Path, int Epoch, long Step, double ElapsedSeconds);
}
