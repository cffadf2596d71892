using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// A gate over the output neurons (groups) of one Linear layer, whatever decides its values: the game's
    /// participations (<see cref="ParticipationLayer"/>) or selection dynamics' masses. Hard pruning and compaction work
    /// through this interface.
    /// </summary>
    public interface IGroupGate
    {
        /// <summary>The layer's field name.</summary>
        string Name { get; }

        /// <summary>The gated layer.</summary>
        Linear Layer { get; }

        /// <summary>The gate values, shape [out_features]; the layer's outputs are multiplied by them.</summary>
        Tensor Gate { get; }

        /// <summary>Number of groups.</summary>
        int Count { get; }

        /// <summary>True for the groups that are kept (not pruned), shape [out_features].</summary>
        Tensor KeepMask();

        /// <summary>Sets the gates of pruned groups to 0 and zeroes their rows and biases.</summary>
        void HardPrune();
    }
}
