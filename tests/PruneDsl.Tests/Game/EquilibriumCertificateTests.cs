using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Game;

public class EquilibriumCertificateTests
{
    private const int Batch = 32;
    private const int Outputs = 2;

    /// <summary>
    /// A neuron the loss needs, pruned: the target is the network's own output with every participation at 1, then neuron 1
    /// of fc1 is set to 0. With out = H a(diag(s) h) + c, a the identity or a ReLU, and the mean squared error over B
    /// examples and O outputs, f - target = -H_:1 a(h_1), so the right-derivative at s_1 = 0 is
    /// dL/ds_1 = -(2 / (B O)) ||H_:1||^2 sum_b a(h_b1)^2 &lt; 0 (with a ReLU, a(h) h = a(h)^2).
    /// </summary>
    private static (GatedLinearReadout Model, Tensor X, Tensor Target, double Marginal) PrunedNeuron(int seed, bool needed, bool relu = false)
    {
        manual_seed(seed);
        var model = new GatedLinearReadout(relu);
        var x = randn(Batch, 4, dtype: float64);
        using (no_grad())
        {
            if (!needed) model.Head.weight![TensorIndex.Colon, 1].zero_();
        }
        var target = Evaluation.Outputs(model, x);
        using (no_grad()) model.Fc1Participation.Participation[1] = 0.0;
        using var _ = no_grad();
        var h1 = nn.functional.linear(x, model.Fc1.weight!, model.Fc1.bias!)[TensorIndex.Colon, 1];
        if (relu) h1 = nn.functional.relu(h1);
        var head1 = model.Head.weight![TensorIndex.Colon, 1];
        var marginal = -(2.0 / (Batch * Outputs)) * head1.square().sum().item<double>() * h1.square().sum().item<double>();
        return (model, x, target, marginal);
    }

    private static EquilibriumCertificate Certify(GatedLinearReadout model, Tensor x, Tensor target) =>
        EquilibriumCertificate.Measure(model, () => nn.functional.mse_loss(model.call(x), target).backward());

    [Theory]
    [InlineData(BenefitSign.LossAligned, 0.5, 1)] // benefit -dL/ds_1 > gamma: re-enters
    [InlineData(BenefitSign.Magnitude, 0.5, 1)]   // |dL/ds_1| > gamma: re-enters
    [InlineData(BenefitSign.LossAligned, 2.0, 0)] // gamma above the benefit: stays out
    [InlineData(BenefitSign.Literal, 0.5, 0)]     // the literal reading prices the needed neuron negatively
    public void A_pruned_neuron_the_loss_needs_is_counted_when_its_slope_at_zero_is_positive(BenefitSign sign, double gammaOverMarginal, int expected)
    {
        var (model, x, target, marginal) = PrunedNeuron(3, needed: true);
        Assert.True(marginal < -1e-3, $"the setup should make the neuron needed; dL/ds_1 = {marginal}");
        var layer = model.Fc1Participation;
        layer.Cost = layer.Cost with { Benefit = sign, Gamma = gammaOverMarginal * Math.Abs(marginal) };
        var benefit = sign switch { BenefitSign.Literal => marginal, BenefitSign.LossAligned => -marginal, _ => Math.Abs(marginal) };
        var slope = layer.Cost.Alpha * benefit - layer.Cost.Gamma;

        // The game's own signal s_1 dL/ds_1 is exactly 0 there: without the true marginal the neuron looks settled.
        nn.functional.mse_loss(model.call(x), target).backward();
        Assert.Equal(0.0, layer.GroupInner()[1].item<double>());
        model.zero_grad();

        var line = Certify(model, x, target).Layers.Single();

        Assert.Equal(1, line.PrunedGroups);
        Assert.Equal(expected, line.PrunedThatWouldReenter);
        Assert.Equal(slope, line.MaxReentrySlope, 1e-9 * Math.Abs(slope));
        // beta = 0: the utility is linear, the best response of a re-entering group is 1 and its gain the slope.
        Assert.Equal(expected == 1 ? slope : 0.0, line.MaxReentryGain, 1e-9 * Math.Abs(slope));
    }

