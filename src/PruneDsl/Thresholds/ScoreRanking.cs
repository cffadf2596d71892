using System;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Thresholds
{
    /// <summary>Shared helpers of the thresholds: validation, top-k with deterministic ties, tensor conversion.</summary>
    internal static class ScoreRanking
    {
        /// <summary>Throws unless there is at least one score and every score is finite.</summary>
        public static void EnsureValid(ReadOnlySpan<double> scores, string who)
        {
            if (scores.Length == 0)
                throw new ArgumentException($"{who}: the score vector is empty; pass one score per component (at least one).", nameof(scores));
            for (var i = 0; i < scores.Length; i++)
            {
                if (double.IsNaN(scores[i]) || double.IsInfinity(scores[i]))
                    throw new ArgumentException(
                        $"{who}: score[{i}] is {scores[i]}; every score must be finite. Check the criterion that produced the scores (e.g. a diverged gradient).",
                        nameof(scores));
            }
        }

        /// <summary>
        /// The keep mask of the <paramref name="keep"/> highest scores; among equal scores the lower index wins, so the
        /// result is exactly <paramref name="keep"/> entries and does not depend on the sort algorithm.
        /// </summary>
        public static bool[] TopMask(ReadOnlySpan<double> scores, int keep)
        {
            // The keep-th largest score t (in double.CompareTo's order, NaN lowest), then every score above t and the
            // lowest-index scores equal to t: the same set as a stable descending sort, in O(n log n) on primitives.
            var mask = new bool[scores.Length];
            if (keep <= 0) return mask;
            if (keep >= scores.Length)
            {
                Array.Fill(mask, true);
                return mask;
            }
            var sorted = scores.ToArray();
            Array.Sort(sorted);
            var threshold = sorted[sorted.Length - keep];
            var equal = keep;
            for (var i = 0; i < scores.Length; i++)
                if (scores[i].CompareTo(threshold) > 0)
                {
                    mask[i] = true;
                    equal--;
                }
            for (var i = 0; i < scores.Length && equal > 0; i++)
                if (scores[i].CompareTo(threshold) == 0)
                {
                    mask[i] = true;
                    equal--;
                }
            return mask;
        }

        /// <summary>A tensor of any shape, dtype and device as a flat double array (one score per element).</summary>
        public static double[] ToArray(Tensor scores)
        {
            if (scores is null) throw new ArgumentNullException(nameof(scores));
            if (scores.numel() == 0)
                throw new ArgumentException("The score tensor is empty; pass one score per component (at least one).", nameof(scores));
            using var scope = NewDisposeScope();
            var flat = scores.detach().reshape(-1).to(ScalarType.Float64).cpu();
            return flat.data<double>().ToArray();
        }
    }
}
