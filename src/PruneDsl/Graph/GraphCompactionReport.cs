using System.Collections.Generic;
using System.Linq;
using PruneDsl.Compaction;

namespace PruneDsl.Graph
{
    /// <summary>What compaction did with one gated space.</summary>
    public enum SpaceOutcome
    {
        /// <summary>The pruned channels were removed from every member and consumer; the kept gates were folded in.</summary>
        Compacted,

        /// <summary>
        /// The space is gated but cannot lose channels (opaque, ungated path, model output): it was hard-pruned and left
        /// as it is, its gate still applied (see <see cref="CompactedSpace.Reason"/>).
        /// </summary>
        LeftAlone,
    }

    /// <summary>What compaction did to one gated space.</summary>
    /// <param name="Space">The space's name.</param>
    /// <param name="Before">Channels before.</param>
    /// <param name="After">Channels after (equal to <paramref name="Before"/> when left alone).</param>
    /// <param name="Members">The members whose filters, rows or affine entries were removed.</param>
    /// <param name="Consumers">The consumers whose input channels or columns were removed.</param>
    /// <param name="Outcome">Compacted or left alone.</param>
    /// <param name="Reason">Why it was left alone (the plan's text), or null.</param>
    public sealed record CompactedSpace(string Space, int Before, int After, IReadOnlyList<string> Members, IReadOnlyList<string> Consumers,
        SpaceOutcome Outcome, string? Reason);

    /// <summary>What <see cref="GraphCompactor.Compact"/> did to a model.</summary>
    /// <param name="Spaces">One line per gated space, in declaration order.</param>
    /// <param name="ParametersBefore">Parameter count before.</param>
    /// <param name="ParametersAfter">Parameter count after.</param>
    /// <param name="MacsBefore">Multiply-accumulates per example before (Conv2d and Linear), when the plan declares an input shape.</param>
    /// <param name="MacsAfter">The same after.</param>
    public sealed record GraphCompactionReport(IReadOnlyList<CompactedSpace> Spaces, long ParametersBefore, long ParametersAfter,
        long? MacsBefore, long? MacsAfter)
    {
        /// <summary>The kept channels by space name: what <see cref="ChannelPlan.Reshape"/> needs to rebuild the shapes.</summary>
        public IReadOnlyDictionary<string, int> Widths => Spaces.ToDictionary(s => s.Space, s => s.After);

        /// <summary>
        /// The same report in the MLP form (<see cref="CompactionReport"/>: one line per gated space, its consumers as
        /// "next"), which <c>ICompactableModel.Compact()</c> returns and <c>CompactedModelFile</c> stores.
        /// </summary>
        public CompactionReport Compaction => new(
            Spaces.Select(s => new CompactedLayer(s.Space, s.Before, s.After, s.Consumers.Count == 0 ? null : string.Join(", ", s.Consumers))).ToList(),
            ParametersBefore, ParametersAfter);
    }
}
