using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using static PruneDsl.Tests.Scoring.ScoringTestLayers;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Scoring
{
    public class CriterionTests
    {
        private static void AssertScores(double[] expected, Tensor actual, int precision = 6)
        {
            Assert.Equal(ScalarType.Float64, actual.dtype);
            Assert.Equal(new long[] { expected.Length }, actual.shape);
            var values = Values(actual);
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], precision);
        }

        [Fact]
        public void Magnitude_L1AndL2_IncludeTheBias()
        {
            using var layer = Make();
            using var l1 = MagnitudeCriterion.L1.Score(layer);
            AssertScores(new[] { 7.0, 4.0, 0.0 }, l1);
            using var l2 = MagnitudeCriterion.L2.Score(layer);
            AssertScores(new[] { Math.Sqrt(15), Math.Sqrt(5), 0.0 }, l2);
            using var weightsOnly = new MagnitudeCriterion(1, includeBias: false).Score(layer);
            AssertScores(new[] { 6.0, 2.0, 0.0 }, weightsOnly);
            Assert.Equal("magnitude-l2", MagnitudeCriterion.L2.Name);
            Assert.Throws<ArgumentOutOfRangeException>(() => new MagnitudeCriterion(3));
        }

        [Fact]
        public void Taylor_AveragesThePerBatchAbsoluteInnerProduct()
        {
            using var layer = Make();
            var taylor = new TaylorCriterion();
            Assert.Throws<InvalidOperationException>(() => taylor.Observe(layer)); // no gradient yet
            Assert.Throws<InvalidOperationException>(() => taylor.Score(layer));

            // Batch 1: grads all ones -> <g, theta> = row sum + bias = (3, -1, 0).
            SetGradients(layer, Enumerable.Repeat(1f, 12).ToArray(), new float[] { 1, 1, 1 });
            taylor.Observe(layer);
            using (var s1 = taylor.Score(layer)) AssertScores(new[] { 3.0, 1.0, 0.0 }, s1);

            // Batch 2: grad = -W, bias grad 0 -> <g, theta> = -||w_i||^2 = (-14, -1, 0).
            SetGradients(layer, Weight(layer).Select(w => -w).ToArray(), new float[3]);
            taylor.Observe(layer);
            Assert.Equal(2, taylor.ObservedBatches(layer));
            // Mean of |.|: (8.5, 1, 0); the mean before |.| would give (5.5, 1, 0).
            using (var s2 = taylor.Score(layer)) AssertScores(new[] { 8.5, 1.0, 0.0 }, s2);

            taylor.Reset();
            Assert.Equal(0, taylor.ObservedBatches(layer));
            Assert.Throws<InvalidOperationException>(() => taylor.Score(layer));
        }

        [Fact]
        public void Fisher_IsThetaSquaredTimesMeanSquaredGradientOverTwo()
        {
            using var layer = Make();
            var obd = new FisherCriterion();
            // Batch 1: all grads 1. Batch 2: weight grad = W, bias grad 0. F = (1 + W^2)/2, F_b = 1/2.
            SetGradients(layer, Enumerable.Repeat(1f, 12).ToArray(), new float[] { 1, 1, 1 });
            obd.Observe(layer);
            SetGradients(layer, Weight(layer), new float[3]);
            obd.Observe(layer);
            Assert.Equal(2, obd.ObservedBatches(layer));

            using var fisher = obd.WeightFisher(layer);
            Assert.Equal(new long[] { 3, 4 }, fisher.shape);
            Assert.Equal(5.0, fisher[0, 3].item<double>(), 9); // (1 + 9) / 2

            // score_i = sum_j (w^2 + w^4)/4 + b^2/4: row 0 = 112/4 + 1/4, row 1 = 1.25/4 + 4/4, row 2 = 0.
            using var s = obd.Score(layer);
            AssertScores(new[] { 28.25, 1.3125, 0.0 }, s);
        }

        [Fact]
        public void Movement_ScoresChangeSinceTheSnapshot()
        {
            using var layer = Make();
            var away = new MovementCriterion();
            var magnitude = new MovementCriterion(MovementScore.Magnitude);
            Assert.Throws<InvalidOperationException>(() => away.Score(layer));
            away.Snapshot(layer);
            magnitude.Snapshot(layer);
            Assert.True(away.HasSnapshot(layer));

            // Row 0 moves away from zero by (1, -1, 0, 0); row 1's first weight and its bias move toward zero.
            Set(layer, new float[] { 2, -3, 0, 3, 0, 0.5f, -0.5f, 0.5f, 0, 0, 0, 0 }, new float[] { 1, -1, 0 });
            using var s = away.Score(layer);
            // (W - W0) * W summed: row 0 = 1*2 + (-1)(-3) = 5; row 1 = (-0.5)(0) + (1)(-1) = -1; row 2 = 0.
            AssertScores(new[] { 5.0, -1.0, 0.0 }, s);
            using var m = magnitude.Score(layer);
            AssertScores(new[] { 2.0, 1.5, 0.0 }, m);
            Assert.Equal("movement", away.Name);
        }

        [Fact]
        public void Wanda_AccumulatesInputNormsThroughAHook()
        {
            using var layer = Make();
            using var wanda = new WandaCriterion();
            var hook = wanda.Attach(layer);
            using var x1 = tensor(new float[] { 1, 0, 0, 2, 1, 0, 0, 0 }).reshape(2, 4);
            using var x2 = tensor(new float[] { 0, 3, 0, 0 }).reshape(1, 4);
            using var y1 = layer.call(x1);
            using var expected = layer.forward(x1);
            Assert.Equal(Values(expected), Values(y1)); // the hook does not change the output
            using (var y2 = layer.call(x2)) { }
            Assert.Equal(2, wanda.ObservedBatches(layer));
            Assert.Equal(3, wanda.ObservedRows(layer));

            // ||X_j|| = (sqrt 2, 3, 0, 2); score_i = sum_j |W_ij| ||X_j||.
            using (var norms = wanda.InputNorms(layer)) AssertScores(new[] { Math.Sqrt(2), 3, 0, 2 }, norms, 9);
            using (var s = wanda.Score(layer)) AssertScores(new[] { 12 + Math.Sqrt(2), 2.5 + 0.5 * Math.Sqrt(2), 0.0 }, s);

            // After the hook is removed, calls are not recorded; explicit batches (any leading shape) still are.
            hook.Dispose();
            using (var y3 = layer.call(x2)) { }
            Assert.Equal(2, wanda.ObservedBatches(layer));
            using var x3 = tensor(new float[] { 0, 0, 1, 0, 0, 0, 1, 0 }).reshape(1, 2, 4);
            wanda.Accumulate(layer, x3);
            Assert.Equal(3, wanda.ObservedBatches(layer));
            using (var s = wanda.Score(layer)) AssertScores(new[] { 12 + Math.Sqrt(2), 2.5 + 0.5 * Math.Sqrt(2) + 0.5 * Math.Sqrt(2), 0.0 }, s);

            Assert.Throws<ArgumentException>(() => wanda.Accumulate(layer, x1.reshape(4, 2)));
        }

        [Fact]
        public void Gate_ReadsTheGivenVectorLive()
        {
            using var layer = Make();
            var criterion = new GateCriterion();
            using var s = tensor(new float[] { 0.9f, 0.0f, 0.5f });
            criterion.Set(layer, s);
            using (var a = criterion.Score(layer)) AssertScores(new[] { 0.9, 0.0, 0.5 }, a);
            s[1] = 0.25f;
            using (var b = criterion.Score(layer)) AssertScores(new[] { 0.9, 0.25, 0.5 }, b);
            using var wrong = tensor(new float[] { 1, 2 });
            Assert.Throws<ArgumentException>(() => criterion.Set(layer, wrong));
        }

        [Fact]
        public void Gate_FromTheGameLayers()
        {
            using var layer = Make();
            using var owner = nn.Sequential(("fc", layer));
            var gate = ParticipationLayer.Attach(owner, "fc", layer, CostSpec.Default);
            using (no_grad()) gate.Participation.copy_(tensor(new float[] { 0.2f, 1.0f, 0.0f }));
            var criterion = new GateCriterion(new[] { gate });
            using var s = criterion.Score(layer);
            AssertScores(new[] { 0.2, 1.0, 0.0 }, s);
            Assert.Equal("gate", criterion.Name);
        }
    }
}
