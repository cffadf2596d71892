using System;
using PruneDsl.Spec;

namespace PruneDsl.Tests.Thresholds
{
    public class EffectiveModelPruningMathTests
    {
        [Fact]
        public void PublishedBound_MatchesHandComputedValues()
        {
            // N = 4, nu = 2: 2/4 + (2/4) sqrt(1 / (3 * 3)) = 1/2 + 1/6.
            Assert.Equal(2.0 / 3.0, EffectiveModelPruningMath.PublishedLowerBound(2, 4), 12);
            // N = 4, nu = 1: 1/4 + (3/4) sqrt(2 / (2 * 3)) = 0.25 + 0.75 / sqrt(3) = 0.6830.
            Assert.Equal(0.25 + 0.75 / Math.Sqrt(3), EffectiveModelPruningMath.PublishedLowerBound(1, 4), 12);
            // N = 10, nu = 3: 0.3 + 0.7 sqrt(6 / (4 * 9)).
            Assert.Equal(0.3 + 0.7 * Math.Sqrt(6.0 / 36.0), EffectiveModelPruningMath.PublishedLowerBound(3, 10), 12);
        }

        [Fact]
        public void CorrectedBound_IsOneHalfForOneKept_AndThePublishedFormulaOtherwise()
        {
            Assert.Equal(0.5, EffectiveModelPruningMath.LowerBound(1, 4));
            Assert.Equal(0.5, EffectiveModelPruningMath.LowerBound(1, 1000));
            // N = 2, nu = 1: the published formula is 1/2 as well.
            Assert.Equal(0.5, EffectiveModelPruningMath.PublishedLowerBound(1, 2), 15);
            Assert.Equal(0.5, EffectiveModelPruningMath.LowerBound(1, 2));
            Assert.Equal(EffectiveModelPruningMath.PublishedLowerBound(2, 4), EffectiveModelPruningMath.LowerBound(2, 4));
            Assert.Equal(EffectiveModelPruningMath.PublishedLowerBound(7, 50), EffectiveModelPruningMath.LowerBound(7, 50));
            // The published value for nu = 1 tends to 1/sqrt(2) for large N: far above the true 1/2.
            Assert.Equal(1 / Math.Sqrt(2), EffectiveModelPruningMath.PublishedLowerBound(1, 1_000_000), 3);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(9)]
        public void KeepingEverything_HasBoundOne(int n)
        {
            Assert.Equal(1.0, EffectiveModelPruningMath.LowerBound(n, n));
            Assert.Equal(1.0, EffectiveModelPruningMath.PublishedLowerBound(n, n));
        }

        [Theory]
        [InlineData(2.9999999999999996, 1.0, 10, 3)] // rounding just below an integer is snapped up
        [InlineData(2.7, 1.0, 10, 2)]
        [InlineData(3.0, 1.0, 10, 3)]
        [InlineData(1.5, 0.5, 10, 1)] // floor(0.75) = 0 clamps to 1
        [InlineData(4.0, 3.0, 10, 10)] // floor(12) clamps to N
        [InlineData(4.9, 2.0, 10, 9)]
        public void KeepCount_FloorsSnapsAndClamps(double neff, double beta, int n, int expected)
        {
            Assert.Equal(expected, EffectiveModelPruningMath.KeepCount(neff, beta, n));
        }

        [Fact]
        public void EffectiveSampleSize_IsSumSquaredOverSumOfSquares()
        {
            // omega = (1/2, 1/4, 1/8, 1/8): sum omega^2 = 11/32.
            Assert.Equal(32.0 / 11.0, EffectiveModelPruningMath.EffectiveSampleSize(8, 16 + 4 + 1 + 1), 12);
            Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveModelPruningMath.EffectiveSampleSize(0, 0));
        }

        [Fact]
        public void RetainedMassLowerBound_ScalesDownForBetaBelowOne()
        {
            // N_eff = 8 of N = 10: theorem count 8, bound B(8, 10).
            var b8 = EffectiveModelPruningMath.LowerBound(8, 10);
            Assert.Equal(b8, EffectiveModelPruningMath.RetainedMassLowerBound(8, 8.0, 10), 15);
            // Keeping 9 of 10 contains the top 8, but keep/N = 0.9 is the larger (always valid) bound.
            Assert.Equal(0.9, EffectiveModelPruningMath.RetainedMassLowerBound(9, 8.0, 10), 15);
            Assert.Equal(b8 * 4 / 8, EffectiveModelPruningMath.RetainedMassLowerBound(4, 8.0, 10), 15);
            Assert.Equal(1.0, EffectiveModelPruningMath.RetainedMassLowerBound(10, 8.0, 10), 15);
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        public void CheckBeta_RejectsNonPositiveOrNonFinite(double beta)
        {
            var problem = EffectiveModelPruningMath.CheckBeta(beta);
            Assert.True(problem.HasValue);
            Assert.Equal("Beta", problem!.Value.Property);
        }

        [Fact]
        public void CheckBeta_AcceptsPositive()
        {
            Assert.Null(EffectiveModelPruningMath.CheckBeta(1.0));
            Assert.Null(EffectiveModelPruningMath.CheckBeta(0.25));
        }
    }
}
