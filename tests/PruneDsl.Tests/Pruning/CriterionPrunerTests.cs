using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Pruning;
using PruneDsl.Spec;
using PruneDsl.Tests.Evolution;
using PruneDsl.Tests.Game;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Pruning;

public class CriterionPrunerTests
{
    /// <summary>Applies one gated layer's [Prune] settings, as the generated PruneByCriteria does for each layer.</summary>
    private static LayerPruneReport Apply(IGroupGate gate, PruneSpec spec)
    {
        using var pruner = new CriterionPruner(new[] { new PruneTarget(gate, spec) });
        return Assert.Single(pruner.Apply().Layers);
    }

    private static readonly float[] Fc1Participations = { 1f, 0.9f, 0.8f, 0.05f, 0.02f, 0.01f, 0.3f, 0.6f, 0.001f };

    private static bool[] Mask(Tensor t) => t.cpu().data<bool>().ToArray();

    private static double[] Rows(Linear layer, int row) =>
        layer.weight!.detach().to(ScalarType.Float64).cpu()[row].data<double>().ToArray();

    /// <summary>Checks that HardPrune zeroed exactly the rows and biases the mask drops and left the others untouched.</summary>
    private static void AssertHardPruned(Linear layer, bool[] keep, Tensor weightBefore, Tensor biasBefore)
    {
        var w = layer.weight!.detach().to(ScalarType.Float64).cpu();
        var b = layer.bias!.detach().to(ScalarType.Float64).cpu();
        var w0 = weightBefore.to(ScalarType.Float64).cpu();
        var b0 = biasBefore.to(ScalarType.Float64).cpu();
        for (var i = 0; i < keep.Length; i++)
        {
            var row = w[i].data<double>().ToArray();
            if (keep[i])
            {
                Assert.Equal(w0[i].data<double>().ToArray(), row);
                Assert.Equal(b0[i].item<double>(), b[i].item<double>());
            }
            else
            {
                Assert.All(row, v => Assert.Equal(0.0, v));
                Assert.Equal(0.0, b[i].item<double>());
            }
        }
    }

    [Fact]
    public void Game_participations_pruned_by_EMP_keep_exactly_nu_groups_and_the_bound_holds()
    {
        manual_seed(11);
        var model = new TinyCompetingMlp();
        var gate = model.Fc1Participation;
        using (no_grad()) gate.Participation.copy_(tensor(Fc1Participations));

        var report = Apply(gate, new PruneSpec(Criterion.Gate, PruneThreshold.Effective));

        // N_eff = (sum s)^2 / sum s^2 on the (float32) participations; nu = floor(N_eff).
        var s = Fc1Participations.Select(v => (double)v).ToArray();
        var nEff = s.Sum() * s.Sum() / s.Sum(v => v * v);
        var nu = (int)Math.Floor(nEff);
        Assert.Equal(4, nu); // sum 3.691, sum of squares 2.903001: N_eff = 4.693
        Assert.Equal(nEff, report.EffectiveSampleSize!.Value, 9);
        Assert.Equal(9, report.Count);
        Assert.Equal(nu, report.Kept);
        Assert.Equal(nu, gate.KeptCount());
        Assert.Equal("emp(beta=1)", report.Threshold);
        Assert.True(report.RetainedMass >= report.LowerBound - EffectiveModelPruning.BoundTolerance,
            $"s_eff {report.RetainedMass} below bound {report.LowerBound}");
        Assert.Equal((1 + 0.9 + 0.8 + 0.6) / s.Sum(), report.RetainedMass!.Value, 6);

        var expected = new[] { true, true, true, false, false, false, false, true, false };
        using var keep = gate.KeepMask();
        Assert.Equal(expected, Mask(keep));
        // 0.05, 0.02 and 0.3 are above Epsilon (0.01) yet pruned: the override wins over s >= Epsilon.
        using var pruned = gate.PrunedMask();
        Assert.Equal(expected.Select(k => !k).ToArray(), Mask(pruned));

        using var w0 = gate.Layer.weight!.detach().clone();
        using var b0 = gate.Layer.bias!.detach().clone();
        gate.HardPrune();
        AssertHardPruned(gate.Layer, expected, w0, b0);
        var sAfter = gate.Participation.cpu().data<float>().ToArray();
        for (var i = 0; i < 9; i++) Assert.Equal(expected[i] ? Fc1Participations[i] : 0f, sAfter[i]);
    }

    [Fact]
    public void Game_default_threshold_keeps_participations_at_or_above_epsilon()
    {
        var model = new TinyCompetingMlp();
        var gate = model.Fc1Participation;
        using (no_grad()) gate.Participation.copy_(tensor(Fc1Participations));
        var report = Apply(gate, new PruneSpec(Criterion.Gate, PruneThreshold.Default));
        Assert.Equal(8, report.Kept); // only 0.001 is below Epsilon = 0.01 (0.01 itself is kept, s >= Epsilon)
        Assert.Null(report.EffectiveSampleSize);
        Assert.Equal(9, report.Count);
        Assert.Equal(new[] { true, true, true, true, true, true, true, true, false }, report.Decision.KeepMask.ToArray());
        Assert.Equal("participation>=epsilon(0.01)", report.Threshold);
    }

