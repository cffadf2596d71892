using System.Threading.Tasks;
using PruneDsl.Spec;
using static PruneDsl.SourceGenerators.Tests.Harness;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>PD0017-PD0023: placement and shape of the attributes, and how gated layers are invoked.</summary>
public class StructureDiagnosticTests
{
    // ---- PD0017 ----

    [Fact]
    public Task Group_on_the_layer_forward_returns_is_PD0017() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [{|#0:ParticipationGroup|}] private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => functional.log_softmax(head.call(functional.relu(fc1.call(x))), 1);
        }
        """,
        Expect(DiagnosticDescriptors.GroupOnOutputLayer, 0, "head", "forward() returns its output"));

    [Fact]
    public Task Output_layer_is_traced_through_locals_reassigned_parameters_and_methods_on_the_result() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [{|#0:ParticipationGroup|}] private readonly Linear wide = Linear(512, 1000);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = fc1.call(x);
                x = functional.relu(x);
                using var logits = wide.call(x);
                var y = logits.log_softmax(1);
                return y;
            }
        }
        """,
        Expect(DiagnosticDescriptors.GroupOnOutputLayer, 0, "wide", "forward() returns its output"));

    [Fact]
    public Task Untraceable_forward_falls_back_to_the_last_and_smallest_Linear() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear fc2 = Linear(512, 256);
            [{|#0:ParticipationGroup|}] private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => Run(x);
            private Tensor Run(Tensor x) => head.call(fc2.call(fc1.call(x)));
        }
        """,
        Expect(DiagnosticDescriptors.GroupOnOutputLayer, 0, "head", "it is the last Linear field and has the fewest outputs, 10"));

    [Fact]
    public Task Fallback_needs_the_last_Linear_to_be_strictly_the_smallest() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 10);
            [ParticipationGroup] private readonly Linear fc2 = Linear(10, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => Run(x);
            private Tensor Run(Tensor x) => fc2.call(fc1.call(x));
        }
        """);

