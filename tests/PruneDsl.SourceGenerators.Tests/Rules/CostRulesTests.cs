using System;
using System.Linq;
using PruneDsl.Spec;
using PruneDsl.SourceGenerators.Rules;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>The pure rules of <see cref="CostRules"/>, against hand derivations and brute force.</summary>
public class CostRulesTests
{
    private static readonly CostSpec VeryHighBeta = new(Alpha: 1, Beta: 0.1, Gamma: 0, LearningRate: 0.001);
    private static readonly CostSpec L1Strong = new(Alpha: 1, Beta: 0.001, Gamma: 0.1, LearningRate: 0.001);
    private static readonly double Fc1 = CostRules.ExpectedInitNormSquared(784);

    [Theory]
    [InlineData(784, true, 785.0 / 2352.0)]
    [InlineData(784, false, 1.0 / 3.0)]
    [InlineData(512, true, 513.0 / 1536.0)]
    [InlineData(1, true, 2.0 / 3.0)]
    public void Init_norm_is_fan_in_plus_bias_over_three_fan_in(long fanIn, bool bias, double expected) =>
        Assert.Equal(expected, CostRules.ExpectedInitNormSquared(fanIn, bias), 15);

    [Fact]
    public void Init_norm_rejects_an_empty_layer()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CostRules.ExpectedInitNormSquared(0));
        Assert.Contains("fan-in", e.Message);
    }

    [Fact]
    public void Init_norm_bounds_hold_for_every_fan_in()
    {
        foreach (var fanIn in new long[] { 1, 2, 3, 10, 784, 100_000 })
        {
            var n = CostRules.ExpectedInitNormSquared(fanIn);
            Assert.InRange(n, CostRules.MinInitNormSquared, CostRules.MaxInitNormSquared);
        }
    }

    [Theory]
    [InlineData(0.999, "Stable")]
    [InlineData(1.0, "Overshoots")]
    [InlineData(1.999, "Overshoots")]
    [InlineData(2.0, "Diverges")]
    [InlineData(7.0, "Diverges")]
    public void Step_ratio_classes(double ratio, string expected) => Assert.Equal(expected, CostRules.ClassifyStep(ratio).ToString());

    [Fact]
    public void Step_ratio_and_its_stable_limit_agree()
    {
        var spec = new CostSpec(Beta: 1000, LearningRate: 0.002);
        Assert.Equal(0.002 * 2 * 1000 * Fc1, CostRules.StepRatio(spec, Fc1), 12);
        var limit = CostRules.StableLearningRateLimit(spec, Fc1);
        Assert.Equal(1.0, CostRules.StepRatio(spec with { LearningRate = limit }, Fc1), 12);
        Assert.Equal(double.PositiveInfinity, CostRules.StableLearningRateLimit(spec with { Beta = 0 }, Fc1));
    }

    [Theory]
    [InlineData(0.001, 0.1, 0.0, 9380)]
    [InlineData(0.001, 0.5, 0.0, 9380)]
    [InlineData(0.001, 0.001, 0.1, 9380)]
    [InlineData(0.001, 0.05, 0.05, 9380)]
    [InlineData(0.001, 0.0, 0.05, 9380)]
    [InlineData(0.01, 20.0, 0.5, 300)]
    [InlineData(1.0, 2.0, 0.0, 5)]
    public void Zero_benefit_closed_form_matches_the_recurrence(double lr, double beta, double gamma, long updates)
    {
        var spec = new CostSpec(Beta: beta, Gamma: gamma, LearningRate: lr);
        var s = 1.0;
        for (var t = 0; t < updates; t++)
            s = Math.Clamp(s + lr * (-2 * beta * Fc1 * s - gamma * Math.Sign(s)), 0, 1);
        Assert.Equal(s, CostRules.ZeroBenefitParticipation(spec, Fc1, updates), 9);
    }

    [Fact]
    public void Paper_rows_end_where_the_messages_say()
    {
        Assert.Equal(0.5346, CostRules.ZeroBenefitParticipation(VeryHighBeta, Fc1, 9380), 4);
        Assert.Equal(0.05869, CostRules.ZeroBenefitParticipation(L1Strong, Fc1, 9380), 5);
        Assert.Equal(0.938, CostRules.L1Budget(L1Strong, 9380), 12);
        var pruning = CostRules.AssessPruning(VeryHighBeta, Fc1, 9380);
        Assert.Equal(0.6261, pruning.L2Pull, 4);
        Assert.Equal(2 * 0.1 * Fc1, pruning.Pull, 12);
        // Weights held: the L2 term alone reaches 0 at half a time constant, 1 / (2 r) updates.
        Assert.Equal((1 - 0.01 * 0.01) / (2 * 0.001 * 2 * 0.1 * Fc1), pruning.UpdatesToEpsilon, 6);
    }

    /// <summary>The held-weight closed form against its differential equation ds/dt = -(g + r/s), integrated by small steps.</summary>
    [Theory]
    [InlineData(0.001, 0.1, 0.0)]
    [InlineData(0.001, 0.001, 0.1)]
    [InlineData(0.001, 0.05, 0.05)]
    [InlineData(0.001, 0.0, 0.05)]
    [InlineData(0.001, 0.5, 1e-7)]
    public void Held_weight_closed_form_matches_the_differential_equation(double lr, double beta, double gamma)
    {
        var spec = new CostSpec(Beta: beta, Gamma: gamma, LearningRate: lr);
        double g = lr * gamma, r = lr * 2 * beta * Fc1, s = 1.0, t = 0.0;
        const double dt = 0.05;
        while (s > 0.2)
        {
            // Midpoint rule on ds/dt = -(g + r/s).
            var half = s - 0.5 * dt * (g + r / s);
            s -= dt * (g + r / half);
            t += dt;
        }
        Assert.Equal(t, CostRules.HeldWeightUpdatesTo(spec, Fc1, s), 0.002 * t);
        var end = CostRules.HeldWeightParticipation(spec, Fc1, (long)Math.Round(t));
        Assert.Equal(s, end, 2);
    }

    [Fact]
    public void Large_epsilon_lets_the_L2_relaxation_alone_prune()
    {
        var mild = new CostSpec(Alpha: 1, Beta: 0.005, Gamma: 0, LearningRate: 0.001);
        Assert.Equal(PruneOutcome.CannotPrune, CostRules.AssessPruning(mild, Fc1, 9380).Outcome);
        Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(mild with { Epsilon = 0.97 }, Fc1, 9380).Outcome);
        Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(mild with { Eta = 0.001 }, Fc1, 9380).Outcome);
        Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(mild with { LearningRate = 1 }, Fc1, 9380).Outcome); // L2 pull 31
    }

    [Fact]
    public void A_pull_above_the_benefits_collapses_or_drifts()
    {
        Assert.Equal(PruneOutcome.Collapse, CostRules.AssessPruning(VeryHighBeta, Fc1, 9380).Outcome);
        var drift = CostRules.AssessPruning(L1Strong, Fc1, 9380);
        Assert.Equal(PruneOutcome.UniformDrift, drift.Outcome);
        Assert.InRange(drift.EndParticipation, 0.01, 0.05); // README: 81% of participations below 0.05, none below 0.01
        Assert.True(drift.UpdatesToEpsilon > 9380);
        // Just at the ceiling the costs still select; just above, they do not.
        var atCeiling = new CostSpec(Gamma: CostRules.BenefitCeiling, LearningRate: 1);
        Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(atCeiling, Fc1, 9380).Outcome);
        Assert.Equal(PruneOutcome.Collapse, CostRules.AssessPruning(atCeiling with { Gamma = 1.01 * CostRules.BenefitCeiling }, Fc1, 9380).Outcome);
        // Alpha scales the benefit, so it scales the ceiling.
        Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(atCeiling with { Gamma = 0.02, Alpha = 2 }, Fc1, 9380).Outcome);
    }

    [Fact]
    public void Defaults_select()
    {
        foreach (var fanIn in new long[] { 1, 12, 784, 100_000 })
            Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(CostSpec.Default, CostRules.ExpectedInitNormSquared(fanIn), TrainingSchedule.Paper.Updates).Outcome);
    }

    [Fact]
    public void Required_gamma_takes_a_useless_group_exactly_to_epsilon()
    {
        var required = CostRules.RequiredGamma(VeryHighBeta, Fc1, 9380);
        Assert.Equal(0.0752565, required, 6);
        Assert.Equal(0.01, CostRules.ZeroBenefitParticipation(VeryHighBeta with { Gamma = required }, Fc1, 9380), 9);
        Assert.Equal((1 - 0.01) / (0.001 * 9380), CostRules.RequiredGamma(VeryHighBeta with { Beta = 0 }, Fc1, 9380), 12);
        Assert.Equal(0.0, CostRules.RequiredGamma(VeryHighBeta with { Beta = 5 }, Fc1, 9380));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostRules.RequiredGamma(VeryHighBeta, Fc1, 0));
    }

    /// <summary>
    /// Gamma alone where that keeps the pull below the benefits (the defaults trained too briefly); otherwise a Gamma below
    /// them and the step size that lets it act, with Beta 0 when the L2 term alone outweighs them. Whatever the suggestion,
    /// the settings it makes select.
    /// </summary>
    [Fact]
    public void Suggestions_select_and_change_as_little_as_the_rules_allow()
    {
        Assert.Equal(new CostSuggestion(null, 0.0011, null), CostRules.SuggestSelective(CostSpec.Default, Fc1, 938));
        Assert.Equal(new CostSuggestion(0.0, 0.0007, 0.16), CostRules.SuggestSelective(VeryHighBeta, Fc1, 9380));
        var l1 = CostRules.SuggestSelective(L1Strong, Fc1, 9380);
        Assert.Null(l1.Beta); // 2 * 0.001 * ||theta||^2 = 0.00067 leaves room below the benefits
        Assert.Equal(0.0007, l1.Gamma);
        var mild = new CostSpec(Alpha: 1, Beta: 0.0001, Gamma: 0, LearningRate: 0.001);
        foreach (var (spec, updates) in new[] { (CostSpec.Default, 938L), (VeryHighBeta, 9380L), (L1Strong, 9380L), (mild, 9380L), (VeryHighBeta with { Alpha = 3 }, 200L) })
        {
            var suggested = CostRules.SuggestSelective(spec, Fc1, updates).ApplyTo(spec);
            Assert.Equal(PruneOutcome.Selective, CostRules.AssessPruning(suggested, Fc1, updates).Outcome);
            Assert.Equal(StepStability.Stable, CostRules.ClassifyStep(CostRules.StepRatio(suggested, Fc1)));
        }
    }

    [Fact]
    public void L1_budget_is_too_small_only_when_neither_term_gets_there()
    {
        Assert.True(CostRules.L1BudgetTooSmall(L1Strong, Fc1, 9380));
        Assert.False(CostRules.L1BudgetTooSmall(L1Strong, Fc1, 2 * 9380));
        Assert.False(CostRules.L1BudgetTooSmall(VeryHighBeta, Fc1, 9380)); // Gamma = 0: no L1 budget to speak of
        Assert.False(CostRules.L1BudgetTooSmall(new CostSpec(Beta: 0.5, Gamma: 0.01, LearningRate: 0.001), Fc1, 9380 * 2)); // the L2 term suffices
    }

    [Fact]
    public void Competition_uniqueness_and_cost()
    {
        var unique = CostRules.AssessCompetition(new CostSpec(Beta: 0.05, Eta: 0.099), 512, 785);
        Assert.True(unique.UniqueEquilibriumGuaranteed);
        Assert.Equal(2L * 512 * 785, unique.MultiplyAddsPerUpdate);
        var q = 512.0 / 785.0;
        Assert.Equal(0.1 / (2 * Math.Sqrt(q) - q), unique.InitEtaLimit, 12);
        Assert.False(unique.GramSingular);

        var tied = CostRules.AssessCompetition(new CostSpec(Beta: 0.05, Eta: 0.1), 512, 785);
        Assert.False(tied.UniqueEquilibriumGuaranteed);
        var singular = CostRules.AssessCompetition(new CostSpec(Beta: 0.05, Eta: 0.2), 512, 101);
        Assert.True(singular.GramSingular);
        Assert.Equal(0.1, singular.InitEtaLimit, 12);
        Assert.True(CostRules.AssessCompetition(new CostSpec(Beta: 0, Eta: 0), 4, 4).UniqueEquilibriumGuaranteed);
    }

    /// <summary>
    /// The derivation behind PD0015, numerically: the negative Hessian of the potential, (2 Beta - Eta) D + Eta G, is positive
    /// definite for Eta &lt; 2 Beta whatever the weights; with TorchSharp's init it stays so up to about the Marchenko-Pastur
    /// limit and not beyond; with more groups than width it is not for any Eta &gt; 2 Beta.
    /// </summary>
    [Fact]
    public void Potential_curvature_matches_the_rule_on_random_init_weights()
    {
        const double beta = 0.05;
        var random = new Random(12345);
        double[,] Init(int n, int fanIn)
        {
            var bound = 1 / Math.Sqrt(fanIn);
            var theta = new double[n, fanIn + 1];
            for (var i = 0; i < n; i++)
                for (var j = 0; j <= fanIn; j++)
                    theta[i, j] = (2 * random.NextDouble() - 1) * bound;
            return theta;
        }

        var tall = Init(150, 374); // N = 150, d = 375: q = 0.4
        var limit = CostRules.AssessCompetition(new CostSpec(Beta: beta, Eta: 1), 150, 375).InitEtaLimit;
        Assert.True(IsPositiveDefinite(Curvature(tall, beta, 1.99 * beta)));
        Assert.True(IsPositiveDefinite(Curvature(tall, beta, 0.85 * limit)));
        Assert.False(IsPositiveDefinite(Curvature(tall, beta, 1.15 * limit)));

        var wide = Init(120, 59); // N = 120 > d = 60
        Assert.True(IsPositiveDefinite(Curvature(wide, beta, 1.99 * beta)));
        Assert.False(IsPositiveDefinite(Curvature(wide, beta, 2.01 * beta)));
    }

    private static double[,] Curvature(double[,] theta, double beta, double eta)
    {
        int n = theta.GetLength(0), d = theta.GetLength(1);
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                var g = 0.0;
                for (var k = 0; k < d; k++) g += theta[i, k] * theta[j, k];
                m[i, j] = m[j, i] = i == j ? (2 * beta - eta) * g + eta * g : eta * g;
            }
        return m;
    }

    private static bool IsPositiveDefinite(double[,] a)
    {
        var n = a.GetLength(0);
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                if (i == j)
                {
                    if (sum <= 1e-12) return false;
                    l[i, i] = Math.Sqrt(sum);
                }
                else l[i, j] = sum / l[j, j];
            }
        return true;
    }

    [Fact]
    public void Training_schedule_counts_updates_and_validates()
    {
        Assert.Equal(9380, TrainingSchedule.Paper.Updates);
        Assert.Equal((long)int.MaxValue * int.MaxValue, new TrainingSchedule(int.MaxValue, int.MaxValue).Updates);
        Assert.Empty(TrainingSchedule.Paper.Validate());
        var problems = new TrainingSchedule(0, -3).Validate();
        Assert.Equal(new[] { "Epochs = 0 must be at least 1", "StepsPerEpoch = -3 must be at least 1" }, problems.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData(0.0752565, 0.076)]
    [InlineData(0.1, 0.1)]
    [InlineData(0.1052069, 0.11)]
    [InlineData(0.0995, 0.1)]
    [InlineData(1.2345e-5, 1.3e-5)]
    [InlineData(123.4, 130)]
    [InlineData(0.0, 0.0)]
    public void Round_up_to_two_significant_digits(double value, double expected) =>
        Assert.Equal(expected, CostRules.RoundUpSignificant(value, 2));
}
