using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>How a consumer reads its spaces.</summary>
    public enum ConsumerKind
    {
        /// <summary>
        /// Input channels (a Conv2d's weight dim 1) or input columns (a Linear's weight dim 1): the parts in order, each
        /// at the offset of the parts before it (one part: the whole input).
        /// </summary>
        Channels,

        /// <summary>
        /// A Linear reading the flattened [N, C, H, W] tensor of the parts concatenated along dim 1: channel k owns the
        /// columns <c>k*HW .. (k+1)*HW - 1</c>, with <c>HW = in_features / C</c> (checked to divide exactly).
        /// </summary>
        Flatten,
    }

    /// <summary>
    /// A module whose input is made of one or more spaces (several: a channel concatenation, in order): compaction
    /// removes the input channels or columns of the pruned channels of every part.
    /// </summary>
    public sealed class ChannelConsumer
    {
        private readonly ChannelSpace[] _parts;

        internal ChannelConsumer(string name, nn.Module module, ConsumerKind kind, ChannelSpace[] parts, int keepWholeGroupsOf)
        {
            Name = name;
            Module = module;
            Kind = kind;
            _parts = parts;
            KeepWholeGroupsOf = keepWholeGroupsOf;
        }

        /// <summary>The consumer's qualified field name.</summary>
        public string Name { get; }

        /// <summary>The module (Conv2d or Linear).</summary>
        public nn.Module Module { get; }

        /// <summary>Channels or flatten.</summary>
        public ConsumerKind Kind { get; }

        /// <summary>The spaces its input is made of, in channel order.</summary>
        public IReadOnlyList<ChannelSpace> Parts => _parts.Select(p => p.Root).ToList();

        /// <summary>
        /// When the consumer is N:M sparse, its M: the space's channels are kept or dropped in whole aligned groups of M so
        /// the consumer keeps exactly its N:M groups and mask (1 otherwise).
        /// </summary>
        public int KeepWholeGroupsOf { get; }

        /// <inheritdoc />
        public override string ToString() => $"{Kind} consumer '{Name}' of {string.Join(" + ", Parts.Select(p => p.Name))}";
    }
}