    [Fact]
    public Task Hidden_layers_feeding_an_ungated_head_are_not_the_output() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                var h = fc2.call(functional.relu(fc1.call(x)));
                Func<Tensor, Tensor> inner = t => { return fc2.call(t); };
                return head.call(functional.relu(h));
            }
        }
        """.Replace("Func<", "System.Func<"));

    // ---- PD0018, PD0019, PD0020 ----

    [Theory]
    [InlineData("4:2", "'4:2': N must be smaller than M (N:M keeps N weights of every M)", "2:4")]
    [InlineData("4:4", "'4:4': N must be smaller than M (N:M keeps N weights of every M)", "3:4")]
    [InlineData("2-4", "'2-4' is not of the form \"N:M\" with whole numbers N and M, e.g. \"2:4\"", "2:4")]
    [InlineData("0:8", "'0:8': N and M must both be at least 1", "1:8")]
    [InlineData("", "the pattern is empty; write it as \"N:M\", e.g. \"2:4\"", "2:4")]
    public Task Malformed_pattern_is_PD0018_on_the_argument(string pattern, string error, string nearest) => VerifyAsync($$"""
        public partial class Net : Module<Tensor, Tensor>
        {
            [Sparsity({|#0:"{{pattern}}"|})] private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """,
        Expect(DiagnosticDescriptors.InvalidSparsityPattern, 0, "fc1", error, nearest));

    [Fact]
    public Task Width_not_divisible_by_M_is_PD0019_and_a_non_2_4_pattern_is_PD0020() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|#0:Sparsity("2:4")|}] private readonly Linear fc1 = Linear(786, 512);
            [{|#1:Sparsity({|#2:"1:3"|})|}] private readonly Linear fc2 = Linear(512, 256);
            [Sparsity({|#3:"1:8"|})] private readonly Linear fc3 = Linear(256, 128);
            [Sparsity({|#4:"3:4"|})] private readonly Linear fc4 = Linear(128, 64);
            [Sparsity("1:4")] private readonly Linear fc5 = Linear(64, 32);
            private readonly Linear head = Linear(32, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc5.call(fc4.call(fc3.call(fc2.call(fc1.call(x))))));
        }
        """,
        Expect(DiagnosticDescriptors.SparsityWidthNotDivisible, 0, "fc1", "786", "4", "2:4"),
        Expect(DiagnosticDescriptors.SparsityWidthNotDivisible, 1, "fc2", "512", "3", "1:3"),
        Expect(DiagnosticDescriptors.SparsityNotTensorCorePattern, 2, "fc2", "1:3", "66.7%"),
        Expect(DiagnosticDescriptors.SparsityNotTensorCorePattern, 3, "fc3", "1:8", "87.5%"),
        Expect(DiagnosticDescriptors.SparsityNotTensorCorePattern, 4, "fc4", "3:4", "25%"));

    /// <summary>
    /// Found by RandomModelPropertyTests: a fan-in below int.MinValue threw OverflowException in the analyzer (swallowed,
    /// so the layer's diagnostics were lost), and one above int.MaxValue was checked as int.MaxValue.
    /// </summary>
    [Fact]
    public Task Widths_beyond_int_are_checked_as_written() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|#0:Sparsity("2:4")|}] private readonly Linear fc1 = Linear(-3000000000L, 8);
            [Sparsity("2:4")] private readonly Linear fc2 = Linear(3000000000L, 8);
            private readonly Linear head = Linear(8, 2);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc2.call(fc1.call(x)));
        }
        """,
        Expect(DiagnosticDescriptors.SparsityWidthNotDivisible, 0, "fc1", "-3000000000", "4", "2:4"));

    // ---- PD0028 ----

    /// <summary>
    /// N:M groups run along a filter's in_channels/groups*kh*kw weights: 27 (3 channels, 3x3) is not a multiple of 4; 24
    /// (6 channels, 2x2) is, but 6 channels are not, so groups cross kernel positions; 500 (20 channels, 5x5) is fine.
    /// </summary>
    [Fact]
    public Task Sparsity_on_a_Conv2d_whose_groups_straddle_filters_or_kernel_positions_is_PD0028() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|#0:Sparsity("2:4")|}] private readonly Conv2d a = Conv2d(3, 16, 3);
            [{|#1:Sparsity("2:4")|}] private readonly Conv2d b = Conv2d(6, 16, 2, groups: 1);
            [Sparsity("2:4")] private readonly Conv2d c = Conv2d(20, 50, 5);
            [Sparsity("2:4")] private readonly Conv2d d = Conv2d(64, 64, 3, groups: 8);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => d.call(c.call(b.call(a.call(x))));
        }
        """,
        Expect(DiagnosticDescriptors.SparsityStraddlesFilters, 0, "a", "Conv2d(3, 16, 3)", "27", "not a multiple of M = 4",
            "the last group of every filter would take weights of the next filter; choose a pattern whose M divides 27, or channel counts that make in_channels/groups a multiple of M"),
        Expect(DiagnosticDescriptors.SparsityStraddlesFilters, 1, "b", "Conv2d(6, 16, 2)", "24", "a multiple of M = 4, but in_channels/groups = 6 is not",
            "in the channels-last layout N:M hardware uses (M consecutive input channels at one kernel position) groups would straddle kernel positions; make in_channels/groups a multiple of M"));

    [Fact]
    public Task Sparsity_on_an_unsupported_member_is_left_to_the_generator() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [Sparsity("4:2")] private readonly Conv2d conv = Conv2d(1, 8, 3);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.call(x);
        }
        """);

    // ---- PD0021, PD0022 ----

    [Fact]
    public Task Cost_on_a_field_without_a_group_is_PD0021() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [{|#0:Cost(Gamma = 0.1)|}] private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """,
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 0, "Cost", "head",
            "the field has no [ParticipationGroup], so there is no participation for these costs to configure"));

    [Fact]
    public Task Cost_and_selection_dynamics_on_one_field_conflict_PD0021() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup, SelectionDynamics(Dynamics.Replicator), {|#0:Cost(Gamma = 0.0, Beta = 0.1)|}]
            private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """,
        // No PD0011 either: an evolving layer has no costs to check.
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 0, "Cost", "fc1",
            "the field's [SelectionDynamics] makes the layer evolve instead of playing the game; keep one of the two"));

    [Fact]
    public Task Class_cost_beside_class_selection_dynamics_is_PD0021_unless_a_field_plays_the_game() => VerifyAsync("""
        [{|#0:Cost(Gamma = 0.01)|}, SelectionDynamics(Dynamics.ExponentialWeights)]
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [{|#1:SelectionDynamics|}] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc2.call(fc1.call(x)));
        }

        [Cost(Gamma = 0.01), SelectionDynamics(Dynamics.ExponentialWeights)]
        public partial class Mixed : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup, Cost(Beta = 0.0)] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public Mixed() : base(nameof(Mixed)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc2.call(fc1.call(x)));
        }
        """,
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 0, "Cost", "Net",
            "the class's [SelectionDynamics] makes every group layer evolve, so no layer plays the game these costs configure"),
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 1, "SelectionDynamics", "fc2",
            "the field has no [ParticipationGroup], so there are no populations to evolve"));

    [Fact]
    public Task Class_cost_and_training_length_without_any_group_are_PD0021() => VerifyAsync("""
        [{|#0:Cost(Gamma = 0.1)|}, {|#1:TrainingLength(Epochs = 20, StepsPerEpoch = 469)|}]
        public partial class Net : Module<Tensor, Tensor>
        {
            [Sparsity("2:4")] private readonly Linear fc1 = Linear(784, 512);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => fc1.call(x);
        }
        """,
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 0, "Cost", "Net",
            "the class has no [ParticipationGroup] field, so there is no participation for these costs to configure"),
        Expect(DiagnosticDescriptors.AttributeHasNoEffect, 1, "TrainingLength", "Net",
            "the class has no [ParticipationGroup] field, so there is no participation whose pruning it could check"));

    [Fact]
    public Task Field_cost_repeating_the_class_value_is_PD0022() => VerifyAsync("""
        [Cost(Beta = 0.005, Gamma = 0.001, Benefit = BenefitSign.Literal)]
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup, Cost({|#0:Beta = 0.005|}, Gamma = 0.002, {|#1:Benefit = BenefitSign.Literal|})]
            private readonly Linear fc1 = Linear(784, 512);
            private readonly Linear head = Linear(512, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc1.call(x));
        }
        """,
        Expect(DiagnosticDescriptors.RedundantCostOverride, 0, "fc1", "Beta", "0.005"),
        Expect(DiagnosticDescriptors.RedundantCostOverride, 1, "fc1", "Benefit", "BenefitSign.Literal"));

    // ---- PD0023 ----

    [Fact]
    public Task Forward_on_a_gated_layer_is_PD0023_on_the_method_name() => VerifyAsync("""
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);
            public Net() : base(nameof(Net)) => RegisterComponents();
            public override Tensor forward(Tensor x) => head.forward(this.fc2.{|#1:forward|}(fc1.{|#0:forward|}(x)));
        }

        public class User
        {
            public Tensor Run(Linear layer, Tensor x) => layer.forward(x);
        }
        """,
        Expect(DiagnosticDescriptors.GateBypassed, 0, "fc1"),
        Expect(DiagnosticDescriptors.GateBypassed, 1, "fc2"));
}
