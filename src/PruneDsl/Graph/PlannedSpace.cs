using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Spec;

namespace PruneDsl.Graph
{
    /// <summary>Why a space's channels cannot be removed.</summary>
    public enum SpaceRefusalKind
    {
        /// <summary>Something the plan does not understand touches the space (<see cref="ChannelPlanBuilder.Opaque"/>).</summary>
        Opaque,

        /// <summary>An ungated path feeds the space (<see cref="ChannelPlanBuilder.Ungated"/>).</summary>
        Ungated,

        /// <summary>The space is the model's output (<see cref="ChannelPlanBuilder.Output"/>).</summary>
        Output,
    }

    /// <summary>One reason a space's channels stay, with the text the plan was given.</summary>
    /// <param name="Kind">Opaque, ungated or output.</param>
    /// <param name="Reason">The text, shown as given.</param>
    public sealed record SpaceRefusal(SpaceRefusalKind Kind, string Reason)
    {
        /// <inheritdoc />
        public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}: {Reason}";
    }

    /// <summary>One space of a built <see cref="ChannelPlan"/>: its members, consumers, settings, gate and refusals.</summary>
    public sealed class PlannedSpace
    {
        private readonly List<ChannelConsumer> _consumers = new();

        internal PlannedSpace(ChannelSpace root, IReadOnlyList<ChannelMember> members, IReadOnlyList<SpaceRefusal> refusals,
            CostSpec? cost, DynamicsSpec? dynamics, PruneSpec? prune)
        {
            Root = root;
            Members = members;
            Refusals = refusals;
            Cost = cost;
            Dynamics = dynamics;
            Prune = prune;
            Groups = members.Any(m => m.Role != ChannelRole.Normalizer) ? new ChannelGroups(root.Name, members) : null;
        }

        internal ChannelSpace Root { get; }

        /// <summary>The space's name.</summary>
        public string Name => Root.Name;

        /// <summary>Producers, normalizers and per-channel convs, in declaration order.</summary>
        public IReadOnlyList<ChannelMember> Members { get; }

        /// <summary>The modules that read the space (alone, or as a part of a concatenation or flatten).</summary>
        public IReadOnlyList<ChannelConsumer> Consumers => _consumers;

        /// <summary>Why the space's channels cannot be removed (empty when they can).</summary>
        public IReadOnlyList<SpaceRefusal> Refusals { get; }

        /// <summary>The game's settings when the space is gated by the game.</summary>
        public CostSpec? Cost { get; }

        /// <summary>The selection-dynamics settings when the space evolves.</summary>
        public DynamicsSpec? Dynamics { get; }

        /// <summary>The <c>[Prune]</c> settings, if any.</summary>
        public PruneSpec? Prune { get; }

        /// <summary>The groups (null when the space has no producer, e.g. the model's input).</summary>
        public ChannelGroups? Groups { get; }

        /// <summary>The gate (participations or masses), or null for an ungated space.</summary>
        public IGroupGate? Gate { get; internal set; }

        /// <summary>The number of channels (null when the space has no producer).</summary>
        public int? Width => Groups?.Count;

        /// <summary>Whether compaction may remove channels of this space: it has producers and no refusal.</summary>
        public bool CanRemoveChannels => Groups is not null && Refusals.Count == 0;

        internal void AddConsumer(ChannelConsumer consumer)
        {
            if (!_consumers.Contains(consumer)) _consumers.Add(consumer);
        }

        /// <inheritdoc />
        public override string ToString() => $"space '{Name}' ({Width?.ToString() ?? "?"} channels)";
    }
}
