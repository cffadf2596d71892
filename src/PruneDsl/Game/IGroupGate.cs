using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// A gate over the output neurons (groups) of one Linear layer, or over the channels of a channel space, whatever
    /// decides its values: the game's participations (<see cref="ParticipationLayer"/>) or selection dynamics' masses.
    /// Hard pruning and compaction work through this interface.
    /// </summary>
    public interface IGroupGate
    {
        /// <summary>The layer's field name, or the channel space's name.</summary>
        string Name { get; }

        /// <summary>The gated layer; throws for a channel space that is not exactly one Linear's rows.</summary>
        Linear Layer { get; }

        /// <summary>The groups: the members' tensors (slice c of each is group c) and the gate sites.</summary>
        ChannelGroups Groups { get; }

        /// <summary>The gate values, one per group; the outputs of the gate sites are multiplied by them.</summary>
        Tensor Gate { get; }

        /// <summary>Number of groups.</summary>
        int Count { get; }

        /// <summary>True for the groups that are kept (not pruned), one per group.</summary>
        Tensor KeepMask();

        /// <summary>Sets the gates of pruned groups to 0 and zeroes their slices of every member tensor (rows, filters, biases, affine entries).</summary>
        void HardPrune();
    }
}
