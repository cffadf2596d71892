using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// What the generator reports about forward's channels (PD0008, PD0025-PD0027), each at the exact span of the statement,
/// expression or attribute it is about, and what the plan does with it (the same text as plan.Opaque / plan.Ungated).
/// </summary>
public class GraphDiagnosticTests
{
    private static (GeneratorDriverRunResult Result, Compilation Output, string Text) Run(string source)
    {
        var text = Sources.Usings + source;
        var (result, output) = GeneratorHarness.Run(("Model.cs", text));
        return (result, output, text);
    }

    /// <summary>The only diagnostic with this id; it points at <paramref name="spanText"/> (its first occurrence after <paramref name="after"/>).</summary>
    private static Diagnostic At(GeneratorDriverRunResult result, string text, string id, string spanText, string? after = null)
    {
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal("Model.cs", diagnostic.Location.SourceTree?.FilePath);
        var span = diagnostic.Location.SourceSpan;
        Assert.Equal(spanText, text.Substring(span.Start, span.Length));
        var from = after is null ? 0 : text.IndexOf(after, System.StringComparison.Ordinal);
        Assert.Equal(text.IndexOf(spanText, from, System.StringComparison.Ordinal), span.Start);
        Assert.EndsWith("docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
        return diagnostic;
    }

    private static string Generated(GeneratorDriverRunResult result) => result.GeneratedTrees.Single().GetText().ToString();

    private static void Compiles(Compilation output) =>
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

    [Fact]
    public void Branch_on_a_gated_tensor_is_PD0008_on_its_head_and_makes_the_space_opaque()
    {
        var (result, output, text) = Run("""
            public partial class Branchy : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 8, 3);
                private readonly Conv2d conv2 = Conv2d(8, 4, 3);
                public Branchy() : base(nameof(Branchy)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = conv1.call(x);
                    if (h.sum().item<float>() > 0) h = functional.relu(h);
                    return conv2.call(h);
                }
            }
            """);
        var d = At(result, text, "PD0008", "if (h.sum().item<float>() > 0)");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        const string explanation = "'if (h.sum().item<float>() > 0)' in Branchy.forward is not followed: its condition reads a tensor whose channels can be pruned, "
                                   + "so the compacted model could take the other branch; decide the branch from a field, a constructor argument or 'training' instead of a tensor";
        Assert.Equal(explanation + ". The model still trains with its gates; Compact() refuses the channels of 'conv1' with this explanation.", d.GetMessage());
        Assert.Contains("plan.Opaque(conv1Channels, \"" + explanation + "\");", Generated(result));
        Assert.Contains("plan.Gate(conv1Channels, Conv1Cost, Name(\"conv1\"));", Generated(result));
        Compiles(output);
    }

    [Fact]
    public void Branch_on_a_field_is_followed_on_both_sides()
    {
        var (result, output, _) = Run("""
            public partial class Switchable : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 8, 3);
                private readonly Conv2d conv2 = Conv2d(8, 8, 3, padding: 1);
                private readonly Conv2d conv3 = Conv2d(8, 4, 3);
                private readonly bool deep = true;
                public Switchable() : base(nameof(Switchable)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = functional.relu(conv1.call(x));
                    if (deep) h = conv2.call(h);
                    return conv3.call(h);
                }
            }
            """);
        // conv3 reads conv1's channels or conv2's: one space, fed by the un-annotated conv2 (PD0026 says so).
        var d = Assert.Single(result.Diagnostics, d => d.Id != "PD0006");
        Assert.Equal("PD0026", d.Id);
        Assert.Contains("the output of 'conv2', which has no [ParticipationGroup]", d.GetMessage());
        Assert.Contains("plan.Producer(conv1Channels, Name(\"conv2\"), conv2);", Generated(result));
        Compiles(output);
    }

    [Fact]
    public void Loop_over_a_ModuleList_is_PD0008_on_its_head()
    {
        var (result, output, text) = Run("""
            public partial class Looped : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d stem = Conv2d(1, 8, 3);
                private readonly ModuleList<Module<Tensor, Tensor>> layers = new ModuleList<Module<Tensor, Tensor>>(Conv2d(8, 8, 3, padding: 1), Conv2d(8, 8, 3, padding: 1));
                public Looped() : base(nameof(Looped)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = stem.call(x);
                    foreach (var layer in layers) h = layer.call(h);
                    return h;
                }
            }
            """);
        var d = At(result, text, "PD0008", "foreach (var layer in layers)");
        Assert.StartsWith("'foreach (var layer in layers)' in Looped.forward is not followed: PruneDsl does not unroll a loop over 'layers', so it cannot tell which layers consume these channels; "
                          + "declare the layers as fields and call them one after another in forward.", d.GetMessage());
        Compiles(output);
    }

    [Fact]
    public void Call_of_a_method_it_does_not_read_is_PD0008_on_the_call()
    {
        var (result, output, text) = Run("""
            public partial class Helped : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(16, 8);
                private readonly Linear head = Linear(8, 2);
                public Helped() : base(nameof(Helped)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(Mix(fc1.call(x)));
                private static Tensor Mix(Tensor t) => t.roll(1, 1);
            }
            """);
        var d = At(result, text, "PD0008", "Mix(fc1.call(x))");
        Assert.Contains("'Mix' is a method whose body PruneDsl does not read", d.GetMessage());
        Assert.Contains("Compact() refuses the channels of 'fc1'", d.GetMessage());
        // The inference module is a class of its own: an unqualified static member of the model is not in its scope.
        var info = Assert.Single(result.Diagnostics, x => x.Id == "PD0006");
        Assert.Contains("its forward uses 'Mix', a static member of 'Helped' that the inference module (a class of its own) cannot reach unqualified; write Helped.Mix", info.GetMessage());
        Compiles(output);
    }

    [Theory]
    [InlineData("functional.sigmoid(h)", "sigmoid(0) = 0.5, so a pruned channel would still feed what follows")]
    [InlineData("h.mean(new long[] { 1 }, true)", "it averages over the channels (only mean over the spatial dimensions 2 and 3 is followed)")]
    [InlineData("h * h", "an element-wise product or quotient of two tensors is not followed")]
    [InlineData("h + 1", "it adds a number to every element, so a pruned channel would not stay 0")]
    public void Operation_that_is_not_followed_on_a_gated_tensor_is_PD0008_on_the_expression(string expression, string why)
    {
        var (result, output, text) = Run("""
            public partial class Op : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 8, 3);
                private readonly Conv2d conv2 = Conv2d(8, 4, 3);
                public Op() : base(nameof(Op)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = conv1.call(x);
                    h = 
            """ + expression + """
            ;
                    return conv2.call(h);
                }
            }
            """);
        var d = At(result, text, "PD0008", expression, after: "h = ");
        Assert.Contains(why, d.GetMessage());
        Compiles(output);
    }

    [Fact]
    public void Operations_on_ungated_tensors_are_not_reported()
    {
        var (result, _, _) = Run("""
            public partial class Quiet : Module<Tensor, Tensor>
            {
                private readonly Conv2d conv1 = Conv2d(1, 8, 3);
                [ParticipationGroup] private readonly Conv2d conv2 = Conv2d(8, 4, 3);
                private readonly Conv2d conv3 = Conv2d(4, 2, 3);
                public Quiet() : base(nameof(Quiet)) => RegisterComponents();
                public override Tensor forward(Tensor x) => conv3.call(functional.relu(conv2.call(functional.sigmoid(conv1.call(x)))));
            }
            """);
        Assert.Empty(result.Diagnostics.Where(d => d.Id != "PD0006"));
    }

    [Fact]
    public void Group_forward_does_not_call_is_PD0008_on_its_attribute()
    {
        var (result, output, text) = Run("""
            public partial class Unused : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(16, 8);
                [ParticipationGroup] private readonly Linear spare = Linear(16, 8);
                private readonly Linear head = Linear(8, 2);
                public Unused() : base(nameof(Unused)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(fc1.call(x));
            }
            """);
        var d = At(result, text, "PD0008", "ParticipationGroup", after: "Linear(16, 8);");
        Assert.Equal("'spare' in Unused.forward is not followed: forward does not call it; call it in forward itself, as spare.call(x). "
                     + "The model still trains with its gates; Compact() refuses the channels of 'spare' with this explanation.", d.GetMessage());
        Compiles(output);
    }

    [Fact]
    public void Coupled_groups_with_different_costs_are_PD0025_on_the_second()
    {
        var (result, output, text) = Run("""
            public partial class TwoCosts : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d left = Conv2d(1, 8, 3, padding: 1);
                [ParticipationGroup, Cost(Gamma = 0.001)] private readonly Conv2d right = Conv2d(1, 8, 3, padding: 1);
                private readonly Conv2d next = Conv2d(8, 4, 3);
                public TwoCosts() : base(nameof(TwoCosts)) => RegisterComponents();
                public override Tensor forward(Tensor x) => next.call(functional.relu(left.call(x) + right.call(x)));
            }
            """);
        var d = At(result, text, "PD0025", "ParticipationGroup", after: "padding: 1);");
        Assert.Equal("'right' shares its channels with 'left' (joined at 'next.call(functional.relu(left.call(x) + right.call(x)))'), so both are pruned with one participation per channel, "
                     + "but their settings differ (Gamma 0.001 vs 0.0007); the shared gate uses the settings of 'left': give the coupled layers the same [Cost], [SelectionDynamics] and [Prune] (on the class, for instance)",
            d.GetMessage());
        var generated = Generated(result);
        Assert.Contains("plan.Producer(leftChannels, Name(\"right\"), right);", generated);
        Assert.Contains("plan.Gate(leftChannels, LeftCost, Name(\"left\"));", generated);
        Assert.DoesNotContain("RightCost, Name", generated);
        Compiles(output);
    }

    [Fact]
    public void Group_added_to_an_ungated_identity_is_PD0026_on_its_attribute()
    {
        var (result, output, text) = Run("""
            public partial class HalfResidual : Module<Tensor, Tensor>
            {
                private readonly Conv2d stem = Conv2d(1, 8, 3, padding: 1);
                [ParticipationGroup] private readonly Conv2d branch = Conv2d(8, 8, 3, padding: 1);
                private readonly Conv2d head = Conv2d(8, 4, 3);
                public HalfResidual() : base(nameof(HalfResidual)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = stem.call(x);
                    h = h + branch.call(h);
                    return head.call(h);
                }
            }
            """);
        var d = At(result, text, "PD0026", "ParticipationGroup");
        Assert.Equal("'branch' cannot be pruned: its channels are added to the output of 'stem', which has no [ParticipationGroup], which no participation gates, so a pruned channel would still carry them; "
                     + "annotate 'stem' with [ParticipationGroup] too (every layer feeding one add is pruned with one shared participation), or remove [ParticipationGroup] from 'branch'",
            d.GetMessage());
        Assert.Contains("plan.Ungated(stemChannels, \"the output of 'stem', which has no [ParticipationGroup]\");", Generated(result));
        Compiles(output);
    }

    [Fact]
    public void Group_added_to_forward_s_input_is_PD0026_when_no_model_uses_the_class_as_a_block()
    {
        var (result, output, text) = Run("""
            public partial class Lonely : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(8, 8, 3, padding: 1);
                public Lonely() : base(nameof(Lonely)) => RegisterComponents();
                public override Tensor forward(Tensor x) => x + conv.call(x);
            }
            """);
        var d = At(result, text, "PD0026", "ParticipationGroup");
        Assert.Contains("its channels are added to the input of forward", d.GetMessage());
        Assert.EndsWith("remove [ParticipationGroup] from 'conv': channels that forward's input or a tensor made in forward also carries cannot be removed", d.GetMessage());
        Compiles(output);
    }

    [Fact]
    public void BatchNorm_after_the_gate_is_PD0027_on_its_call()
    {
        var (result, output, text) = Run("""
            public partial class LateNorm : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(1, 8, 3);
                private readonly BatchNorm2d bn = BatchNorm2d(8);
                private readonly Conv2d next = Conv2d(8, 4, 3);
                public LateNorm() : base(nameof(LateNorm)) => RegisterComponents();
                public override Tensor forward(Tensor x) => next.call(bn.call(functional.relu(conv.call(x))));
            }
            """);
        var d = At(result, text, "PD0027", "bn.call(functional.relu(conv.call(x)))");
        Assert.Equal("'bn' normalizes the channels of 'conv' after their participation gate (it follows 'next.call(bn.call(functional.relu(conv.call(x))))'): batch normalization divides the gate back out while training, "
                     + "and a pruned channel would leave the BatchNorm's bias instead of 0, so Compact() refuses these channels; apply 'bn' directly to the output of the Conv2d that produces them "
                     + "(conv, then BatchNorm, then the activation), which moves the gate after it", d.GetMessage());
        Assert.DoesNotContain("plan.Normalizer", Generated(result));
        Assert.Contains("plan.Opaque(convChannels, \"'next.call(bn.call(functional.relu(conv.call(x))))' in LateNorm.forward: 'bn' normalizes these channels after their participation gate", Generated(result));
        Compiles(output);
    }

    [Fact]
    public void Diagnostics_move_with_the_code_and_models_stay_equal_when_code_before_them_changes()
    {
        const string model = """
            public partial class Moving : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 8, 3);
                private readonly Conv2d conv2 = Conv2d(8, 4, 3);
                public Moving() : base(nameof(Moving)) => RegisterComponents();
                public override Tensor forward(Tensor x) => conv2.call(functional.sigmoid(conv1.call(x)));
            }
            """;
        var (first, _, firstText) = Run(model);
        var (second, _, secondText) = Run("// a comment\n\ninternal static class Before { }\n" + model);
        At(first, firstText, "PD0008", "functional.sigmoid(conv1.call(x))");
        At(second, secondText, "PD0008", "functional.sigmoid(conv1.call(x))");
    }
}

/// <summary>
/// The generator never throws, whatever forward does: the reader has a rule or an opaque node for every statement and
/// expression (none of these forwards makes it swallow an exception), and the generated code compiles.
/// </summary>
public class ForwardReaderRobustnessTests
{
    public static TheoryData<string> Forwards() => new()
    {
        "Tensor F(Tensor t) => fc1.call(t); return head.call(F(x));",
        "System.Func<Tensor, Tensor> f = t => fc1.call(t); return head.call(f(x));",
        "switch (mode) { case 0: x = fc1.call(x); break; default: x = fc1.call(x).relu(); break; } return head.call(x);",
        "using var scope = torch.NewDisposeScope(); var h = fc1.call(x); return head.call(h).MoveToOuterDisposeScope();",
        "var (a, b) = (fc1.call(x), x); return head.call(a);",
        "var h = mode switch { 0 => fc1.call(x), _ => functional.relu(fc1.call(x)) }; return head.call(h);",
        "var h = fc1.call(x); var i = 0; while (i < 2) { h = h.relu(); i++; if (i > 5) break; } return head.call(h);",
        "var h = fc1.call(x); goto done; done: return head.call(h);",
        "var h = fc1.call(x); h.relu_(); System.Console.WriteLine($\"{h.shape[0]}\"); return head.call(h);",
        "if (x is null) throw new System.ArgumentNullException(nameof(x)); return head.call(functional.relu(fc1.call(x)));",
        "var h = fc1.call(x); try { h = h.relu(); } catch (System.Exception) { throw; } finally { } return head.call(h);",
        "var parts = new System.Collections.Generic.List<Tensor> { fc1.call(x), fc1.call(x) }; return head.call(torch.cat(parts, 0));",
        "var h = fc1.call(x); lock (this) { h = h.relu(); } return head.call(checked(h));",
        "Tensor h; h = fc1.call(x); h += 1; return head.call(h);",
        "return head.call(fc1.call(x)[.., ..]);",
        "return head.call((bool)(fc1.call(x).sum() > 0) ? fc1.call(x) : fc1.call(x) is var y ? y : x);",
    };

    [Theory]
    [MemberData(nameof(Forwards))]
    public void Odd_forwards_are_read_without_exceptions_and_generate_compiling_code(string body)
    {
        var swallowed = new System.Collections.Generic.List<System.Exception>();
        PruneDsl.SourceGenerators.Graph.ForwardReader.Observer = swallowed.Add;
        try
        {
            var source = Sources.Usings + """
                public partial class Odd : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(8, 8);
                    private readonly Linear head = Linear(8, 2);
                    private readonly int mode = 0;
                    public Odd() : base(nameof(Odd)) => RegisterComponents();
                    public override Tensor forward(Tensor x)
                    {
                """ + body + """

                    }
                }
                """;
            var compilation = GeneratorHarness.Compile(("Model.cs", source));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
            Assert.All(driver.GetRunResult().Results, r => Assert.Null(r.Exception));
            Assert.Empty(swallowed);
            Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        }
        finally
        {
            PruneDsl.SourceGenerators.Graph.ForwardReader.Observer = null;
        }
    }
}
