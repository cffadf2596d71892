using System.Threading.Tasks;
using PruneDsl.SourceGenerators.Diagnostics;
using static PruneDsl.SourceGenerators.Tests.Harness;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// PD0010 for [Reconstruct]: every problem of ReconstructionSpec.Validate(inputWidth) on the argument that set the value
/// (the class's, the field's, or the attribute when the value is a default), with the merged settings of each layer.
/// </summary>
public class ReconstructDiagnosticTests
{
    private static string Model(string classAttributes, string fc1Attributes, string fc1 = "Linear(48, 16)", string headAttributes = "", string head = "Linear(16, 4)") => $$"""
        {{classAttributes}}
        public partial class Net : Module<Tensor, Tensor>
        {
            {{fc1Attributes}} private readonly Linear fc1 = {{fc1}};
            {{headAttributes}} private readonly Linear head = {{head}};
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
        }
        """;

    [Fact]
    public Task Invalid_class_level_values_are_PD0010_on_their_arguments_once() => VerifyAsync(
        Model("[Reconstruct({|#0:(ReconstructionMethod)7|}, {|#1:Sparsity = 1.0|}, {|#2:Dampening = 0|}, {|#3:Bits = 3|}, {|#4:CalibrationBatches = 0|})]", ""),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Reconstruct", "Method", "7", "is not a defined ReconstructionMethod"),
        Expect(DiagnosticDescriptors.InvalidSetting, 1, "Reconstruct", "Sparsity", "1", "must lie in [0, 1)"),
        Expect(DiagnosticDescriptors.InvalidSetting, 2, "Reconstruct", "Dampening", "0", "must be a finite number greater than 0 (0.01 is the usual value)"),
        Expect(DiagnosticDescriptors.InvalidSetting, 4, "Reconstruct", "CalibrationBatches", "0", "must be at least 1"),
        Expect(DiagnosticDescriptors.InvalidSetting, 3, "Reconstruct", "Bits", "3", "must be 0 (not quantized), 4 or 8"));

    [Fact]
    public Task Field_group_size_that_does_not_divide_the_input_width_is_PD0010_on_the_field_s_argument() => VerifyAsync(
        Model("", "[Reconstruct(Bits = 4, {|#0:GroupSize = 32|})]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Reconstruct", "GroupSize", "32", "must divide the layer's input width 48"));

    /// <summary>The class's GroupSize 24 divides fc1's 48 inputs but not head's 16: reported on the class's argument, naming head.</summary>
    [Fact]
    public Task Class_value_that_breaks_one_layer_is_PD0010_on_the_class_argument_naming_the_layer() => VerifyAsync(
        Model("[Reconstruct(Bits = 8, BlockSize = 48, {|#0:GroupSize = 24|})]", ""),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Reconstruct", "GroupSize", "24", "must divide the layer's input width 16 (layer 'head')"));

    /// <summary>Class and field combine: Bits from the class makes the field's GroupSize valid.</summary>
    [Fact]
    public Task Settings_valid_only_together_are_valid() => VerifyAsync(
        Model("[Reconstruct(Bits = 4)]", "[Reconstruct(GroupSize = 16)]"));

    /// <summary>fc1's [Sparsity("2:4")] makes the class's BlockSize 6 invalid for fc1 alone.</summary>
    [Fact]
    public Task Block_size_against_the_field_s_pattern_is_PD0010_on_the_class_argument() => VerifyAsync(
        Model("[Reconstruct({|#0:BlockSize = 6|})]", "[Sparsity(\"2:4\")]"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Reconstruct", "BlockSize", "6",
            "must be a multiple of M = 4 under the 2:4 pattern, so that no group of M columns straddles two blocks (layer 'fc1')"));

    /// <summary>The default BlockSize 128 is no multiple of 3: no argument set it, so the field's attribute is underlined.</summary>
    [Fact]
    public Task Default_block_size_against_a_pattern_is_PD0010_on_the_field_s_attribute() => VerifyAsync(
        Model("", "[Sparsity({|#1:\"1:3\"|}), {|#0:Reconstruct|}]", fc1: "Linear(48, 16)"),
        Expect(DiagnosticDescriptors.InvalidSetting, 0, "Reconstruct", "BlockSize", "128",
            "must be a multiple of M = 3 under the 1:3 pattern, so that no group of M columns straddles two blocks"),
        Expect(DiagnosticDescriptors.SparsityNotTensorCorePattern, 1, "fc1", "1:3", "66.7%"));

    /// <summary>A field opted out with ReconstructionMethod.None runs nothing on its width, so the width rules do not apply to it.</summary>
    [Fact]
    public Task Opted_out_field_is_not_checked_against_its_width() => VerifyAsync(
        Model("[Reconstruct(Bits = 8, BlockSize = 48, GroupSize = 12)]", "", head: "Linear(16, 4)", headAttributes: "[Reconstruct(ReconstructionMethod.None, Bits = 0, GroupSize = 0)]"));

    [Fact]
    public Task Class_level_attribute_without_Linear_fields_is_PD0021() => VerifyAsync("""
        [{|#0:Reconstruct(Bits = 8)|}]
        public partial class Conv : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 4, 3);
            public Conv() : base(nameof(Conv)) => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.call(x);
        }
        """,
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 0, "Reconstruct", "Conv", "the class has no Linear field for it to prune or quantize"));

    [Fact]
    public Task Valid_settings_have_no_diagnostic() => VerifyAsync(
        Model("[Reconstruct(ReconstructionMethod.SparseGpt, Sparsity = 0.7, CalibrationBatches = 4)]", "[Sparsity(\"2:4\"), Reconstruct(Bits = 4, GroupSize = 16)]", headAttributes: "[Reconstruct(ReconstructionMethod.None)]"));
}
