using System;
using PruneDsl.Thresholds;

namespace PruneDsl.Tests.Thresholds
{
    public class TargetSparsityTests
    {
        [Fact]
        public void KeepsTheTopFraction()
        {
            var d = new TargetSparsity(0.5).Select(new[] { 0.1, 0.9, 0.5, 0.7 });
            Assert.Equal(new[] { 1, 3 }, d.KeptIndices);
            Assert.Equal(new[] { false, true, false, true }, d.KeepMask);
            Assert.Equal(2, d.PrunedCount);
            Assert.Equal(0.5, d.Sparsity);
            Assert.Equal(new KeepDecision(new[] { false, true, false, true }), d);
            Assert.NotEqual(new KeepDecision(new[] { true, true, false, false }), d);
        }

        [Theory]
        [InlineData(0.0, 4, 4)]
        [InlineData(0.5, 5, 3)]  // round(2.5) = 2 (half to even, as PyTorch)
        [InlineData(0.7, 5, 1)]  // round(3.5) = 4
        [InlineData(0.25, 2, 2)] // round(0.5) = 0
        [InlineData(0.9, 1, 1)]  // round(0.9) = 1 would empty it: at least one is kept
        [InlineData(0.99, 10, 1)]
        public void KeepCount_RoundsHalfToEven_AndKeepsAtLeastOne(double p, int n, int expected)
        {
            Assert.Equal(expected, new TargetSparsity(p).KeepCount(n));
            Assert.Equal(expected, new TargetSparsity(p).Select(new double[n]).KeptCount);
        }

        [Fact]
        public void Ties_GoToTheLowerIndex_AndSignedScoresWork()
        {
            var d = new TargetSparsity(0.5).Select(new[] { -1.0, -3.0, -1.0, -1.0 });
            Assert.Equal(new[] { 0, 2 }, d.KeptIndices);
        }

        [Theory]
        [InlineData(1.0)]
        [InlineData(-0.1)]
        [InlineData(double.NaN)]
        public void RejectsSparsityOutsideZeroToOne(double p)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new TargetSparsity(p));
        }

        [Fact]
        public void RejectsNonFiniteScores()
        {
            var e = Assert.Throws<ArgumentException>(() => new TargetSparsity(0.5).Select(new[] { 1.0, double.PositiveInfinity }));
            Assert.Contains("score[1]", e.Message);
        }
    }
}
