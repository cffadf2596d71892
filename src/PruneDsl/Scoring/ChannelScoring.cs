using System;
using PruneDsl.Graph;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>Shared pieces of the criteria over channel groups: row sums of per-entry scores and the refusal message.</summary>
    internal static class ChannelScoring
    {
        /// <summary>Per-entry values of one member tensor summed per channel (dim 0): a 1-D tensor is returned as it is.</summary>
        public static Tensor RowSums(Tensor perEntry) => perEntry.dim() == 1 ? perEntry.alias() : perEntry.reshape(perEntry.shape[0], -1).sum(1);

        public static NotSupportedException NotSupported(string criterion, ChannelGroups? groups) => new(
            $"The criterion '{criterion}' scores the rows of one Linear layer; the channel space '{groups?.Name}' has the members " +
            $"{(groups is null ? "(none)" : string.Join(", ", groups.Members))}. Implement IImportanceCriterion.Score(ChannelGroups) " +
            "(and, for an accumulating criterion, Attach/Observe/ObservedBatches(ChannelGroups)), or use a built-in criterion.");
    }
}