    [Fact]
    public void A_threshold_that_would_empty_a_layer_keeps_its_best_group_and_warns_or_stops()
    {
        var model = new TinyCompetingMlp();
        var gate = model.Fc1Participation;
        using (no_grad()) gate.Participation.copy_(tensor(Fc1Participations).mul(0.001f)); // every s below Epsilon
        var spec = new PruneSpec(Criterion.Gate, PruneThreshold.Default);
        var warnings = new List<TrainingWarning>();
        using (var pruner = new CriterionPruner(new[] { new PruneTarget(gate, spec) }) { Warnings = new Warnings(warnings.Add) })
        {
            var report = pruner.Apply();
            Assert.Equal(1, report.Layers[0].Kept);
            Assert.Equal(1, report.Layers[0].KeptByFloor);
            var warning = Assert.Single(warnings);
            Assert.Equal(WarningKind.LayerKeptBestGroup, warning.Kind);
            Assert.Equal("fc1", warning.Layer);
            Assert.Contains("would keep 0 of 9 groups; it keeps its 1 highest-scoring one(s)", warning.Message);
        }
        Assert.Equal(1, gate.KeptCount());

        var fresh = new TinyCompetingMlp();
        using (no_grad()) fresh.Fc1Participation.Participation.copy_(tensor(Fc1Participations).mul(0.001f));
        using var strict = new CriterionPruner(new[] { new PruneTarget(fresh.Fc1Participation, spec) }) { WhenLayerWouldBeEmpty = FaultAction.Stop };
        var error = Assert.Throws<EmptyLayerException>(() => strict.Apply());
        Assert.Equal("fc1", error.Layer);
        Assert.Contains("nothing was applied", error.Message);
        Assert.True(fresh.Fc1Participation.EveryGroupBelowEpsilon());
        using var keep = fresh.Fc1Participation.KeepMask(); // no decision was recorded: the layer's own rule still applies
        Assert.Equal(1L, keep.sum().item<long>());
    }

    private sealed class Warnings(Action<TrainingWarning> report) : IProgress<TrainingWarning>
    {
        public void Report(TrainingWarning value) => report(value);
    }

    [Fact]
    public void Magnitude_criterion_with_target_sparsity_on_an_evolving_layer()
    {
        manual_seed(12);
        var model = new TinyEvolvingMlp();
        var layer = model.PopulationLayers[0];
        var fc1 = model.Fc1;
        var norms = Enumerable.Range(0, 9).Select(i =>
        {
            var r = Rows(fc1, i);
            var b = fc1.bias!.detach().to(ScalarType.Float64).cpu()[i].item<double>();
            return Math.Sqrt(r.Sum(v => v * v) + b * b);
        }).ToArray();

        var report = Apply(layer, new PruneSpec(Criterion.MagnitudeL2, PruneThreshold.TargetSparsity, Sparsity: 0.5));

        // round(0.5 * 9) = 4 (to even) pruned, 5 kept: the five largest L2 norms.
        var top = norms.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5).Select(p => p.i).ToHashSet();
        var expected = Enumerable.Range(0, 9).Select(top.Contains).ToArray();
        Assert.Equal(5, report.Kept);
        Assert.Equal(4, report.Pruned);
        Assert.Equal("target-sparsity(0.5)", report.Threshold);
        Assert.Null(report.LowerBound);
        using var keep = layer.KeepMask();
        Assert.Equal(expected, Mask(keep));

