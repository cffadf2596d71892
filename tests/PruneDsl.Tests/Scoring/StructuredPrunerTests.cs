using System;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using static PruneDsl.Tests.Scoring.ScoringTestLayers;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Scoring
{
    public class StructuredPrunerTests
    {
        [Fact]
        public void Prune_ZeroesThePrunedRowsAndBiases()
        {
            using var layer = Make();
            var pruner = new StructuredPruner(MagnitudeCriterion.L1, EffectiveModelPruning.Default);
            // L1 scores (7, 4, 0): N_eff = 121/65 = 1.86, so EMP keeps neuron 0 only.
            var report = pruner.Prune(new[] { new PrunableLayer("fc", layer) });

            Assert.True(report.Applied);
            Assert.Equal("magnitude-l1", report.Criterion);
            Assert.Equal("emp(beta=1)", report.Threshold);
            var fc = Assert.Single(report.Layers);
            Assert.Equal(("fc", 3, 1, 2), (fc.Name, fc.Total, fc.Kept, fc.Pruned));
            Assert.Equal(new[] { 7.0, 4.0, 0.0 }, fc.Scores);
            Assert.Equal(new[] { 0 }, fc.Decision.KeptIndices);
            Assert.Equal(new float[] { 1, -2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 }, Weight(layer));
            Assert.Equal(new float[] { 1, 0, 0 }, Bias(layer));
            Assert.Equal((3, 1, 2), (report.Total, report.Kept, report.Pruned));
        }

        [Fact]
        public void Plan_LeavesTheLayersUnchanged()
        {
            using var layer = Make();
            var before = Weight(layer);
            var report = new StructuredPruner(MagnitudeCriterion.L2, new TargetSparsity(0.5)).Plan(new[] { new PrunableLayer("fc", layer) });
            Assert.False(report.Applied);
            // N = 3: round(1.5) = 2 pruned (half to even), so the best of (sqrt 15, sqrt 5, 0) is kept.
            Assert.Equal(new[] { 0 }, report.Layers[0].Decision.KeptIndices);
            Assert.Equal(before, Weight(layer));
        }

        [Fact]
        public void Global_RanksAcrossLayers()
        {
            using var small = Make();
            using var big = nn.Linear(4, 2);
            Set(big, new float[] { 10, 10, 10, 10, 9, 9, 9, 9 }, new float[] { 0, 0 });
            var layers = new[] { new PrunableLayer("small", small), new PrunableLayer("big", big) };

            // L1 scores: small (7, 4, 0), big (40, 36). Global TargetSparsity 0.6 of 5 prunes 3: keeps 40, 36 only;
            // the per-layer floor of 1 then keeps small's best neuron too.
            var report = new StructuredPruner(MagnitudeCriterion.L1, new TargetSparsity(0.6), ThresholdScope.Global).Prune(layers);
            Assert.Equal(2, report.Global!.KeptCount);
            Assert.Equal(new[] { 0 }, report.Layers[0].Decision.KeptIndices);
            Assert.Equal(new[] { 0, 1 }, report.Layers[1].Decision.KeptIndices);
            Assert.Equal(new float[] { 1, 0, 0 }, Bias(small));
            Assert.Equal(new float[] { 10, 10, 10, 10, 9, 9, 9, 9 }, Weight(big));
        }

        [Fact]
        public void Apply_ChecksTheDecisionSize()
        {
            using var layer = Make();
            var e = Assert.Throws<ArgumentException>(() => StructuredPruner.Apply(layer, new KeepDecision(new[] { true, false })));
            Assert.Contains("3 output neurons", e.Message);
            Assert.Throws<ArgumentException>(() => new StructuredPruner(MagnitudeCriterion.L1, EffectiveModelPruning.Default)
                .Prune(new[] { new PrunableLayer("a", layer), new PrunableLayer("a", layer) }));
        }
    }
}
