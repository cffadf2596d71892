using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Reconstruction;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>
/// The OBS equations against their closed forms (docs/references/model-pruning-deep-dive.md, "Optimal Brain Surgeon"):
/// the single-weight update <c>-w_q / [H^-1]_qq H^-1 e_q</c> and loss <c>w_q^2 / (2 [H^-1]_qq)</c>, the set removal against
/// the constrained least-squares optimum computed from H itself, and the column sweep's use of the Cholesky factor.
/// </summary>
public sealed class ObsMathTests
{
    private const double Dampening = 0.01;

    [Fact]
    public void Removing_one_column_is_the_closed_form_OBS_update_and_loss_for_every_column()
    {
        using var p = new LayerProblem(rows: 3, columns: 6, n: 40, seed: 1);
        using var inverse = LayerHessian.Inverse(p.Hessian, Dampening, "tiny", p.Rows);
        for (var q = 0; q < 6; q++)
        {
            using var scope = NewDisposeScope();
            var hqq = inverse[q, q].item<double>();
            // delta W = -(W[:, q] / [H^-1]_qq) [H^-1]_{q,:}  (one OBS step per row; every row shares H)
            var expected = p.Weight - outer(p.Weight[.., q] / hqq, inverse[q]);
            var updated = ObsNeuronPruning.RemoveColumns(p.Weight, inverse, new[] { q });
            Assert.True((updated - expected).abs().max().item<double>() < 1e-12, $"column {q}");
            Assert.Equal(0.0, updated[.., q].abs().max().item<double>());
            var loss = p.Weight[.., q].square().sum().item<double>() / (2 * hqq);
            Assert.Equal(loss, ObsNeuronPruning.Saliency(p.Weight, inverse, new[] { q }), 12);
            // and the loss is the damped quadratic error the update leaves: 1/2 sum_rows dw^T H_damped dw
            var damped = LayerHessian.Damped(p.Hessian, Dampening);
            var delta = updated - p.Weight;
            Assert.Equal(loss, 0.5 * (delta.matmul(damped) * delta).sum().item<double>(), 10);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_sweep_prunes_one_weight_with_the_OBS_update_over_the_columns_not_yet_processed(int q)
    {
        using var p = new LayerProblem(rows: 3, columns: 6, n: 40, seed: 2);
        using var upper = LayerHessian.InverseCholeskyUpper(p.Hessian, Dampening, "tiny", p.Rows);
        var keep = Enumerable.Repeat(true, 18).ToArray();
        keep[1 * 6 + q] = false;                                              // prune only weight (row 1, column q)
        var result = ObsColumnSweep.Run(p.Weight, upper, new ObsColumnSweep.Options(PruneTarget.Unstructured(0), keep, null, 4, "tiny"));

        using var scope = NewDisposeScope();
        // Closed form on F = {q..5}: the columns before q are already fixed, so OBS acts with H_F^-1 = ((H + lambda I)_FF)^-1.
        var damped = LayerHessian.Damped(p.Hessian, Dampening);
        var inverseF = linalg.inv(damped[q.., q..]);
        var expected = p.Weight.clone();
        var w = p.Weight[1, q].item<double>();
        expected[1, q..] = p.Weight[1, q..] - w / inverseF[0, 0].item<double>() * inverseF[0];
        var got = tensor(result.Weight, new long[] { 3, 6 }, dtype: ScalarType.Float64);
        Assert.True((got - expected).abs().max().item<double>() < 1e-10);
        Assert.Equal(0.0, got[1, q].item<double>());
        Assert.Equal(w * w / (2 * inverseF[0, 0].item<double>()), result.EstimatedError, 10);
        if (q == 0) // with nothing fixed before it, the sweep's step is the full OBS step
        {
            var inverse = LayerHessian.Inverse(p.Hessian, Dampening, "tiny", p.Rows);
            var full = ObsNeuronPruning.RemoveColumns(p.Weight[1..2], inverse, new[] { 0 });
            Assert.True((got[1] - full[0]).abs().max().item<double>() < 1e-10);
        }
    }

    [Fact]
    public void Removing_a_set_is_the_constrained_least_squares_optimum_for_every_subset()
    {
        using var p = new LayerProblem(rows: 4, columns: 6, n: 50, seed: 3);
        using var inverse = LayerHessian.Inverse(p.Hessian, Dampening, "tiny", p.Rows);
        using var damped = LayerHessian.Damped(p.Hessian, Dampening);
        var best = (Error: double.PositiveInfinity, Set: Array.Empty<int>());
        foreach (var set in Subsets(6, 2))
        {
            using var scope = NewDisposeScope();
            var rest = Enumerable.Range(0, 6).Except(set).ToArray();
            // Brute force from H itself: minimise (w - w')^T H (w - w') with w'_S = 0  =>  w'_R = w_R + w_S H_SR H_RR^-1.
            var s = tensor(set.Select(i => (long)i).ToArray());
            var r = tensor(rest.Select(i => (long)i).ToArray());
            var hRR = damped.index_select(0, r).index_select(1, r);
            var hSR = damped.index_select(0, s).index_select(1, r);
            var expected = zeros_like(p.Weight);
            expected.index_copy_(1, r, p.Weight.index_select(1, r) + p.Weight.index_select(1, s).matmul(hSR).matmul(linalg.inv(hRR)));
            var delta = expected - p.Weight;
            var error = 0.5 * (delta.matmul(damped) * delta).sum().item<double>();

            var updated = ObsNeuronPruning.RemoveColumns(p.Weight, inverse, set);
            Assert.True((updated - expected).abs().max().item<double>() < 1e-10, $"set {{{string.Join(",", set)}}}");
            Assert.Equal(error, ObsNeuronPruning.Saliency(p.Weight, inverse, set), 9);
            if (error < best.Error) best = (error, set);
        }
        // No other set of two is cheaper than the best one brute force found, and the OBS saliency ranks them the same.
        var ranked = Subsets(6, 2).OrderBy(set => ObsNeuronPruning.Saliency(p.Weight, inverse, set)).First();
        Assert.Equal(best.Set, ranked);
    }

    [Fact]
    public void Greedy_removal_ends_at_the_weights_of_removing_its_set_at_once()
    {
        using var p = new LayerProblem(rows: 5, columns: 10, n: 60, seed: 4);
        using var inverse = LayerHessian.Inverse(p.Hessian, Dampening, "tiny", p.Rows);
        var (removed, saliencies, weight) = ObsNeuronPruning.RemoveGreedy(p.Weight, inverse, 4, Enumerable.Range(0, 9).ToList());
        using var _ = weight;
        Assert.Equal(4, removed.Distinct().Count());
        Assert.DoesNotContain(9, removed);
        // The first pick is the cheapest single column.
        var cheapest = Enumerable.Range(0, 9).OrderBy(c => ObsNeuronPruning.Saliency(p.Weight, inverse, new[] { c })).First();
        Assert.Equal(cheapest, removed[0]);
        using var atOnce = ObsNeuronPruning.RemoveColumns(p.Weight, inverse, removed);
        Assert.True((weight - atOnce).abs().max().item<double>() < 1e-9);
        Assert.Equal(ObsNeuronPruning.Saliency(p.Weight, inverse, removed), saliencies.Sum(), 9);
    }

    [Fact]
    public void Growing_the_kept_set_minimises_the_same_OBS_saliency_one_column_at_a_time()
    {
        using var p = new LayerProblem(rows: 4, columns: 9, n: 60, seed: 6);
        using var damped = LayerHessian.Damped(p.Hessian, Dampening);
        using var inverse = LayerHessian.Inverse(p.Hessian, Dampening, "tiny", p.Rows);
        var candidates = Enumerable.Range(0, 8).ToList();                     // column 8 plays the bias: always kept
        double Removed(IEnumerable<int> kept) => ObsNeuronPruning.Saliency(p.Weight, inverse, candidates.Except(kept).ToList());
        var kept = ObsNeuronPruning.KeepGreedy(p.Weight, damped, 3, candidates, new[] { 8 });
        Assert.Equal(3, kept.Distinct().Count());
        // Each step adds the column whose keeping leaves the smallest OBS saliency of the rest (brute force over candidates).
        for (var step = 0; step < 3; step++)
        {
            var before = kept.Take(step).ToList();
            var best = candidates.Except(before).OrderBy(c => Removed(before.Append(c))).First();
            Assert.Equal(best, kept[step]);
        }
    }

    internal static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k == 0) { yield return Array.Empty<int>(); yield break; }
        for (var first = 0; first <= n - k; first++)
            foreach (var rest in Subsets(n - first - 1, k - 1))
                yield return new[] { first }.Concat(rest.Select(x => x + first + 1)).ToArray();
    }
}
