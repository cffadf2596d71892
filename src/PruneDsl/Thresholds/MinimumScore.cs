using System;

namespace PruneDsl.Thresholds
{
    /// <summary>
    /// Keeps every component whose score is at least a fixed minimum, and none when all are below: the game's own rule
    /// <c>s_i &gt;= Epsilon</c> (<c>[Prune]</c>'s <c>PruneThreshold.Default</c> with <c>Criterion.Gate</c>).
    /// </summary>
    internal sealed class MinimumScore : IPruningThreshold
    {
        /// <summary>Creates the threshold.</summary>
        /// <param name="minimum">The smallest kept score (compared as given; round it to the scores' precision first).</param>
        /// <param name="name">The name reported for it.</param>
        public MinimumScore(double minimum, string name)
        {
            if (double.IsNaN(minimum)) throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum score must be a number.");
            Minimum = minimum;
            Name = name ?? throw new ArgumentNullException(nameof(name));
        }

        /// <summary>The smallest kept score.</summary>
        public double Minimum { get; }

        /// <inheritdoc />
        public string Name { get; }

        /// <inheritdoc />
        public KeepDecision Select(ReadOnlySpan<double> scores)
        {
            ScoreRanking.EnsureValid(scores, Name);
            var mask = new bool[scores.Length];
            for (var i = 0; i < mask.Length; i++) mask[i] = scores[i] >= Minimum;
            return new KeepDecision(mask);
        }
    }
}
