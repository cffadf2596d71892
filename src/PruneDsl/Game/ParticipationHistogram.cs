using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// The distribution of all participations of a model: counts in <see cref="BinCount"/> equal bins over [0, 1] and the
    /// share within <see cref="Margin"/> of 0 or of 1 (a bimodal end state has that share near 1).
    /// </summary>
    /// <param name="Counts">Counts per bin, bin k covering [k/B, (k+1)/B) (the last bin includes 1).</param>
    /// <param name="NearZero">Share of participations at most <see cref="Margin"/>.</param>
    /// <param name="NearOne">Share of participations at least 1 - <see cref="Margin"/>.</param>
    public sealed record ParticipationHistogram(IReadOnlyList<long> Counts, double NearZero, double NearOne)
    {
        /// <summary>Number of bins.</summary>
        public const int BinCount = 20;

        /// <summary>The distance from 0 or 1 that counts as "at an end".</summary>
        public const double Margin = 0.05;

        /// <summary>The share of participations within <see cref="Margin"/> of 0 or 1.</summary>
        public double Bimodality => NearZero + NearOne;

        /// <summary>The histogram of every participation of the model.</summary>
        /// <param name="model">The gated model.</param>
        public static ParticipationHistogram From(IParticipationModel model)
        {
            using var _ = no_grad();
            using var all = cat(model.ParticipationLayers.Select(l => l.Participation.detach().to(float32)).ToArray());
            var values = all.data<float>().ToArray();
            var counts = new long[BinCount];
            foreach (var v in values) counts[System.Math.Min(BinCount - 1, (int)(v * BinCount))]++;
            var n = (double)values.Length;
            return new ParticipationHistogram(counts,
                values.Count(v => v <= Margin) / n,
                values.Count(v => v >= 1 - Margin) / n);
        }
    }
}
