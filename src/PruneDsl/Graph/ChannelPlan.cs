using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using PruneDsl.Compaction;
using PruneDsl.Evolution;
using PruneDsl.Game;
using PruneDsl.Pruning;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// A model's built channel plan (<see cref="ChannelPlanBuilder.Build"/>): its spaces, their gates and consumers. It is
    /// what generated code delegates to: the game's and selection's steps, hard pruning, criteria, compaction
    /// (<see cref="GraphCompactor"/>) and reshaping to saved widths.
    /// </summary>
    public sealed class ChannelPlan
    {
        // Which live plan covers each module: an outer model's plan takes the modules of an annotated block's standalone
        // plan over (the block is a field of the outer model, constructed before it).
        private static readonly ConditionalWeakTable<nn.Module, ChannelPlan> Covering = new();
        private static readonly object CoveringLock = new();

        private readonly List<PlannedSpace> _spaces;
        private readonly List<ChannelConsumer> _consumers;
        private readonly long[]? _inputShape;
        private ParticipationLayer[] _participations = Array.Empty<ParticipationLayer>();
        private PopulationLayer[] _populations = Array.Empty<PopulationLayer>();
        private readonly List<string> _buffers = new();

        internal ChannelPlan(nn.Module owner, string modelName, List<PlannedSpace> spaces, List<ChannelConsumer> consumers, long[]? inputShape)
        {
            Owner = owner;
            ModelName = modelName;
            _spaces = spaces;
            _consumers = consumers;
            _inputShape = inputShape;
        }

        /// <summary>The model.</summary>
        public nn.Module Owner { get; }

        /// <summary>The model class, for messages.</summary>
        public string ModelName { get; }

        /// <summary>The spaces, in declaration order.</summary>
        public IReadOnlyList<PlannedSpace> Spaces => _spaces;

        /// <summary>Every consumer declared.</summary>
        public IReadOnlyList<ChannelConsumer> Consumers => _consumers;

        /// <summary>The declared per-example input shape (<see cref="ChannelPlanBuilder.InputShape"/>), or null.</summary>
        public IReadOnlyList<long>? InputShape => _inputShape;

        /// <summary>One participation layer per space gated by the game, in declaration order (Name = the space, Count = its channels).</summary>
        public IReadOnlyList<ParticipationLayer> ParticipationLayers => _participations;

        /// <summary>One population layer per evolving space, in declaration order.</summary>
        public IReadOnlyList<PopulationLayer> PopulationLayers => _populations;

        /// <summary>
        /// Set when an outer model's plan took this plan's modules over: this plan's gates are removed and its steps and
        /// compaction throw with this text.
        /// </summary>
        public string? SupersededBy { get; private set; }

        /// <summary>The space named <paramref name="name"/>.</summary>
        /// <param name="name">A space's name (the first-declared name of joined spaces).</param>
        public PlannedSpace Space(string name) =>
            _spaces.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException(
                $"'{ModelName}' has no channel space '{name}'; its spaces are {string.Join(", ", _spaces.Select(s => $"'{s.Name}'"))}.", nameof(name));

        /// <summary>One projected ascent step (Eq. 17) on every participation; see <see cref="IParticipationModel.StepParticipations"/>.</summary>
        public void StepParticipations()
        {
            EnsureLive();
            foreach (var p in _participations) p.Step();
        }

        /// <summary>One selection step on every evolving space; see <see cref="IPopulationModel.StepPopulations"/>.</summary>
        public void StepPopulations()
        {
            EnsureLive();
            foreach (var p in _populations) p.Step();
        }

        /// <summary>Hard-prunes every gated space: pruned channels get gate 0 and zero slices in every member.</summary>
        public void HardPrune()
        {
            EnsureLive();
            foreach (var s in _spaces) s.Gate?.HardPrune();
        }

        /// <summary>The gated spaces with <c>[Prune]</c> settings, for <see cref="CriterionPruner"/>.</summary>
        public PruneTarget[] PruneTargets() => _spaces.Where(s => s.Prune is not null).Select(s => new PruneTarget(s.Gate!, s.Prune!)).ToArray();

        /// <summary>What the generated <c>PruneByCriteria</c> calls (see <see cref="CriterionPruner.Prune"/>).</summary>
        /// <param name="calibration">Calibration data, or null.</param>
        /// <param name="loss">Loss of (outputs, labels).</param>
        /// <param name="batchSize">Rows per batch.</param>
        /// <param name="batches">How many batches to observe.</param>
        public PruneReport PruneByCriteria(LabeledData? calibration = null, Func<Tensor, Tensor, Tensor>? loss = null, int batchSize = 64, int batches = 4)
        {
            EnsureLive();
            return CriterionPruner.Prune(Owner, ModelName, PruneTargets(), calibration, loss, batchSize, batches);
        }

        /// <summary>Hard-prunes, then compacts (see <see cref="GraphCompactor.Compact"/>).</summary>
        public GraphCompactionReport Compact() => GraphCompactor.Compact(this);

        /// <summary>Shrinks freshly constructed modules to recorded widths (see <see cref="GraphCompactor.Reshape"/>).</summary>
        /// <param name="widths">Kept channels per space, by name.</param>
        public void Reshape(IReadOnlyDictionary<string, int> widths) => GraphCompactor.Reshape(this, widths);

        /// <summary>
        /// Detached copies of the plan's modules for an inference module: gates folded, BatchNorms folded into the
        /// convolutions they normalize (see <see cref="InferenceModules"/>). Call it after <see cref="Compact"/> (generated
        /// <c>ToInference()</c> compacts first); the model itself is not changed.
        /// </summary>
        public InferenceModules InferenceCopies()
        {
            EnsureLive();
            return InferenceModules.From(this);
        }

        /// <summary>Every module the plan names (members and consumers).</summary>
        internal IEnumerable<nn.Module> Modules() =>
            _spaces.SelectMany(s => s.Members.Select(m => m.Module)).Concat(_consumers.Select(c => c.Module)).Distinct(ReferenceEqualityComparer.Instance).Cast<nn.Module>();

        internal void EnsureLive()
        {
            if (SupersededBy is not null) throw new InvalidOperationException(SupersededBy);
        }

        /// <summary>Takes the modules over from the plans of annotated blocks inside the model, then attaches one gate per gated space.</summary>
        internal void Attach()
        {
            lock (CoveringLock)
            {
                var descendants = new HashSet<nn.Module>(Owner.modules(), ReferenceEqualityComparer.Instance);
                var toSupersede = new List<ChannelPlan>();
                foreach (var module in Modules())
                {
                    if (!Covering.TryGetValue(module, out var other) || ReferenceEquals(other, this) || other.SupersededBy is not null) continue;
                    if (!descendants.Contains(other.Owner))
                        throw new InvalidOperationException(
                            $"'{ModelName}': a module of its channel plan already belongs to the channel plan of '{other.ModelName}', which is not part of '{ModelName}'; a module can be pruned by one model only.");
                    if (!toSupersede.Contains(other)) toSupersede.Add(other);
                }
                foreach (var other in toSupersede)
                    other.Supersede($"The channel plan of '{other.ModelName}' was taken over by the plan of the model '{ModelName}' it is part of: its gates are removed (the outer model gates these modules once); step, prune and compact '{ModelName}' instead.");

                var participations = new List<ParticipationLayer>();
                var populations = new List<PopulationLayer>();
                foreach (var space in _spaces)
                {
                    if (space.Cost is { } cost)
                    {
                        var gate = ParticipationLayer.Attach(Owner, space.Groups!, cost);
                        space.Gate = gate;
                        participations.Add(gate);
                        _buffers.Add(ParticipationLayer.BufferName(space.Name, "participation"));
                    }
                    else if (space.Dynamics is { } dynamics)
                    {
                        var gate = PopulationLayer.Attach(Owner, space.Groups!, dynamics);
                        space.Gate = gate;
                        populations.Add(gate);
                        _buffers.Add(ParticipationLayer.BufferName(space.Name, "mass"));
                    }
                }
                _participations = participations.ToArray();
                _populations = populations.ToArray();
                foreach (var module in Modules()) Covering.AddOrUpdate(module, this);
            }
        }

        private void Supersede(string because)
        {
            SupersededBy = because;
            foreach (var p in _participations) p.Supersede(because);
            foreach (var p in _populations) p.Supersede(because);
            foreach (var name in _buffers) RemoveBuffer(Owner, name);
        }

        // TorchSharp 0.107 has no public way to unregister a buffer; the superseded gate's buffer is removed from the
        // module's buffer table so that the outer model's state dict holds each gate once.
        private static readonly FieldInfo? BufferTable = typeof(nn.Module).GetField("_internal_buffers", BindingFlags.Instance | BindingFlags.NonPublic);

        private static void RemoveBuffer(nn.Module module, string name)
        {
            var table = BufferTable?.GetValue(module);
            var remove = table?.GetType().GetMethod("Remove", new[] { typeof(string) });
            remove?.Invoke(table, new object[] { name });
        }
    }
}