    [Fact]
    public void A_pruned_neuron_before_a_relu_is_seen_through_the_right_derivative()
    {
        // At s_1 = 0 exactly the ReLU's input is 0, where autograd's derivative is 0: the certificate must still see the
        // neuron's effect for s_1 > 0.
        var (model, x, target, marginal) = PrunedNeuron(3, needed: true, relu: true);
        Assert.True(marginal < -1e-3, $"the setup should make the neuron needed; dL/ds_1 = {marginal}");
        var layer = model.Fc1Participation;
        layer.Cost = layer.Cost with { Gamma = 0.5 * Math.Abs(marginal) };

        var line = Certify(model, x, target).Layers.Single();

        Assert.Equal(1, line.PrunedThatWouldReenter);
        Assert.Equal(-marginal - layer.Cost.Gamma, line.MaxReentrySlope, 1e-9 * Math.Abs(marginal));
    }

    [Fact]
    public void The_competition_term_enters_the_slope_at_zero()
    {
        var (model, x, target, marginal) = PrunedNeuron(5, needed: true);
        var layer = model.Fc1Participation;
        layer.Cost = layer.Cost with { Eta = 0.3, Gamma = 0.2 * Math.Abs(marginal) };
        using var groups = layer.GroupMatrix();
        var s = layer.Participation;
        double competition = 0;
        for (var j = 0; j < layer.Count; j++)
            if (j != 1) competition += s[j].item<double>() * groups[1].dot(groups[j]).item<double>();
        var slope = -marginal - layer.Cost.Gamma - 0.3 * competition;

        var line = Certify(model, x, target).Layers.Single();

        Assert.Equal(slope, line.MaxReentrySlope, 1e-9 * Math.Max(Math.Abs(slope), 1e-6));
        Assert.Equal(slope > 0 ? 1 : 0, line.PrunedThatWouldReenter);
    }

    [Theory]
    [InlineData(BenefitSign.LossAligned)]
    [InlineData(BenefitSign.Literal)]
    [InlineData(BenefitSign.Magnitude)]
    public void A_pruned_neuron_the_loss_does_not_need_is_not_counted(BenefitSign sign)
    {
        // Its read-out column is 0: the loss does not depend on it, dL/ds_1 = 0, and the slope at 0 is -gamma.
        var (model, x, target, marginal) = PrunedNeuron(3, needed: false);
        Assert.Equal(0.0, marginal);
        var layer = model.Fc1Participation;
        layer.Cost = layer.Cost with { Benefit = sign };

        var certificate = Certify(model, x, target);

        var line = certificate.Layers.Single();
        Assert.Equal((1, 0), (line.PrunedGroups, line.PrunedThatWouldReenter));
        Assert.Equal(-layer.Cost.Gamma, line.MaxReentrySlope, 1e-15);
        Assert.Equal(0.0, line.MaxReentryGain);
        Assert.Equal((1, 0, 0.0), (certificate.PrunedGroups, certificate.PrunedThatWouldReenter, certificate.MaxReentryGain));
    }

    [Fact]
    public void Without_pruned_groups_the_slope_is_not_a_number_and_nothing_re_enters()
    {
        manual_seed(2);
        var model = new GatedLinearReadout();
        var x = randn(Batch, 4, dtype: float64);
        var line = Certify(model, x, zeros(Batch, Outputs, dtype: float64)).Layers.Single();
        Assert.Equal((0, 0), (line.PrunedGroups, line.PrunedThatWouldReenter));
        Assert.True(double.IsNaN(line.MaxReentrySlope));
    }

    [Fact]
    public void Passes_without_a_backward_pass_are_reported_and_the_gate_is_restored()
    {
        var (model, x, target, _) = PrunedNeuron(3, needed: true);
        var error = Assert.Throws<InvalidOperationException>(() => EquilibriumCertificate.Measure(model, () => model.call(x).Dispose()));
        Assert.Contains("'fc1'", error.Message);
        Assert.Contains("backward()", error.Message);

        // The measurement ended: a second one runs, and the gated outputs are those of the participations again.
        Assert.Equal(1, Certify(model, x, target).PrunedGroups);
        using var gated = Evaluation.Outputs(model, x);
        using (no_grad())
        {
            model.Fc1.weight![1].zero_();
            model.Fc1.bias![1].zero_();
            model.Fc1Participation.Participation[1] = 1.0;
        }
        using var zeroed = Evaluation.Outputs(model, x);
        Assert.True(gated.allclose(zeroed, rtol: 0, atol: 1e-12));
    }
}
