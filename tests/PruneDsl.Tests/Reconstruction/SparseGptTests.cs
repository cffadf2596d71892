using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Reconstruction;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>
/// SparseGPT on seeded layers: never a larger layer-wise error <c>||W X - W' X||^2</c> than magnitude pruning at the
/// same sparsity and pattern, valid N:M groups, bit-identical results for a seed, and a tiny layer against every mask.
/// </summary>
public sealed class SparseGptTests
{
    private readonly ITestOutputHelper _output;

    public SparseGptTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Targets() =>
        from target in new[] { "50%", "70%", "80%", "2:4", "1:4", "4:8" }
        from seed in new[] { 1, 2, 3 }
        select new object[] { target, seed };

    internal static ReconstructionSpec Spec(string target, int blockSize = 32) => target.EndsWith('%')
        ? new ReconstructionSpec(ReconstructionMethod.SparseGpt, Sparsity: double.Parse(target.TrimEnd('%')) / 100, BlockSize: blockSize)
        : new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: target, BlockSize: blockSize);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Error_is_never_above_magnitude_pruning_at_the_same_sparsity_and_pattern(string target, int seed)
    {
        using var p = new LayerProblem(rows: 24, columns: 64, n: 256, seed: seed);
        var spec = Spec(target);
        using var result = SparseGpt.PruneLayer(p.Weight, p.Hessian, spec, "random", p.Rows);
        using var magnitudeMask = WeightMasks.Select(p.Weight.abs(), PruneTarget.From(spec));
        using var magnitude = p.Weight * magnitudeMask;

        using var kept = magnitudeMask.sum();
        Assert.Equal(kept.item<long>(), result.Kept);
        var sparseGpt = p.Error(result.Weight);
        var baseline = p.Error(magnitude);
        _output.WriteLine($"{target} seed {seed}: sparsegpt {sparseGpt:G5}, magnitude {baseline:G5} (ratio {sparseGpt / baseline:F3}), estimated {result.EstimatedError:G5}");
        Assert.True(sparseGpt <= baseline, $"SparseGPT {sparseGpt} > magnitude {baseline}");
    }

    [Theory]
    [InlineData("2:4", 16)]
    [InlineData("1:4", 8)]
    [InlineData("2:8", 24)]
    [InlineData("3:8", 8)]
    public void Every_N_M_group_of_the_result_keeps_exactly_N_weights_and_zeroes_the_rest(string pattern, int blockSize)
    {
        using var p = new LayerProblem(rows: 10, columns: 48, n: 120, seed: 7);
        var nm = SparsityPattern.Parse(pattern);
        using var result = SparseGpt.PruneLayer(p.Weight, p.Hessian, Spec(pattern, blockSize), "nm", p.Rows);
        using var perGroup = result.KeepMask.reshape(10, 48 / nm.M, nm.M).sum(-1);
        Assert.True(perGroup.eq(nm.N).all().item<bool>());
        using var outside = result.Weight.masked_select(result.KeepMask.logical_not());
        Assert.True(outside.eq(0).all().item<bool>());
        // The existing compressed form takes it as is, and its round trip is the weight.
        var compressed = NmCompressed.FromTensor(result.Weight, nm, "nm");
        using var dense = compressed.ToTensor();
        Assert.Equal(result.Weight.data<float>().ToArray(), dense.data<float>().ToArray());
        Assert.Equal(1.0 - (double)nm.N / nm.M, result.Sparsity, 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_tiny_layer_against_brute_force_over_all_2_4_masks(int seed)
    {
        // Rows are independent under a shared H, so each row of a [3, 8] layer is checked against its 6 x 6 = 36 masks.
        using var p = new LayerProblem(rows: 3, columns: 8, n: 24, seed: seed);
        using var damped = LayerHessian.Damped(p.Hessian, ReconstructionDefaults.Dampening);
        using var inverse = LayerHessian.Inverse(p.Hessian, ReconstructionDefaults.Dampening, "tiny", p.Rows);
        using var upper = LayerHessian.InverseCholeskyUpper(p.Hessian, ReconstructionDefaults.Dampening, "tiny", p.Rows);
        var pairs = ObsMathTests.Subsets(4, 2).ToList();
        var sparseGpt = ObsColumnSweep.Run(p.Weight, upper, new ObsColumnSweep.Options(PruneTarget.NM("2:4"), null, null, 8, "tiny"));
        using var magnitudeMask = WeightMasks.Select(p.Weight.abs(), PruneTarget.NM("2:4"));
        var magnitudeKeep = magnitudeMask.data<bool>().ToArray();
        var totals = (Optimum: 0.0, SparseGpt: 0.0, Magnitude: 0.0);
        for (var r = 0; r < 3; r++)
        {
            using var scope = NewDisposeScope();
            var w = p.Weight[r..(r + 1)];
            double Quadratic(Tensor other) { var d = other - w; return 0.5 * (d.matmul(damped) * d).sum().item<double>(); }
            var optimum = double.PositiveInfinity;
            foreach (var a in pairs)
                foreach (var b in pairs)
                {
                    var keep = new bool[8];
                    foreach (var i in a) keep[i] = true;
                    foreach (var i in b) keep[4 + i] = true;
                    var pruned = Enumerable.Range(0, 8).Where(i => !keep[i]).ToArray();
                    // The best any update can do with this mask: least squares from H (brute force, independent of the sweep).
                    var s = tensor(pruned.Select(i => (long)i).ToArray());
                    var rest = tensor(Enumerable.Range(0, 8).Where(i => keep[i]).Select(i => (long)i).ToArray());
                    var best = zeros_like(w);
                    best.index_copy_(1, rest, w.index_select(1, rest) + w.index_select(1, s).matmul(damped.index_select(0, s).index_select(1, rest))
                        .matmul(linalg.inv(damped.index_select(0, rest).index_select(1, rest))));
                    var leastSquares = Quadratic(best);
                    Assert.Equal(leastSquares, ObsNeuronPruning.Saliency(w, inverse, pruned), 9);
                    // The sweep's update for this mask never beats least squares (it equals it only when every pruned column of
                    // the row comes before every kept one, checked below: then each OBS step may move every column still free).
                    var swept = ObsColumnSweep.Run(w, upper, new ObsColumnSweep.Options(PruneTarget.Unstructured(0), keep, null, 8, "tiny"));
                    var sweptError = Quadratic(tensor(swept.Weight, new long[] { 1, 8 }, dtype: ScalarType.Float64));
                    Assert.True(sweptError >= leastSquares - 1e-12);
                    optimum = Math.Min(optimum, leastSquares);
                }
            var prunedFirst = ObsColumnSweep.Run(w, upper, new ObsColumnSweep.Options(
                PruneTarget.Unstructured(0), new[] { false, false, false, false, true, true, true, true }, null, 8, "tiny"));
            using var leastSquaresFirst = ObsNeuronPruning.RemoveColumns(w, inverse, new[] { 0, 1, 2, 3 });
            Assert.Equal(leastSquaresFirst.data<double>().ToArray(), prunedFirst.Weight, new DoubleTolerance(1e-10));

            var sparseGptRow = tensor(sparseGpt.Weight.Skip(8 * r).Take(8).ToArray(), new long[] { 1, 8 }, dtype: ScalarType.Float64);
            var magnitudeRow = w * tensor(magnitudeKeep.Skip(8 * r).Take(8).ToArray(), new long[] { 1, 8 });
            var error = Quadratic(sparseGptRow);
            _output.WriteLine($"seed {seed} row {r}: optimum over all masks {optimum:G4}, SparseGPT {error:G4}, magnitude {Quadratic(magnitudeRow):G4}");
            Assert.True(error >= optimum - 1e-12, "SparseGPT beat the brute-force optimum: the error is mis-measured");
            totals = (totals.Optimum + optimum, totals.SparseGpt + error, totals.Magnitude + Quadratic(magnitudeRow));
        }
        // Reported, not asserted: on a layer this small SparseGPT's mask choice (greedy, per group, from w^2 / [H^-1]_jj^2)
        // is a heuristic and can lose to magnitude pruning (seed 1: 2.20 against 1.71); at realistic sizes it never did
        // (the tests above), which is the claim the README makes.
        _output.WriteLine($"layer: optimum {totals.Optimum:G4}, SparseGPT {totals.SparseGpt:G4}, magnitude {totals.Magnitude:G4}");
    }

    private sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    [Theory]
    [InlineData("60%")]
    [InlineData("2:4")]
    public void The_same_seed_gives_bit_identical_results(string target)
    {
        float[] Run()
        {
            using var p = new LayerProblem(rows: 32, columns: 96, n: 200, seed: 11);
            using var r = SparseGpt.PruneLayer(p.Weight, p.Hessian, Spec(target), "again", p.Rows);
            return r.Weight.data<float>().ToArray();
        }
        Assert.Equal(Run(), Run());
    }
}

/// <summary>SparseGPT on the layers of a small MLP trained on real MNIST (subsets).</summary>
[Collection(PruneDsl.Tests.Data.MnistCollection.Name)]
public sealed class SparseGptRealLayerTests
{
    private readonly PruneDsl.Tests.Data.MnistFixture _mnist;
    private readonly ITestOutputHelper _output;

    public SparseGptRealLayerTests(PruneDsl.Tests.Data.MnistFixture mnist, ITestOutputHelper output)
    {
        _mnist = mnist;
        _output = output;
    }

    [Theory]
    [InlineData("50%")]
    [InlineData("80%")]
    [InlineData("2:4")]
    public void Error_on_real_layers_is_never_above_magnitude_pruning(string target)
    {
        var trained = TrainedMnistMlp.Get(_mnist.Directory);
        using var model = trained.Fresh();
        foreach (var (name, layer) in model.Layers)
        {
            using var inputs = trained.InputsOf(model, layer);
            using var accumulator = new HessianAccumulator(inputs.shape[1], layerName: name);
            accumulator.Accumulate(inputs);
            using var hessian = accumulator.Hessian();
            var spec = SparseGptTests.Spec(target, blockSize: 64);
            using var result = SparseGpt.PruneLayer(layer.weight!, hessian, spec, name, accumulator.Rows);
            using var mask = WeightMasks.Select(layer.weight!.detach().abs(), PruneTarget.From(spec), layerName: name);
            using var magnitude = layer.weight!.detach() * mask;
            var sparseGpt = LayerProblem.Error(layer.weight!.detach(), result.Weight, inputs);
            var baseline = LayerProblem.Error(layer.weight!.detach(), magnitude, inputs);
            _output.WriteLine($"{name} {target}: sparsegpt {sparseGpt:G5}, magnitude {baseline:G5} (ratio {sparseGpt / baseline:F3})");
            Assert.True(sparseGpt <= baseline, $"{name}: SparseGPT {sparseGpt} > magnitude {baseline}");
        }
    }

    [Fact]
    public void Sequential_one_shot_keeps_more_accuracy_than_the_baselines_at_70_percent()
    {
        var trained = TrainedMnistMlp.Get(_mnist.Directory);
        double Accuracy(Func<SmallMlp, IDisposable> prune)
        {
            using var model = trained.Fresh();
            using (prune(model)) return global::PruneDsl.Training.Evaluation.Accuracy(model, trained.TestData);
        }
        using var dense = trained.Fresh();
        var denseAccuracy = global::PruneDsl.Training.Evaluation.Accuracy(dense, trained.TestData);
        var target = PruneTarget.Unstructured(0.7);
        var magnitude = Accuracy(m => new Disposables(OneShot.PruneBaseline(m, m.Layers, trained.Calibration, OneShotBaseline.Magnitude, target)));
        var wanda = Accuracy(m => new Disposables(OneShot.PruneBaseline(m, m.Layers, trained.Calibration, OneShotBaseline.Wanda, target)));
        var spec = new ReconstructionSpec(ReconstructionMethod.SparseGpt, Sparsity: 0.7, BlockSize: 64, CalibrationBatches: 4);
        var sparseGpt = Accuracy(m => OneShot.Run(m, m.Layers.Select(l => new ReconstructionTarget(l.Name, l.Layer, spec)).ToList(), trained.Calibration));
        _output.WriteLine($"dense {denseAccuracy:P2}, magnitude {magnitude:P2}, wanda {wanda:P2}, sparsegpt {sparseGpt:P2}");
        Assert.True(sparseGpt > magnitude && sparseGpt > wanda, $"SparseGPT {sparseGpt:P2}, magnitude {magnitude:P2}, Wanda {wanda:P2}");
        Assert.True(sparseGpt > denseAccuracy - 0.02, $"SparseGPT at 70% {sparseGpt:P2} vs dense {denseAccuracy:P2}");
    }

    private sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
