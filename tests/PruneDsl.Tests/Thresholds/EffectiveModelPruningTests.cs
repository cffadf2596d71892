using System;
using System.Linq;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Thresholds
{
    public class EffectiveModelPruningTests
    {
        private static readonly EffectiveModelPruning Emp = EffectiveModelPruning.Default;

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(7)]
        [InlineData(100)]
        public void UniformScores_KeepEverything(int n)
        {
            var r = Emp.Select(Enumerable.Repeat(0.37, n).ToArray());
            Assert.Equal(n, r.Count);
            Assert.Equal(n, r.KeptCount);
            Assert.Equal(0, r.PrunedCount);
            Assert.Equal(n, r.EffectiveSampleSize, 9);
            Assert.Equal(1.0, r.RetainedMass, 12);
            Assert.Equal(1.0, r.LowerBound);
            Assert.False(r.PublishedBoundViolated);
        }

        [Fact]
        public void OneDominantScore_KeepsOnlyIt()
        {
            var scores = new[] { 0.001, 0.002, 1000.0, 0.001, 0.003 };
            var r = Emp.Select(scores);
            Assert.Equal(1, r.KeepCount);
            Assert.Equal(new[] { 2 }, r.KeptIndices);
            Assert.Equal(new[] { false, false, true, false, false }, r.KeepMask);
            Assert.True(r.EffectiveSampleSize < 1.001);
            Assert.Equal(1000.0 / 1000.007, r.RetainedMass, 12);
            Assert.Equal(0.5, r.LowerBound);
        }

        [Fact]
        public void HandComputedCase()
        {
            // omega = (1/2, 1/4, 1/8, 1/8); sum omega^2 = 11/32; N_eff = 32/11 = 2.909; nu = 2; s_eff = 3/4; bound = 2/3.
            var r = Emp.Select(new[] { 4.0, 2.0, 1.0, 1.0 });
            Assert.Equal(32.0 / 11.0, r.EffectiveSampleSize, 12);
            Assert.Equal(2, r.KeepCount);
            Assert.Equal(2, r.TheoremKeepCount);
            Assert.Equal(new[] { 0, 1 }, r.KeptIndices);
            Assert.Equal(0.75, r.RetainedMass, 12);
            Assert.Equal(2.0 / 3.0, r.LowerBound, 12);
            Assert.Equal(2.0 / 3.0, r.PublishedLowerBound, 12);
            Assert.Equal(0.0, r.Shift);
            Assert.Equal(0.5, r.Sparsity, 12);
        }

        [Fact]
        public void KeepsExactlyNu_NotNuPlusOne()
        {
            // N_eff = 15^2 / 55 = 4.09, nu = 4. The reference code's threshold sorted_desc[nu] = 1 with >= would keep all 5.
            var r = Emp.Select(new[] { 5.0, 4.0, 3.0, 2.0, 1.0 });
            Assert.Equal(225.0 / 55.0, r.EffectiveSampleSize, 12);
            Assert.Equal(4, r.KeptCount);
            Assert.Equal(new[] { 0, 1, 2, 3 }, r.KeptIndices);
            Assert.Equal(14.0 / 15.0, r.RetainedMass, 12);

            // Ties at the cut: N_eff = 25/7 = 3.57, nu = 3; of the three equal 1s the two lowest indices are kept.
            var tied = Emp.Select(new[] { 1.0, 2.0, 1.0, 1.0 });
            Assert.Equal(3, tied.KeptCount);
            Assert.Equal(new[] { 0, 1, 2 }, tied.KeptIndices);
            Assert.Equal(4.0 / 5.0, tied.RetainedMass, 12);
        }

        [Fact]
        public void SignedScores_AreShiftedByTheMinimum()
        {
            // Shifted: (0, 1, 2, 4), sum 7, sum of squares 21: N_eff = 49/21 = 7/3, nu = 2, s_eff = 6/7.
            var r = Emp.Select(new[] { -1.0, 0.0, 1.0, 3.0 });
            Assert.Equal(-1.0, r.Shift);
            Assert.Equal(7.0 / 3.0, r.EffectiveSampleSize, 12);
            Assert.Equal(new[] { 2, 3 }, r.KeptIndices);
            Assert.Equal(6.0 / 7.0, r.RetainedMass, 12);
            // The same scores shifted by hand give the same decision.
            var shifted = Emp.Select(new[] { 0.0, 1.0, 2.0, 4.0 });
            Assert.Equal(r.KeptIndices, shifted.KeptIndices);
            Assert.Equal(r.EffectiveSampleSize, shifted.EffectiveSampleSize, 12);
        }

        [Fact]
        public void NuOneCounterexample_ViolatesThePublishedBoundButNotTheCorrectedOne()
        {
            // docs/equations.md: omega = (1/2 + d, 1/2 - d, 0, 0) with d = 0.05: N_eff = 1/0.505 < 2, nu = 1, s_eff = 0.55,
            // while the published formula gives 0.683 for N = 4.
            var r = Emp.Select(new[] { 0.55, 0.45, 0.0, 0.0 });
            Assert.Equal(1 / 0.505, r.EffectiveSampleSize, 12);
            Assert.Equal(1, r.KeepCount);
            Assert.Equal(new[] { 0 }, r.KeptIndices);
            Assert.Equal(0.55, r.RetainedMass, 12);
            Assert.Equal(0.25 + 0.75 / Math.Sqrt(3), r.PublishedLowerBound, 12);
            Assert.True(r.PublishedBoundViolated);
            Assert.Equal(0.5, r.LowerBound);
            Assert.True(r.RetainedMass >= r.LowerBound);

            // Large N: the published bound tends to 0.707; the retained mass stays near 1/2.
            var large = new double[1000];
            large[0] = 0.5001;
            large[1] = 0.4999;
            var rl = Emp.Select(large);
            Assert.Equal(1, rl.KeepCount);
            Assert.True(rl.PublishedBoundViolated);
            Assert.True(rl.PublishedLowerBound > 0.70);
            Assert.InRange(rl.RetainedMass - rl.LowerBound, 0.0, 1e-3);
        }

        [Theory]
        [InlineData(4, 2)]
        [InlineData(7, 2)]
        [InlineData(10, 3)]
        [InlineData(64, 5)]
        [InlineData(256, 10)]
        [InlineData(12, 11)]
        public void Bound_IsTightOnItsExtremalDistribution(int n, int nu)
        {
            // One entry a = (1 + sqrt((N-1)(N q - 1)))/N and N - 1 entries (1 - a)/(N - 1) have sum omega^2 = q. At
            // q = 1/(nu + 1) (N_eff = nu + 1) the top-nu mass equals the published formula exactly; just inside (N_eff
            // slightly below nu + 1, so floor gives nu) the retained mass approaches the bound from above.
            var q = 1.0 / (nu + 1) * (1 + 1e-7);
            var a = (1 + Math.Sqrt((n - 1) * (n * q - 1))) / n;
            var b = (1 - a) / (n - 1);
            var scores = Enumerable.Repeat(b, n).ToArray();
            scores[n / 2] = a;

            var r = Emp.Select(scores);
            Assert.Equal(nu, r.KeepCount);
            Assert.Contains(n / 2, r.KeptIndices);
            Assert.Equal(EffectiveModelPruningMath.PublishedLowerBound(nu, n), r.LowerBound, 15);
            // The gap shrinks with the distance to the edge (like sqrt of it when nu = N - 1).
            Assert.InRange(r.RetainedMass - r.LowerBound, 0.0, 1e-4);
            Assert.False(r.PublishedBoundViolated);

            // At the edge itself the top-nu mass is the formula to rounding.
            var qEdge = 1.0 / (nu + 1);
            var aEdge = (1 + Math.Sqrt((n - 1) * (n * qEdge - 1))) / n;
            var topNu = aEdge + (nu - 1) * (1 - aEdge) / (n - 1);
            Assert.Equal(EffectiveModelPruningMath.PublishedLowerBound(nu, n), topNu, 12);
        }

        [Fact]
        public void TwoLevelSplitAtNu_DoesNotAttainTheBound()
        {
            // nu entries a and N - nu entries b with N_eff = nu + 1 keep strictly more than the bound for nu >= 2;
            // the extremal distribution is the single spike above.
            const int n = 10, nu = 3;
            var m = n - nu;
            var q = 1.0 / (nu + 1) * (1 + 1e-7);
            var a = (nu + Math.Sqrt(nu * nu - n * nu * (1 - m * q))) / (n * nu);
            var b = (1 - nu * a) / m;
            var scores = Enumerable.Repeat(a, nu).Concat(Enumerable.Repeat(b, m)).ToArray();
            var r = Emp.Select(scores);
            Assert.Equal(nu, r.KeepCount);
            Assert.True(r.RetainedMass - r.LowerBound > 0.01);
        }

        [Fact]
        public void Beta_ScalesTheKeepCount_AndTheBoundStillHolds()
        {
            var uniform = Enumerable.Repeat(1.0, 10).ToArray();
            var half = new EffectiveModelPruning(0.5).Select(uniform);
            Assert.Equal(5, half.KeepCount);
            Assert.Equal(10, half.TheoremKeepCount);
            Assert.Equal(0.5, half.RetainedMass, 12);
            Assert.True(half.RetainedMass >= half.LowerBound - 1e-12);
            Assert.Equal(0.5, half.LowerBound, 12);

            var doubled = new EffectiveModelPruning(2).Select(new[] { 4.0, 2.0, 1.0, 1.0 });
            Assert.Equal(4, doubled.KeepCount); // floor(5.82) clamped to N = 4
            Assert.Equal(1.0, doubled.RetainedMass, 12);

            var tiny = new EffectiveModelPruning(0.01).Select(new[] { 4.0, 2.0, 1.0, 1.0 });
            Assert.Equal(1, tiny.KeepCount); // floor(0.03) clamped to 1
            Assert.Equal(new[] { 0 }, tiny.KeptIndices);
            Assert.Contains("beta=0.01", new EffectiveModelPruning(0.01).Name);
        }

        [Fact]
        public void TensorOverload_MatchesTheArrayOverload()
        {
            using var t = tensor(new float[] { 4, 2, 1, 1 }).reshape(2, 2);
            var r = Emp.Select(t);
            Assert.Equal(new[] { 0, 1 }, r.KeptIndices);
            Assert.Equal(32.0 / 11.0, r.EffectiveSampleSize, 6);
            using var mask = r.ToTensor();
            Assert.Equal(new long[] { 4 }, mask.shape);
            Assert.Equal(new[] { true, true, false, false }, mask.data<bool>().ToArray());
            IPruningThreshold threshold = Emp;
            Assert.Equal(r.KeptIndices, threshold.Select(t).KeptIndices);
        }

        [Fact]
        public void DegenerateScores_ThrowClearErrors()
        {
            var zero = Assert.Throws<ArgumentException>(() => Emp.Select(new double[] { 0, 0, 0 }));
            Assert.Contains("all 3 scores are zero", zero.Message);
            var equalNegative = Assert.Throws<ArgumentException>(() => Emp.Select(new double[] { -2, -2 }));
            Assert.Contains("equal", equalNegative.Message);
            var nan = Assert.Throws<ArgumentException>(() => Emp.Select(new[] { 1.0, double.NaN }));
            Assert.Contains("score[1]", nan.Message);
            Assert.Throws<ArgumentException>(() => Emp.Select(Array.Empty<double>()));
            Assert.Throws<ArgumentOutOfRangeException>(() => new EffectiveModelPruning(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new EffectiveModelPruning(double.NaN));
        }
    }
}
