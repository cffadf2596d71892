using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>The settings record behind <c>[Reconstruct]</c>: defaults, the one Validate() rule, and the runtime's use of it.</summary>
public sealed class ReconstructionSpecTests
{
    [Fact]
    public void Defaults_are_valid_and_the_attribute_starts_from_them()
    {
        Assert.Empty(ReconstructionSpec.Default.Validate());
        Assert.Empty(ReconstructionSpec.Default.Validate(784));
        var attribute = new ReconstructAttribute();
        var fromAttribute = new ReconstructionSpec(attribute.Method, attribute.Sparsity, null, attribute.BlockSize, attribute.Dampening,
            attribute.CalibrationBatches, attribute.Bits, attribute.GroupSize);
        Assert.Equal(ReconstructionSpec.Default, fromAttribute);
        Assert.Equal((ReconstructionMethod.SparseGpt, 0.5, 128, 0.01, 8, 0, 0),
            (fromAttribute.Method, fromAttribute.Sparsity, fromAttribute.BlockSize, fromAttribute.Dampening, fromAttribute.CalibrationBatches, fromAttribute.Bits, fromAttribute.GroupSize));
    }

    public static TheoryData<ReconstructionSpec, string, string> Invalid() => new()
    {
        { new ReconstructionSpec(Sparsity: 1.0), "Sparsity", "[0, 1)" },
        { new ReconstructionSpec(Sparsity: -0.1), "Sparsity", "[0, 1)" },
        { new ReconstructionSpec(Sparsity: double.NaN), "Sparsity", "[0, 1)" },
        { new ReconstructionSpec(BlockSize: 0), "BlockSize", "at least 1" },
        { new ReconstructionSpec(Pattern: "2:4", BlockSize: 130), "BlockSize", "multiple of M = 4" },
        { new ReconstructionSpec(Pattern: "4:2"), "Pattern", "N must be smaller than M" },
        { new ReconstructionSpec(Dampening: 0), "Dampening", "greater than 0" },
        { new ReconstructionSpec(Dampening: double.PositiveInfinity), "Dampening", "finite" },
        { new ReconstructionSpec(CalibrationBatches: 0), "CalibrationBatches", "at least 1" },
        { new ReconstructionSpec(Bits: 3), "Bits", "0 (not quantized), 4 or 8" },
        { new ReconstructionSpec(Bits: 4, GroupSize: -1), "GroupSize", "0 (one scale per output channel)" },
        { new ReconstructionSpec(GroupSize: 16), "GroupSize", "needs Bits = 4 or 8" },
        { new ReconstructionSpec(Bits: 4, GroupSize: 48), "GroupSize", "divide BlockSize = 128 or be a multiple of it" },
        { new ReconstructionSpec((ReconstructionMethod)7), "Method", "not a defined ReconstructionMethod" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_invalid_value_is_one_problem_that_names_the_property_and_the_rule(ReconstructionSpec spec, string property, string rule)
    {
        var problem = Assert.Single(spec.Validate());
        Assert.Equal(property, problem.Property);
        Assert.Contains(rule, problem.Requirement);
        var e = Assert.Throws<ArgumentException>(() => spec.EnsureValid("fc1"));
        Assert.Contains("'fc1'", e.Message);
        Assert.Contains(property, e.Message);
        Assert.Contains("[Reconstruct]", e.Message);
    }

    [Fact]
    public void The_layer_width_checks_need_M_and_the_group_size_to_divide_it()
    {
        Assert.Empty(new ReconstructionSpec(Pattern: "2:4", Bits: 4, GroupSize: 16).Validate(784));
        var problems = new ReconstructionSpec(Pattern: "2:8", Bits: 4, GroupSize: 32).Validate(100);
        Assert.Equal(new[] { "Pattern", "GroupSize" }, problems.Select(p => p.Property));
        Assert.Contains("multiple of M = 8", problems[0].Requirement);
        Assert.Contains("input width 100", problems[1].Requirement);
    }

    [Fact]
    public void The_runtime_validates_with_the_same_rule_before_it_changes_anything()
    {
        using var p = new LayerProblem(rows: 4, columns: 16, n: 40, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => SparseGpt.PruneLayer(p.Weight, p.Hessian, new ReconstructionSpec(Bits: 5, Dampening: -1), "fc3"));
        Assert.Contains("'fc3'", e.Message);
        Assert.Contains("Bits = 5", e.Message);
        Assert.Contains("Dampening = -1", e.Message);
        e = Assert.Throws<ArgumentException>(() => SparseGpt.PruneLayer(p.Weight, p.Hessian, new ReconstructionSpec(Pattern: "2:3"), "fc3"));
        Assert.Contains("multiple of M = 3", e.Message);
        Assert.Contains("the layer has 16", e.Message);

        manual_seed(2);
        using var model = new SmallMlp();
        using var before = model.fc2.weight!.detach().clone();
        var targets = new[]
        {
            new ReconstructionTarget("fc1", model.fc1, ReconstructionSpec.Default),
            new ReconstructionTarget("fc2", model.fc2, new ReconstructionSpec(Sparsity: 1.5)),
        };
        using var batch = randn(8, 784);
        e = Assert.Throws<ArgumentException>(() => OneShot.Run(model, targets, new[] { batch }));
        Assert.Contains("'fc2'", e.Message);
        using var same = model.fc2.weight!.detach().eq(before).all();
        Assert.True(same.item<bool>(), "a layer changed before the invalid spec was reported");
        e = Assert.Throws<ArgumentException>(() => OneShot.Run(model, new[] { new ReconstructionTarget("fc1", model.fc1, new ReconstructionSpec(ReconstructionMethod.Obs)) }, new[] { batch }));
        Assert.Contains("no consumer", e.Message);
    }

    [Fact]
    public void A_Hessian_that_stays_singular_is_an_error_naming_the_layer_and_the_fix()
    {
        using var zero = zeros(10, 6, dtype: ScalarType.Float64);
        using var accumulator = new HessianAccumulator(6, layerName: "fc9");
        accumulator.Accumulate(zero);
        using var hessian = accumulator.Hessian();
        using var weight = randn(3, 6);
        var e = Assert.Throws<InvalidOperationException>(() => SparseGpt.PruneLayer(weight, hessian, ReconstructionSpec.Default with { BlockSize = 2 }, "fc9", accumulator.Rows));
        Assert.Contains("'fc9'", e.Message);
        Assert.Contains("from 10 calibration rows", e.Message);
        Assert.Contains("Dampening", e.Message);
        Assert.Contains("calibration batches", e.Message);

        var none = new HessianAccumulator(6, layerName: "fc9");
        Assert.Contains("no calibration inputs", Assert.Throws<InvalidOperationException>(() => none.Hessian()).Message);
    }

    [Fact]
    public void The_accumulated_Hessian_is_2_X_X_T_over_n_over_every_batch_with_the_bias_row_when_asked()
    {
        using var x = randn(30, 5, dtype: ScalarType.Float64);
        using var accumulator = new HessianAccumulator(5, appendOnes: true);
        accumulator.Accumulate(x[..10]);
        accumulator.Accumulate(x[10..].reshape(4, 5, 5));
        using var h = accumulator.Hessian();
        using var augmented = cat(new[] { x, ones(30, 1, dtype: ScalarType.Float64) }, 1);
        using var expected = augmented.t().matmul(augmented) * (2.0 / 30);
        Assert.Equal(30, accumulator.Rows);
        Assert.True((h - expected).abs().max().item<double>() < 1e-12);
        using var damped = LayerHessian.Damped(h, 0.1);
        Assert.Equal(h[2, 2].item<double>() + 0.1 * h.diagonal().mean().item<double>(), damped[2, 2].item<double>(), 12);
    }
}
