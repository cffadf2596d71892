using System;
using System.Collections.Generic;
using PruneDsl.Thresholds;

namespace PruneDsl.Tests.Thresholds
{
    public class LayerwiseThresholdTests
    {
        private static readonly LayerScores[] TwoLayers =
        {
            new LayerScores("a", new[] { 4.0, 2.0, 1.0, 1.0 }),
            new LayerScores("b", new[] { 1.0, 1.0, 1.0, 1.0 }),
        };

        [Fact]
        public void PerLayer_RunsEmpOnEachLayer()
        {
            var d = EffectiveModelPruning.Default.Apply(TwoLayers, ThresholdScope.PerLayer);
            Assert.Null(d.Global);
            Assert.Equal(new[] { "a", "b" }, new[] { d.Layers[0].Name, d.Layers[1].Name });
            Assert.Equal(new[] { 0, 1 }, d["a"].KeptIndices);       // N_eff = 32/11
            Assert.Equal(new[] { 0, 1, 2, 3 }, d["b"].KeptIndices); // uniform
            var a = Assert.IsType<EffectiveModelPruningResult>(d["a"]);
            Assert.Equal(0.75, a.RetainedMass, 12);
        }

        [Fact]
        public void Global_RunsEmpOnTheConcatenation()
        {
            // (4, 2, 1, 1, 1, 1, 1, 1): sum 12, sum of squares 26, N_eff = 144/26 = 5.54, nu = 5: 4, 2 and the three
            // lowest-indexed 1s (positions 2, 3, 4), so layer a keeps everything and layer b keeps its first neuron.
            var d = EffectiveModelPruning.Default.Apply(TwoLayers, ThresholdScope.Global);
            var global = Assert.IsType<EffectiveModelPruningResult>(d.Global);
            Assert.Equal(8, global.Count);
            Assert.Equal(144.0 / 26.0, global.EffectiveSampleSize, 12);
            Assert.Equal(5, global.KeepCount);
            Assert.Equal(9.0 / 12.0, global.RetainedMass, 12);
            Assert.Equal(new[] { 0, 1, 2, 3 }, d["a"].KeptIndices);
            Assert.Equal(new[] { 0 }, d["b"].KeptIndices);
            Assert.Equal(4, d["b"].Count);
        }

        [Fact]
        public void Global_KeepsAtLeastTheMinimumPerLayer()
        {
            var layers = new[]
            {
                new LayerScores("c", new[] { 10.0, 9.0, 8.0 }),
                new LayerScores("d", new[] { 1.0, 2.0 }),
            };
            var threshold = new TargetSparsity(0.4); // N = 5: prune 2, keep 3 -> all of c

            var pure = threshold.Apply(layers, ThresholdScope.Global, minKeptPerLayer: 0);
            Assert.Equal(new[] { 0, 1, 2 }, pure["c"].KeptIndices);
            Assert.Empty(pure["d"].KeptIndices);

            var guarded = threshold.Apply(layers, ThresholdScope.Global);
            Assert.Equal(new[] { 0, 1, 2 }, guarded["c"].KeptIndices);
            Assert.Equal(new[] { 1 }, guarded["d"].KeptIndices);
            Assert.Equal(3, guarded.Global!.KeptCount);
        }

        [Fact]
        public void PerLayer_AThresholdThatWouldEmptyALayerKeepsItsBestAndSaysSo()
        {
            // A minimum score above every score keeps none: the floor keeps the best one and reports it.
            var emp = new MinimumScore(10, "score>=10");
            var layers = new[] { new LayerScores("e", new[] { 1.0, 3.0, 2.0 }), new LayerScores("f", new[] { 5.0, 5.0 }) };
            var pure = emp.Apply(layers, ThresholdScope.PerLayer, minKeptPerLayer: 0);
            Assert.Empty(pure["e"].KeptIndices);
            Assert.Equal(0, pure.Layers[0].KeptByFloor);
            var guarded = emp.Apply(layers, ThresholdScope.PerLayer);
            Assert.Equal(new[] { 1 }, guarded["e"].KeptIndices);
            Assert.Equal(new[] { 0 }, guarded["f"].KeptIndices); // a tie goes to the lower index
            Assert.Equal(new[] { 1, 1 }, new[] { guarded.Layers[0].KeptByFloor, guarded.Layers[1].KeptByFloor });
            Assert.Equal(0, new TargetSparsity(0.5).Apply(layers, ThresholdScope.PerLayer).Layers[0].KeptByFloor);
        }

        [Fact]
        public void MinimumKept_AddsTheBestGroupsUpToTheFloorAndCountsThem()
        {
            var mask = new[] { false, true, false, false };
            // Keeps 1 of a floor of 2: the 2 best (0.9, 0.5) are added to what it keeps.
            Assert.Equal(2, MinimumKept.Apply(mask, new[] { 0.5, 0.1, 0.9, 0.2 }, 2));
            Assert.Equal(new[] { true, true, true, false }, mask);
            Assert.Equal(0, MinimumKept.Apply(mask, new[] { 0.5, 0.1, 0.9, 0.2 }, 2));
            Assert.Equal(0, MinimumKept.Apply(new bool[2], new[] { 1.0, 2.0 }, 0));
            Assert.Throws<ArgumentException>(() => MinimumKept.Apply(new bool[2], new[] { 1.0 }, 1));
        }

        [Fact]
        public void PerLayer_TargetSparsity()
        {
            var d = new TargetSparsity(0.5).Apply(TwoLayers, ThresholdScope.PerLayer);
            Assert.Equal(new[] { 0, 1 }, d["a"].KeptIndices);
            Assert.Equal(new[] { 0, 1 }, d["b"].KeptIndices);
        }

        [Fact]
        public void BadInput_ThrowsClearErrors()
        {
            var dup = Assert.Throws<ArgumentException>(() => EffectiveModelPruning.Default.Apply(
                new[] { new LayerScores("x", new[] { 1.0 }), new LayerScores("x", new[] { 2.0 }) }, ThresholdScope.PerLayer));
            Assert.Contains("'x' appears twice", dup.Message);
            var zero = Assert.Throws<ArgumentException>(() => EffectiveModelPruning.Default.Apply(
                new[] { new LayerScores("ok", new[] { 1.0 }), new LayerScores("dead", new[] { 0.0, 0.0 }) }, ThresholdScope.PerLayer));
            Assert.Contains("Layer 'dead'", zero.Message);
            Assert.Throws<ArgumentException>(() => EffectiveModelPruning.Default.Apply(Array.Empty<LayerScores>(), ThresholdScope.Global));
            var d = EffectiveModelPruning.Default.Apply(TwoLayers, ThresholdScope.PerLayer);
            Assert.Throws<KeyNotFoundException>(() => d["nope"]);
        }
    }
}
