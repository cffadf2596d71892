using System;
using System.Collections.Generic;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// A deterministic choice of items from a labelled dataset, for fast tests and quick runs: the first k items, or a
    /// seeded sample of k items stratified by label (each label keeps its share of the whole, rounded by largest
    /// remainder). The same subset and the same labels always give the same indices, on every platform.
    /// </summary>
    public sealed class DataSubset
    {
        private DataSubset(int count, int? seed)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A subset needs a count >= 0.");
            Count = count;
            Seed = seed;
        }

        /// <summary>The number of items taken.</summary>
        public int Count { get; }

        /// <summary>The seed of a stratified sample; null for <see cref="First"/>.</summary>
        public int? Seed { get; }

        /// <summary>Whether this is a stratified sample (rather than the first items).</summary>
        public bool IsStratified => Seed.HasValue;

        /// <summary>The first <paramref name="count"/> items, in file order.</summary>
        /// <param name="count">How many; at most the dataset's size.</param>
        public static DataSubset First(int count) => new(count, null);

        /// <summary>
        /// <paramref name="count"/> items sampled without replacement with <paramref name="seed"/>, each label getting
        /// its proportional share (largest-remainder rounding, ties to the smaller label). Returned in file order.
        /// </summary>
        /// <param name="count">How many; at most the dataset's size.</param>
        /// <param name="seed">The seed; the same seed gives the same items.</param>
        public static DataSubset Stratified(int count, int seed) => new(count, seed);

        /// <summary>The chosen indices into <paramref name="labels"/>, ascending.</summary>
        /// <param name="labels">One label per item.</param>
        /// <exception cref="ArgumentOutOfRangeException"><see cref="Count"/> exceeds the number of labels.</exception>
        public int[] SelectIndices(ReadOnlySpan<byte> labels)
        {
            if (Count > labels.Length)
                throw new ArgumentOutOfRangeException(nameof(labels), labels.Length, $"The subset asks for {Count} items but the dataset holds only {labels.Length}.");
            if (!IsStratified)
            {
                var first = new int[Count];
                for (int i = 0; i < Count; i++) first[i] = i;
                return first;
            }

            var byLabel = new List<int>[256];
            for (int i = 0; i < labels.Length; i++) (byLabel[labels[i]] ??= new List<int>()).Add(i);

            // Largest-remainder quotas: floor(Count * n_c / N), then one more for the largest remainders.
            var quota = new int[256];
            var remainder = new long[256];
            int assigned = 0;
            for (int c = 0; c < 256; c++)
            {
                if (byLabel[c] is null) continue;
                long share = (long)Count * byLabel[c].Count;
                quota[c] = (int)(share / labels.Length);
                remainder[c] = share % labels.Length;
                assigned += quota[c];
            }
            while (assigned < Count)
            {
                int best = -1;
                for (int c = 0; c < 256; c++)
                    if (byLabel[c] is not null && quota[c] < byLabel[c].Count && (best < 0 || remainder[c] > remainder[best])) best = c;
                quota[best]++;
                remainder[best] = -1;
                assigned++;
            }

            var result = new int[Count];
            int k = 0;
            var rng = new SplitMix64((ulong)(uint)Seed!.Value);
            for (int c = 0; c < 256; c++)
            {
                var members = byLabel[c];
                if (members is null || quota[c] == 0) continue;
                // Partial Fisher-Yates: the first quota[c] slots become a uniform sample of the class.
                for (int i = 0; i < quota[c]; i++)
                {
                    int j = i + (int)rng.NextBelow((ulong)(members.Count - i));
                    (members[i], members[j]) = (members[j], members[i]);
                    result[k++] = members[i];
                }
            }
            Array.Sort(result);
            return result;
        }

        /// <summary>Describes the subset, e.g. <c>first 1000</c> or <c>stratified 1000 (seed 7)</c>.</summary>
        public override string ToString() => IsStratified ? $"stratified {Count} (seed {Seed})" : $"first {Count}";

        /// <summary>SplitMix64: a tiny generator whose sequence is fixed by its definition, unlike System.Random's.</summary>
        private struct SplitMix64
        {
            private ulong _state;

            public SplitMix64(ulong seed) => _state = seed;

            public ulong Next()
            {
                ulong z = _state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }

            public ulong NextBelow(ulong bound)
            {
                // Rejection sampling removes modulo bias.
                ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
                ulong x;
                do x = Next(); while (x >= limit);
                return x % bound;
            }
        }
    }
}
