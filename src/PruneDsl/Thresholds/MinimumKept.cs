using System;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// The one rule that keeps a layer from being emptied: a layer whose decision keeps fewer than a floor of its groups
    /// additionally keeps its highest-scoring ones up to that floor (ties to the lower index, as
    /// <see cref="ScoreRanking.TopMask"/>). Used by <see cref="LayerwiseThreshold.Apply"/> (so by
    /// <c>Pruning.CriterionPruner</c>, per layer and global) and by the game's own <c>s_i &gt;= Epsilon</c> rule
    /// (<see cref="Game.ParticipationLayer.KeepMask"/>), which keeps its highest participation when every one is below
    /// Epsilon.
    /// </summary>
    public static class MinimumKept
    {
        /// <summary>
        /// When <paramref name="mask"/> keeps fewer than <c>min(floor, N)</c> groups, adds (in place) the
        /// <c>min(floor, N)</c> highest-scoring groups to it, so it keeps at least that many; returns how many groups were
        /// added (0 when the mask already kept enough).
        /// </summary>
        /// <param name="mask">The keep mask, one entry per group; changed in place.</param>
        /// <param name="scores">The scores the decision was made on, one per group.</param>
        /// <param name="floor">The fewest groups to keep; 0 leaves the mask as it is.</param>
        public static int Apply(bool[] mask, ReadOnlySpan<double> scores, int floor)
        {
            if (mask is null) throw new ArgumentNullException(nameof(mask));
            if (mask.Length != scores.Length)
                throw new ArgumentException($"The keep mask has {mask.Length} entries but there are {scores.Length} scores; pass one score per group.", nameof(mask));
            if (floor < 0) throw new ArgumentOutOfRangeException(nameof(floor), floor, "The fewest kept per layer cannot be negative.");
            var kept = 0;
            foreach (var k in mask) if (k) kept++;
            var target = Math.Min(floor, mask.Length);
            if (kept >= target) return 0;
            var top = ScoreRanking.TopMask(scores, target);
            var added = 0;
            for (var i = 0; i < mask.Length; i++)
            {
                if (!top[i] || mask[i]) continue;
                mask[i] = true;
                added++;
            }
            return added;
        }
    }
}