        using var w0 = fc1.weight!.detach().clone();
        using var b0 = fc1.bias!.detach().clone();
        layer.HardPrune();
        AssertHardPruned(fc1, expected, w0, b0);
    }

    [Fact]
    public void Evolution_default_threshold_is_the_layers_target_sparsity()
    {
        manual_seed(13);
        var model = new TinyEvolvingMlp();
        var layer = model.PopulationLayers[1]; // 7 groups, TargetSparsity 0.35: round(2.45) = 2 pruned
        var report = Apply(layer, new PruneSpec(Criterion.MagnitudeL1, PruneThreshold.Default));
        Assert.Equal(7, report.Count);
        Assert.Equal(5, report.Kept);
        Assert.Equal(5, layer.KeptCount());
    }

    [Fact]
    public void Taylor_with_EMP_after_observing_batches_matches_the_hand_computed_scores()
    {
        manual_seed(14);
        var model = new TinyCompetingMlp();
        var gate = model.Fc1Participation;
        var x = randn(24, 12);
        var y = randint(0, 3, 24, dtype: ScalarType.Int64);
        var spec = new PruneSpec(Criterion.Taylor, PruneThreshold.Effective);

        // Hand computation: mean over batches of |<grad theta_i, theta_i>| (row and bias).
        var sum = new double[9];
        using (var pruner = new CriterionPruner(new[] { new PruneTarget(gate, spec) }))
        {
            Assert.True(pruner.NeedsObservation);
            Assert.Throws<InvalidOperationException>(() => pruner.Apply());
            for (var b = 0; b < 3; b++)
            {
                model.zero_grad();
                using var xb = x[TensorIndex.Slice(b * 8, b * 8 + 8)];
                using var yb = y[TensorIndex.Slice(b * 8, b * 8 + 8)];
                using var loss = nn.functional.cross_entropy(model.call(xb), yb);
                loss.backward();
                pruner.Observe();
                var fc1 = gate.Layer;
                using var inner = ((fc1.weight!.grad! * fc1.weight!).sum(1) + fc1.bias!.grad! * fc1.bias!).to(ScalarType.Float64).abs();
                var v = inner.cpu().data<double>().ToArray();
                for (var i = 0; i < 9; i++) sum[i] += v[i];
            }
            Assert.Equal(3, pruner.ObservedBatches);
            var report = Assert.Single(pruner.Apply().Layers);

            var expected = EffectiveModelPruning.Default.Select(sum.Select(v => v / 3).ToArray());
            Assert.Equal("taylor-fo", report.Criterion);
            Assert.Equal(expected.KeepMask.ToArray(), report.Decision.KeepMask.ToArray());
            Assert.Equal(expected.EffectiveSampleSize, report.EffectiveSampleSize!.Value, 4);
            Assert.Equal(expected.KeptCount, report.Kept);
            Assert.InRange(report.Kept, 1, 9);
            Assert.True(report.RetainedMass >= report.LowerBound - EffectiveModelPruning.BoundTolerance);
        }
        using var keepManual = gate.KeepMask();
        var manualMask = Mask(keepManual);

        // Calibrate observes the same batches itself and reaches the same decision (weights are not updated).
        model.zero_grad();
        using (var again = new CriterionPruner(new[] { new PruneTarget(gate, spec) }))
        {
            Assert.Equal(3, again.Calibrate(model, new LabeledData(x, y), (o, t) => nn.functional.cross_entropy(o, t), batchSize: 8, batches: 3));
            Assert.Equal(manualMask, Assert.Single(again.Apply().Layers).Decision.KeepMask.ToArray());
        }

        using var w0 = gate.Layer.weight!.detach().clone();
        using var b0 = gate.Layer.bias!.detach().clone();
        gate.HardPrune();
        AssertHardPruned(gate.Layer, manualMask, w0, b0);
    }

    [Fact]
    public void Accumulating_criterion_without_observation_and_default_game_threshold_with_a_score_criterion_throw()
    {
        var model = new TinyCompetingMlp();
        var gate = model.Fc1Participation;
        var noBatches = Assert.Throws<InvalidOperationException>(() => Apply(gate, new PruneSpec(Criterion.Fisher, PruneThreshold.Effective)));
        Assert.Contains("CriterionPruner", noBatches.Message);
        Assert.Contains("'fc1'", noBatches.Message);
        var def = Assert.Throws<ArgumentException>(() => Apply(gate, new PruneSpec(Criterion.MagnitudeL1, PruneThreshold.Default)));
        Assert.Contains("PruneThreshold.Effective", def.Message);
        var wrong = Assert.Throws<ArgumentException>(() => gate.Keep(new KeepDecision(new[] { true, false })));
        Assert.Contains("fc1", wrong.Message);
    }

    [Theory]
    [InlineData(1.0, 1.0, "Sparsity = 1")]
    [InlineData(-0.1, 1.0, "Sparsity = -0.1")]
    [InlineData(0.5, 0.0, "Beta = 0")]
    [InlineData(0.5, double.PositiveInfinity, "Beta = Infinity")]
    [InlineData(0.5, double.NaN, "Beta = NaN")]
    public void Invalid_prune_spec_values_throw_naming_the_value(double sparsity, double beta, string named)
    {
        var spec = new PruneSpec(Criterion.Taylor, PruneThreshold.Effective, sparsity, beta);
        Assert.Single(spec.Validate());
        var ex = Assert.Throws<ArgumentException>(() => spec.EnsureValid("fc1"));
        Assert.Contains(named, ex.Message);
        Assert.Contains("'fc1'", ex.Message);
        Assert.Contains("[Prune]", ex.Message);
        var model = new TinyCompetingMlp();
        Assert.Throws<ArgumentException>(() => Apply(model.Fc1Participation, spec with { Criterion = Criterion.Gate }));
        Assert.Empty(new PruneSpec(Criterion.Gate, PruneThreshold.TargetSparsity, 0.0, 0.5).Validate());
    }
}
