using System;
using System.Linq;
using PruneDsl.Datasets;

namespace PruneDsl.Datasets.Tests
{
    public sealed class DataSubsetTests
    {
        private static byte[] Labels(params (byte Label, int Count)[] groups)
        {
            // Interleave the classes so that file order does not group them.
            var result = new byte[groups.Sum(g => g.Count)];
            var left = groups.Select(g => g.Count).ToArray();
            int k = 0;
            while (k < result.Length)
                for (int c = 0; c < groups.Length; c++)
                    if (left[c] > 0) { result[k++] = groups[c].Label; left[c]--; }
            return result;
        }

        [Fact]
        public void First_TakesLeadingIndices()
        {
            Assert.Equal(new[] { 0, 1, 2, 3 }, DataSubset.First(4).SelectIndices(new byte[10]));
            Assert.Empty(DataSubset.First(0).SelectIndices(new byte[10]));
        }

        [Fact]
        public void Stratified_KeepsEachLabelsShareExactly()
        {
            var labels = Labels((0, 100), (1, 300), (2, 600));

            var indices = DataSubset.Stratified(100, seed: 11).SelectIndices(labels);

            Assert.Equal(100, indices.Length);
            Assert.Equal(10, indices.Count(i => labels[i] == 0));
            Assert.Equal(30, indices.Count(i => labels[i] == 1));
            Assert.Equal(60, indices.Count(i => labels[i] == 2));
            Assert.Equal(indices.OrderBy(i => i), indices);
            Assert.Equal(100, indices.Distinct().Count());
        }

        [Fact]
        public void Stratified_RoundsByLargestRemainderWithTiesToTheSmallerLabel()
        {
            var equal = Labels((0, 10), (1, 10), (2, 10));
            var skewed = Labels((5, 7), (6, 2), (9, 1));

            var fromEqual = DataSubset.Stratified(10, seed: 1).SelectIndices(equal);
            var fromSkewed = DataSubset.Stratified(5, seed: 1).SelectIndices(skewed); // quotas 3.5, 1.0, 0.5

            Assert.Equal(new[] { 4, 3, 3 }, new byte[] { 0, 1, 2 }.Select(c => fromEqual.Count(i => equal[i] == c)));
            Assert.Equal(new[] { 4, 1, 0 }, new byte[] { 5, 6, 9 }.Select(c => fromSkewed.Count(i => skewed[i] == c)));
        }

        [Fact]
        public void Stratified_SameSeedSameIndices_OtherSeedOtherIndices()
        {
            var labels = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7 % 10)).ToArray();

            var a = DataSubset.Stratified(50, seed: 3).SelectIndices(labels);
            var b = DataSubset.Stratified(50, seed: 3).SelectIndices(labels);
            var c = DataSubset.Stratified(50, seed: 4).SelectIndices(labels);

            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
        }

        [Fact]
        public void Stratified_IsPinnedAcrossPlatformsAndVersions()
        {
            // The sampler is SplitMix64 + partial Fisher-Yates, fixed by definition; these indices must never change.
            var labels = Enumerable.Range(0, 40).Select(i => (byte)(i % 4)).ToArray();

            var indices = DataSubset.Stratified(8, seed: 42).SelectIndices(labels);

            Assert.Equal(PinnedSample, indices);
        }

        // Cross-checked with an independent Python implementation of the same algorithm; two items per label.
        private static readonly int[] PinnedSample = { 2, 5, 8, 12, 23, 27, 30, 33 };

        [Fact]
        public void Stratified_AllItems_ReturnsEveryIndex()
        {
            var labels = Labels((1, 3), (2, 5));
            Assert.Equal(Enumerable.Range(0, 8), DataSubset.Stratified(8, seed: 9).SelectIndices(labels));
        }

        [Fact]
        public void CountAboveSize_Throws_NegativeCount_Throws()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => DataSubset.Stratified(5, 1).SelectIndices(new byte[4]));
            Assert.Throws<ArgumentOutOfRangeException>(() => DataSubset.First(-1));
        }

        [Fact]
        public void ToString_DescribesTheSubset()
        {
            Assert.Equal("first 3", DataSubset.First(3).ToString());
            Assert.Equal("stratified 10 (seed 7)", DataSubset.Stratified(10, 7).ToString());
        }
    }
}
