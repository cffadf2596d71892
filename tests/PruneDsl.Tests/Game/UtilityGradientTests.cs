using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

public class UtilityGradientTests
{
    /// <summary>
    /// The generated utility gradient equals an independent computation of Eq. 13: the benefit inner product from the
    /// raw weights' gradients, plus autograd of the cost terms of Eq. 10 with respect to s.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Generated_gradient_matches_autograd_of_the_cost_plus_benefit(int seed)
    {
        manual_seed(seed);
        var model = new TinyCompetingMlp();
        using (no_grad())
        {
            foreach (var layer in model.ParticipationLayers)
                layer.Participation.copy_(rand(layer.Count) * 0.9 + 0.05);
        }
        var x = randn(16, 12);
        var y = randint(0, 3, 16);
        nn.functional.cross_entropy(model.call(x), y).backward();

        foreach (var (layer, linear) in model.ParticipationLayers.Zip(new[] { model.Fc1, model.Fc2 }))
        {
            var generated = layer.UtilityGradient().to(float64);
            var cost = layer.Cost;

            // Independent: theta_i = [W_i, b_i]; inner_i = <dL/dtheta_i, theta_i> from the raw gradients.
            var w = linear.weight!.detach().to(float64);
            var b = linear.bias!.detach().to(float64);
            var theta = cat(new[] { w, b.unsqueeze(1) }, 1);
            var grad = cat(new[] { linear.weight!.grad!.to(float64), linear.bias!.grad!.to(float64).unsqueeze(1) }, 1);
            var inner = (grad * theta).sum(1);
            var benefit = cost.Benefit switch
            {
                BenefitSign.Literal => inner,
                BenefitSign.LossAligned => -inner,
                _ => inner.abs(),
            };

            // Cost of Eq. 10 summed over i, differentiated with respect to each s_i by autograd. The competition term of
            // player i is eta s_i sum_{j != i} s_j <theta_i, theta_j>; player i's gradient holds the others fixed, so
            // differentiate C_i(s_i; s_-i) for each i separately through a copy of s whose other entries are detached.
            var s = layer.Participation.detach().to(float64);
            var gram = theta.mm(theta.t());
            var n = (int)s.shape[0];
            var costGradient = zeros(n, dtype: float64);
            for (var i = 0; i < n; i++)
            {
                var si = s[i].clone().requires_grad_(true);
                var others = s.clone();
                var ci = cost.Beta * gram[i, i] * si.square() + cost.Gamma * si.abs()
                    + cost.Eta * si * ((gram[i] * others).sum() - gram[i, i] * others[i]);
                ci.backward();
                costGradient[i] = si.grad!;
            }
            var expected = cost.Alpha * benefit - costGradient;

            var maxDiff = (generated - expected).abs().max().item<double>();
            Assert.True(maxDiff < 1e-6, $"{layer.Name}: max |generated - independent| = {maxDiff}");
        }
    }

    [Fact]
    public void Step_is_projected_onto_the_unit_interval()
    {
        var s = tensor(new[] { 0.0f, 0.5f, 1.0f, 0.999f });
        GameEquations.ProjectedAscent(s, tensor(new[] { -10f, 0.2f, 10f, 0.5f }), 0.01);
        Assert.Equal(new[] { 0f, 0.502f, 1f, 1f }, s.data<float>().ToArray().Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void Best_response_is_eq14_clipped_and_linear_without_curvature()
    {
        var cost = new CostSpec(Alpha: 2, Beta: 0.5, Gamma: 0.1, Eta: 0, LearningRate: 0.01, Epsilon: 0.01, Benefit: BenefitSign.Literal);
        var benefit = tensor(new[] { 0.3, 0.0, 10.0 });
        var norm = tensor(new[] { 1.0, 1.0, 1.0 });
        // (2*0.3 - 0.1) / (2*0.5*1) = 0.5; (0 - 0.1) -> 0; (20 - 0.1) -> clipped to 1
        Assert.Equal(new[] { 0.5, 0.0, 1.0 }, GameEquations.BestResponse(benefit, norm, null, cost).data<double>().ToArray());

        var linear = cost with { Beta = 0 };
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, GameEquations.BestResponse(benefit, norm, null, linear).data<double>().ToArray());
    }

    [Fact]
    public void Best_response_maximises_the_utility_on_a_grid()
    {
        manual_seed(3);
        var cost = new CostSpec(Alpha: 1, Beta: 0.3, Gamma: 0.05, Eta: 0.2, LearningRate: 0.01, Epsilon: 0.01);
        var benefit = randn(50, dtype: float64);
        var norm = rand(50, dtype: float64) + 0.1;
        var competition = randn(50, dtype: float64) * 0.3;
        var best = GameEquations.BestResponse(benefit, norm, competition, cost);
        var atBest = GameEquations.Utility(best, benefit, norm, competition, cost);
        for (var k = 0; k <= 100; k++)
        {
            var x = full(50, k / 100.0, dtype: float64);
            var u = GameEquations.Utility(x, benefit, norm, competition, cost);
            Assert.True((atBest - u).min().item<double>() > -1e-12, $"grid point {k / 100.0} beats the best response");
        }
    }

    [Fact]
    public void Competition_term_equals_the_explicit_sum_over_other_groups()
    {
        manual_seed(5);
        var groups = randn(6, 4, dtype: float64);
        var s = rand(6, dtype: float64);
        var norm = groups.square().sum(1);
        var fast = GameEquations.Competition(groups, s, norm);
        for (var i = 0; i < 6; i++)
        {
            double expected = 0;
            for (var j = 0; j < 6; j++)
                if (j != i) expected += s[j].item<double>() * groups[i].dot(groups[j]).item<double>();
            Assert.Equal(expected, fast[i].item<double>(), 10);
        }
    }
}
