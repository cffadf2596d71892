using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Spec;
using PruneDsl.Training;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

public class UtilityGradientTests
{
    /// <summary>
    /// The utility gradient equals autograd of the whole utility with respect to s, at random s in (0, 1), in float64:
    /// the loss through the gates by autograd (an independent forward pass with s as leaves that require grad gives
    /// dL/ds_i), read as the documented benefit (<see cref="BenefitSign"/>: b_i = -s_i dL/ds_i, s_i dL/ds_i or
    /// |s_i dL/ds_i|, the raw-weight signal the game uses), plus autograd of each player's own cost of Eq. 10 with the
    /// others held fixed; for all three readings, with competition on and off, to 1e-6 relative.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Utility_gradient_matches_autograd_of_the_loss_through_the_gate_plus_the_costs(int seed)
    {
        manual_seed(seed);
        var model = new TinyCompetingMlp64();
        var layers = new[] { model.Fc1Participation, model.Fc2Participation };
        var linears = new[] { model.Fc1, model.Fc2 };
        // The attributes as generated: fc1 competes, fc2 overrides Eta and the reading.
        Assert.Equal((0.011, BenefitSign.LossAligned), (layers[0].Cost.Eta, layers[0].Cost.Benefit));
        Assert.Equal((0.0, BenefitSign.Literal), (layers[1].Cost.Eta, layers[1].Cost.Benefit));
        using (no_grad())
        {
            foreach (var layer in layers)
                layer.Participation.copy_(rand(layer.Count, dtype: float64) * 0.9 + 0.05);
        }
        var x = randn(16, 12, dtype: float64);
        var y = randint(0, 3, 16);

        // Independent: the same network written out, each s a leaf, dL/ds by autograd.
        var s = layers.Select(l => l.Participation.detach().clone().requires_grad_(true)).ToArray();
        Tensor Dense(Linear l, Tensor input) => nn.functional.linear(input, l.weight!.detach(), l.bias!.detach());
        var h1 = nn.functional.relu(Dense(model.Fc1, x) * s[0]);
        var h2 = nn.functional.relu(Dense(model.Fc2, h1) * s[1]);
        var logits = Dense(model.Head, h2);
        Assert.True(logits.allclose(Evaluation.Outputs(model, x), rtol: 0, atol: 1e-12), "the independent forward is not the model's");
        nn.functional.cross_entropy(logits, y).backward();
        var marginal = s.Select(t => t.grad!.detach().clone()).ToArray();

        // The library: one backward pass through the model; the gradient is read for every setting of the costs.
        model.zero_grad();
        nn.functional.cross_entropy(model.call(x), y).backward();

        foreach (var sign in new[] { BenefitSign.LossAligned, BenefitSign.Literal, BenefitSign.Magnitude })
        foreach (var eta in new[] { 0.0, 0.011 })
        for (var k = 0; k < layers.Length; k++)
        {
            var layer = layers[k];
            layer.Cost = layer.Cost with { Benefit = sign, Eta = eta };
            var cost = layer.Cost;
            var generated = layer.UtilityGradient();

            var si = layer.Participation.detach();
            Assert.True(marginal[k].abs().max().item<double>() > 1e-4, $"{layer.Name}: dL/ds is too small for the test to mean anything");
            var signal = si * marginal[k];
            var benefit = sign switch
            {
                BenefitSign.Literal => signal,
                BenefitSign.LossAligned => -signal,
                _ => signal.abs(),
            };
            var expected = cost.Alpha * benefit - OwnCostGradient(linears[k], si, cost);

            var scale = expected.abs().max().item<double>();
            var maxDiff = (generated - expected).abs().max().item<double>();
            Assert.True(maxDiff <= 1e-6 * scale, $"{layer.Name}, {sign}, eta {eta}: max |generated - autograd| = {maxDiff} (scale {scale})");
        }
    }

    /// <summary>
    /// dC_i/ds_i of Eq. 10 for every player by autograd: C_i = beta ||theta_i||^2 s_i^2 + gamma |s_i| +
    /// eta s_i sum_{j != i} s_j &lt;theta_i, theta_j&gt;, differentiated in s_i with the others' participations held fixed.
    /// </summary>
    private static Tensor OwnCostGradient(Linear linear, Tensor s, CostSpec cost)
    {
        var theta = cat(new[] { linear.weight!.detach(), linear.bias!.detach().unsqueeze(1) }, 1);
        var gram = theta.mm(theta.t());
        var n = (int)s.shape[0];
        var gradient = zeros(n, dtype: float64);
        for (var i = 0; i < n; i++)
        {
            var own = s[i].clone().requires_grad_(true);
            var others = s.clone();
            var ci = cost.Beta * gram[i, i] * own.square() + cost.Gamma * own.abs()
                + cost.Eta * own * ((gram[i] * others).sum() - gram[i, i] * others[i]);
            ci.backward();
            gradient[i] = own.grad!;
        }
        return gradient;
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
