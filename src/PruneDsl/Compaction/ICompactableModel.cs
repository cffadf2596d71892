using System.Collections.Generic;

namespace PruneDsl.Compaction
{
    /// <summary>
    /// Implemented by the source generator for every model with <c>[ParticipationGroup]</c> fields: turning the pruned
    /// model into a physically smaller dense one, and rebuilding that shape before loading saved weights.
    /// </summary>
    /// <remarks>
    /// Compaction assumes the outputs of each gated layer feed the next Linear field declared after it (an MLP chain);
    /// <see cref="Compactor.Compact"/> checks the widths and says so when they do not match.
    /// </remarks>
    public interface ICompactableModel
    {
        /// <summary>Hard-prunes, then removes pruned neurons' rows, biases and the matching input columns of the next layer.</summary>
        CompactionReport Compact();

        /// <summary>Shrinks a freshly constructed model to recorded widths (see <see cref="CompactionReport.Widths"/>).</summary>
        /// <param name="widths">Kept output neurons per gated layer, by field name.</param>
        void ReshapeToCompacted(IReadOnlyDictionary<string, int> widths);
    }
}
