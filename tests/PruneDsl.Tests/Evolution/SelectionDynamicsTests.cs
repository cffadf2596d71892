using System;
using System.Linq;
using PruneDsl.Evolution;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Evolution;

public class SelectionDynamicsTests
{
    private static Tensor Vec(params double[] values) => tensor(values, dtype: ScalarType.Float64);

    private static double[] Values(Tensor t) => t.data<double>().ToArray();

    private static void AssertClose(double[] expected, Tensor actual, double tolerance = 1e-12)
    {
        var values = Values(actual);
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], tolerance);
    }

    [Fact]
    public void Replicator_step_matches_the_hand_computed_euler_step()
    {
        // m = (0.5, 1.5, 1) (mean 1), f = (1, 0, 2), lr = 0.1: f_bar = (0.5 + 0 + 2) / 3 = 5/6, and
        // m_i (1 + 0.1 (f_i - 5/6)) = (0.5 * 61/60, 1.5 * 55/60, 67/60) = (0.508333.., 1.375, 1.116666..), which still sums to 3.
        var mass = Vec(0.5, 1.5, 1.0);
        using var mean = Replicator.MeanFitness(mass, Vec(1, 0, 2));
        Assert.Equal(5.0 / 6.0, mean.item<double>(), 14);

        new Replicator().Update(mass, Vec(1, 0, 2), 0.1);

        AssertClose(new[] { 0.5 * 61 / 60, 1.375, 67.0 / 60 }, mass);
        Assert.Equal(3.0, mass.sum().item<double>(), 12);
    }

    [Fact]
    public void Exponential_weights_step_matches_the_hand_computed_update()
    {
        // w = m exp(0.1 f) = (0.5 e^0.1, 1.5, e^0.2); m' = 3 w / sum(w).
        var mass = Vec(0.5, 1.5, 1.0);
        new ExponentialWeights().Update(mass, Vec(1, 0, 2), 0.1);
        AssertClose(new[] { 0.5063415831509143, 1.37447043222754, 1.1191879846215456 }, mass);
    }

    [Theory]
    [InlineData(Dynamics.Replicator)]
    [InlineData(Dynamics.ExponentialWeights)]
    public void Equal_fitness_is_a_fixed_point(Dynamics kind)
    {
        var dynamic = SelectionDynamicFactory.Create(kind);
        var start = new[] { 0.2, 1.7, 0.6, 1.5 };
        var mass = Vec(start);
        dynamic.Update(mass, Vec(0.37, 0.37, 0.37, 0.37), 3.0);
        AssertClose(start, mass);
        dynamic.Update(mass, Vec(-2, -2, -2, -2), 0.5);
        AssertClose(start, mass);
    }

    [Theory]
    [InlineData(Dynamics.Replicator)]
    [InlineData(Dynamics.ExponentialWeights)]
    public void Masses_stay_non_negative_with_mean_one_and_fitter_populations_grow_relative_to_the_rest(Dynamics kind)
    {
        var dynamic = SelectionDynamicFactory.Create(kind);
        var generator = new Generator(7);
        for (var trial = 0; trial < 20; trial++)
        {
            var mass = rand(16, dtype: ScalarType.Float64, generator: generator).add_(0.1);
            MassNormalization.RescaleToMeanOne(mass);
            var before = Values(mass);
            var fitness = randn(16, dtype: ScalarType.Float64, generator: generator);
            var f = Values(fitness);
            dynamic.Update(mass, fitness, 0.05);
            var after = Values(mass);

            Assert.Equal(1.0, after.Average(), 12);
            Assert.All(after, m => Assert.True(m > 0));
            // The growth factor m'_i / m_i is increasing in f_i: a fitter population gains relative to a less fit one.
            var order = Enumerable.Range(0, 16).OrderBy(i => f[i]).ToArray();
            for (var k = 1; k < order.Length; k++)
                Assert.True(after[order[k]] / before[order[k]] > after[order[k - 1]] / before[order[k - 1]],
                    $"trial {trial}: growth of f = {f[order[k]]} is not above growth of f = {f[order[k - 1]]}");
            // Above-mean fitness grows in absolute terms, below-mean shrinks (replicator: f_bar is the mass-weighted mean;
            // exponential weights: the same to first order in lr, and exactly for the extremes).
            var top = order[^1];
            var bottom = order[0];
            Assert.True(after[top] > before[top]);
            Assert.True(after[bottom] < before[bottom]);
        }
    }

    [Fact]
    public void Replicator_clamps_to_extinction_and_extinction_is_absorbing()
    {
        // f_bar = 5, growth (1 + (0 - 5), 1 + (10 - 5)) = (-4 -> 0, 6): the first population dies; rescaled to mean 1.
        var mass = Vec(1, 1);
        var replicator = new Replicator();
        replicator.Update(mass, Vec(0, 10), 1.0);
        AssertClose(new[] { 0.0, 2.0 }, mass);
        replicator.Update(mass, Vec(100, 0), 1.0);
        AssertClose(new[] { 0.0, 2.0 }, mass);
    }

    [Fact]
    public void Exponential_weights_keep_zero_masses_at_zero_ignore_fitness_shifts_and_do_not_overflow()
    {
        var ew = new ExponentialWeights();
        var mass = Vec(0, 1.5, 1.5);
        ew.Update(mass, Vec(1e6, 0, 0), 1.0);
        AssertClose(new[] { 0.0, 1.5, 1.5 }, mass);

        var a = Vec(0.5, 1.0, 1.5);
        var b = a.clone();
        ew.Update(a, Vec(0.3, -1.2, 2.0), 0.7);
        ew.Update(b, Vec(100.3, 98.8, 102.0), 0.7);
        AssertClose(Values(a), b, 1e-12);

        var huge = Vec(1, 1);
        ew.Update(huge, Vec(1000, 0), 1.0);
        AssertClose(new[] { 2.0, 0.0 }, huge);
    }

    [Fact]
    public void Both_dynamics_agree_to_first_order_in_the_step_size()
    {
        var fitness = Vec(0.4, -0.3, 1.1, 0.0);
        double Gap(double lr)
        {
            var r = Vec(0.5, 1.0, 1.2, 1.3);
            var e = r.clone();
            new Replicator().Update(r, fitness, lr);
            new ExponentialWeights().Update(e, fitness, lr);
            return (r - e).abs().max().item<double>();
        }
        var coarse = Gap(1e-2);
        var fine = Gap(1e-3);
        Assert.True(coarse > 0);
        // O(lr^2): a ten times smaller step makes the gap about a hundred times smaller.
        Assert.InRange(coarse / fine, 80, 120);
    }

    [Fact]
    public void Factory_maps_every_dynamic_and_names_the_fix_for_an_unknown_one()
    {
        Assert.IsType<Replicator>(SelectionDynamicFactory.Create(Dynamics.Replicator));
        Assert.IsType<ExponentialWeights>(SelectionDynamicFactory.Create(Dynamics.ExponentialWeights));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SelectionDynamicFactory.Create((Dynamics)42));
        Assert.Contains("ISelectionDynamic", error.Message);
    }

    [Fact]
    public void Mismatched_shapes_and_bad_step_sizes_are_rejected()
    {
        var replicator = new Replicator();
        Assert.Throws<ArgumentException>(() => replicator.Update(Vec(1, 1), Vec(1, 2, 3), 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => replicator.Update(Vec(1, 1), Vec(1, 2), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialWeights().Update(Vec(1, 1), Vec(1, 2), double.PositiveInfinity));
        var error = Assert.Throws<InvalidOperationException>(() => MassNormalization.RescaleToMeanOne(Vec(0, 0)));
        Assert.Contains("LearningRate", error.Message);
    }
}
