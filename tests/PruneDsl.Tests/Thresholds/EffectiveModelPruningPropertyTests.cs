using System;
using System.Linq;
using CsCheck;
using PruneDsl.Spec;
using PruneDsl.Thresholds;

namespace PruneDsl.Tests.Thresholds
{
    public class EffectiveModelPruningPropertyTests
    {
        /// <summary>Score vectors of length 1..150 of several shapes: flat, concentrated, sparse, signed, log-spread, tied.</summary>
        private static readonly Gen<double[]> Vectors =
            Gen.Int[1, 150].SelectMany(n => Gen.Int[0, 5].SelectMany(kind => kind switch
            {
                0 => Gen.Double[0.0, 1.0].Array[n],
                1 => Gen.Double[0.0, 1.0].Array[n].Select(a => a.Select(x => Math.Pow(x, 12)).ToArray()),
                2 => Gen.Select(Gen.Double[0.0, 1.0].Array[n], Gen.Bool.Array[n], (a, keep) => a.Select((x, i) => keep[i] ? x : 0.0).ToArray()),
                3 => Gen.Double[-5.0, 5.0].Array[n],
                4 => Gen.Double[-30.0, 0.0].Array[n].Select(a => a.Select(Math.Exp).ToArray()),
                _ => Gen.Int[0, 3].Array[n].Select(a => a.Select(x => (double)x).ToArray()),
            }));

        [Fact]
        public void RetainedMass_NeverFallsBelowTheCorrectedBound_AndExactlyNuTopScoresAreKept()
        {
            Vectors.Sample(scores => Check(scores, 1.0), iter: 3000, print: Print);
        }

        [Fact]
        public void TheBoundHoldsForAnyBeta()
        {
            Gen.Select(Vectors, Gen.Double[0.05, 3.0]).Sample((scores, beta) => Check(scores, beta), iter: 2000,
                print: t => $"beta = {t.Item2}; {Print(t.Item1)}");
        }

        private static void Check(double[] scores, double beta)
        {
            var emp = new EffectiveModelPruning(beta);
            var min = scores.Min();
            var shifted = scores.Select(s => s - Math.Min(min, 0)).ToArray();
            if (shifted.All(x => x == 0))
            {
                Assert.Throws<ArgumentException>(() => emp.Select(scores));
                return;
            }

            var r = emp.Select(scores);
            var n = scores.Length;
            var total = shifted.Sum();
            var omega = shifted.Select(x => x / total).ToArray();
            var neff = 1 / omega.Sum(w => w * w);

            Assert.Equal(n, r.Count);
            Assert.Equal(neff, r.EffectiveSampleSize, tolerance: 1e-9 * neff);
            Assert.InRange(r.EffectiveSampleSize, 1 - 1e-9, n + 1e-9);
            Assert.Equal(EffectiveModelPruningMath.KeepCount(r.EffectiveSampleSize, beta, n), r.KeepCount);
            Assert.InRange(r.KeepCount, 1, n);
            Assert.Equal(r.KeepCount, r.KeepMask.Count(k => k));

            // Exactly the top nu, ties to the lower index.
            var kept = r.KeptIndices.ToArray();
            var pruned = Enumerable.Range(0, n).Where(i => !r.KeepMask[i]).ToArray();
            foreach (var i in kept)
                foreach (var j in pruned)
                    Assert.True(scores[i] > scores[j] || (scores[i] == scores[j] && i < j), $"kept {i} ({scores[i]}) ranks below pruned {j} ({scores[j]})");

            Assert.Equal(kept.Sum(i => omega[i]), r.RetainedMass, tolerance: 1e-9);
            Assert.True(r.RetainedMass >= r.LowerBound - 1e-9, $"s_eff {r.RetainedMass} < bound {r.LowerBound}");
            Assert.True(r.RetainedMass >= (double)r.KeepCount / n - 1e-9);
            if (beta == 1.0)
                Assert.Equal(EffectiveModelPruningMath.LowerBound(r.KeepCount, n), r.LowerBound, tolerance: 1e-15);
            // The published bound can only fail when N_eff < 2 (nu = 1).
            if (r.PublishedBoundViolated) Assert.Equal(1, r.TheoremKeepCount);
        }

        private static string Print(double[] scores) =>
            "[" + string.Join(", ", scores.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }
}
