using System;
using PruneDsl.Pruning;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using TorchSharp.Modules;
using static PruneDsl.Tests.Scoring.ScoringTestLayers;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Pruning
{
    /// <summary><see cref="CriterionPruner"/> on plain Linear layers (no gate): pruned rows and biases are zeroed.</summary>
    public class PlainLayerPruningTests
    {
        private static CriterionPruner Pruner(IImportanceCriterion criterion, IPruningThreshold threshold, ThresholdScope scope, params (string Name, Linear Layer)[] layers) =>
            new(Array.ConvertAll(layers, l => new PruneTarget(l.Name, l.Layer, criterion, threshold)), scope);

        [Fact]
        public void Apply_ZeroesThePrunedRowsAndBiases()
        {
            using var layer = Make();
            using var pruner = Pruner(MagnitudeCriterion.L1, EffectiveModelPruning.Default, ThresholdScope.PerLayer, ("fc", layer));
            // L1 scores (7, 4, 0): N_eff = 121/65 = 1.86, so EMP keeps neuron 0 only.
            var report = pruner.Apply();

            Assert.True(report.Applied);
            var fc = Assert.Single(report.Layers);
            Assert.Equal("magnitude-l1", fc.Criterion);
            Assert.Equal("emp(beta=1)", fc.Threshold);
            Assert.Equal(("fc", 3, 1, 2), (fc.Layer, fc.Count, fc.Kept, fc.Pruned));
            Assert.Equal(new[] { 7.0, 4.0, 0.0 }, fc.Scores);
            Assert.Equal(new[] { 0 }, fc.Decision.KeptIndices);
            Assert.Equal(121.0 / 65, fc.EffectiveSampleSize!.Value, 9);
            Assert.Equal(new float[] { 1, -2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 }, Weight(layer));
            Assert.Equal(new float[] { 1, 0, 0 }, Bias(layer));
            Assert.Equal((3, 1, 2), (report.Count, report.Kept, report.Pruned));
            Assert.Same(fc, report["fc"]);
        }

        [Fact]
        public void Plan_LeavesTheLayersUnchanged()
        {
            using var layer = Make();
            var before = Weight(layer);
            using var pruner = Pruner(MagnitudeCriterion.L2, new TargetSparsity(0.5), ThresholdScope.PerLayer, ("fc", layer));
            var report = pruner.Plan();
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

            // L1 scores: small (7, 4, 0), big (40, 36). Global TargetSparsity 0.6 of 5 prunes 3: keeps 40, 36 only;
            // the per-layer floor of 1 then keeps small's best neuron too.
            using var pruner = Pruner(MagnitudeCriterion.L1, new TargetSparsity(0.6), ThresholdScope.Global, ("small", small), ("big", big));
            var report = pruner.Apply();
            Assert.Equal(2, report.Global!.KeptCount);
            Assert.Equal(new[] { 0 }, report.Layers[0].Decision.KeptIndices);
            Assert.Equal(new[] { 0, 1 }, report.Layers[1].Decision.KeptIndices);
            Assert.Equal(new float[] { 1, 0, 0 }, Bias(small));
            Assert.Equal(new float[] { 10, 10, 10, 10, 9, 9, 9, 9 }, Weight(big));
        }

        [Fact]
        public void ZeroPruned_ChecksTheDecisionSize_AndTargetsNeedUniqueNamesAndOneGlobalThreshold()
        {
            using var layer = Make();
            using var other = Make();
            var e = Assert.Throws<ArgumentException>(() => CriterionPruner.ZeroPruned(layer, new KeepDecision(new[] { true, false })));
            Assert.Contains("3 output neurons", e.Message);
            var twice = Assert.Throws<ArgumentException>(() => Pruner(MagnitudeCriterion.L1, EffectiveModelPruning.Default, ThresholdScope.PerLayer, ("a", layer), ("a", other)));
            Assert.Contains("'a' appears twice", twice.Message);
            var mixed = Assert.Throws<ArgumentException>(() => new CriterionPruner(new[]
            {
                new PruneTarget("a", layer, MagnitudeCriterion.L1, new TargetSparsity(0.5)),
                new PruneTarget("b", other, MagnitudeCriterion.L1, new TargetSparsity(0.5)),
            }, ThresholdScope.Global));
            Assert.Contains("same IPruningThreshold instance", mixed.Message);
        }

        [Fact]
        public void Accumulating_criteria_on_plain_layers_are_attached_observed_and_unhooked()
        {
            using var layer = Make();
            using var wanda = new WandaCriterion();
            var taylor = new TaylorCriterion();
            using var other = Make();
            using (var pruner = new CriterionPruner(new[]
            {
                new PruneTarget("inputs", layer, wanda, EffectiveModelPruning.Default),
                new PruneTarget("gradients", other, taylor, new TargetSparsity(0.5)),
            }))
            {
                Assert.True(pruner.NeedsObservation);
                var missing = Assert.Throws<InvalidOperationException>(() => pruner.Plan());
                Assert.Contains("'inputs'", missing.Message);

                using var x = tensor(new float[] { 1, 0, 0, 2, 1, 0, 0, 0 }).reshape(2, 4);
                using (var y = layer.call(x)) { } // Wanda's hook, installed by the pruner, records the inputs
                SetGradients(other, new float[12], new float[] { 1, 1, 1 });
                pruner.Observe();
                Assert.Equal(1, wanda.ObservedBatches(layer));
                Assert.Equal(1, taylor.ObservedBatches(other));
                var report = pruner.Plan();
                Assert.Equal(new[] { "wanda", "taylor-fo" }, Array.ConvertAll(new[] { report.Layers[0], report.Layers[1] }, l => l.Criterion));
                // Taylor: |<g, theta>| = |bias| = (1, 2, 0); round(0.5 * 3) = 2 pruned, so neuron 1 is kept.
                Assert.Equal(new[] { 1 }, report.Layers[1].Decision.KeptIndices);
            }
            // The pruner removed Wanda's hook but left the statistics of criteria it was given.
            using (var x2 = tensor(new float[] { 0, 3, 0, 0 }).reshape(1, 4))
            using (var y2 = layer.call(x2)) { }
            Assert.Equal(1, wanda.ObservedBatches(layer));
            Assert.Equal(1, taylor.ObservedBatches(other));
        }
    }
}
