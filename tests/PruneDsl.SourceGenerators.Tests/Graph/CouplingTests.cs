using System.Linq;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The coupling rule (Graph/Coupling.cs) on the shapes issue 10 names, checked on the resolved plan itself, one
/// statement a line (<see cref="PlanDump"/>): what each forward construct couples, which spaces are gated, and what is
/// described as opaque.
/// </summary>
public class CouplingTests
{
    private static string Plan(string source, string className)
    {
        var results = PlanDump.Resolve(("Model.cs", Sources.Usings + source));
        return PlanDump.Text(results[className].Model!.Plan!);
    }

    private static string[] Lines(string plan) => plan.Split('\n', System.StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// A layer's consumers come from forward, not from the order the fields are declared in (the rule before issue 10 was
    /// "the next Linear field declared after it").
    /// </summary>
    [Fact]
    public void Consumers_are_read_from_forward_not_from_declaration_order()
    {
        var plan = Plan("""
            public partial class Shuffled : Module<Tensor, Tensor>
            {
                private readonly Linear head = Linear(32, 10);
                [ParticipationGroup] private readonly Linear fc2 = Linear(64, 32);
                private readonly Linear unused = Linear(32, 32);
                [ParticipationGroup] private readonly Linear fc1 = Linear(784, 64);
                public Shuffled() : base(nameof(Shuffled)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
            }
            """, "Shuffled");
        Assert.Contains("Consumer fc1Channels fc2\n", plan);
        Assert.Contains("Consumer fc2Channels head\n", plan);
        Assert.DoesNotContain("unused", plan);
    }

    [Fact]
    public void Depthwise_convolution_maps_a_space_onto_itself_and_its_BatchNorm_is_its_gate_site()
    {
        var plan = Plan("""
            public partial class Mobile : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d expand = Conv2d(4, 16, 1, bias: false);
                private readonly BatchNorm2d bn1 = BatchNorm2d(16);
                private readonly Conv2d dw = Conv2d(16, 16, 3, padding: 1, groups: 16, bias: false);
                private readonly BatchNorm2d bn2 = BatchNorm2d(16);
                private readonly Conv2d project = Conv2d(16, 8, 1);
                public Mobile() : base(nameof(Mobile)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = functional.relu6(bn1.call(expand.call(x)));
                    h = functional.relu6(bn2.call(dw.call(h)));
                    return project.call(h);
                }
            }
            """, "Mobile");
        Assert.Equal(new[]
        {
            "Consumer input expand", "Space expandChannels expand", "Producer expandChannels expand <- expandMember", "Normalizer expandChannels bn1 <- expandMember",
            "PerChannel expandChannels dw <- dwMember", "Normalizer expandChannels bn2 <- dwMember", "Consumer expandChannels project",
            "Space projectChannels project", "Producer projectChannels project", "Gate expandChannels expand <- expand ExpandCost", "return projectChannels",
        }, Lines(plan).TakeWhile(l => l != "--"));
    }

    [Fact]
    public void Concatenation_along_the_channels_is_read_by_a_ConcatConsumer_in_order()
    {
        var plan = Plan("""
            public partial class Inception : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d a = Conv2d(4, 8, 1);
                [ParticipationGroup] private readonly Conv2d b = Conv2d(4, 6, 3, padding: 1);
                private readonly Conv2d merge = Conv2d(14, 4, 1);
                public Inception() : base(nameof(Inception)) => RegisterComponents();
                public override Tensor forward(Tensor x) => merge.call(torch.cat(new[] { a.call(x), functional.relu(b.call(x)) }, 1));
            }
            """, "Inception");
        Assert.Contains("ConcatConsumer aChannels merge <- aChannels, bChannels", plan);
        Assert.Contains("Gate aChannels a <- a ACost", plan);
        Assert.Contains("Gate bChannels b <- b BCost", plan);
    }

    [Fact]
    public void Flatten_view_reshape_and_spatial_mean_feed_a_Linear_by_column_blocks_or_columns()
    {
        foreach (var (expression, kind) in new[]
                 {
                     ("h.flatten(1)", "FlattenConsumer"), ("h.view(h.shape[0], -1)", "FlattenConsumer"), ("h.reshape(-1, 8 * 4 * 4)", "FlattenConsumer"),
                     ("torch.flatten(h, 1)", "FlattenConsumer"), ("h.mean(new long[] { 2, 3 })", "Consumer"), ("functional.adaptive_avg_pool2d(h, 1).squeeze(-1).squeeze(-1)", "Consumer"),
                 })
        {
            var plan = Plan("""
                public partial class Flat : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Conv2d conv = Conv2d(1, 8, 3);
                    private readonly Linear fc = Linear(128, 10);
                    public Flat() : base(nameof(Flat)) => RegisterComponents();
                    public override Tensor forward(Tensor x)
                    {
                        var h = functional.max_pool2d(functional.relu(conv.call(x)), 2);
                        return fc.call(
                """ + expression + """
                );
                    }
                }
                """, "Flat");
            Assert.Contains(kind == "Consumer" ? "Consumer convChannels fc\n" : "FlattenConsumer convChannels fc <- convChannels", plan);
            Assert.DoesNotContain("Opaque", plan);
        }
    }

    [Fact]
    public void Grouped_convolution_is_opaque_and_shared_modules_are_described_once()
    {
        var plan = Plan("""
            public partial class Odd : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(1, 8, 3, padding: 1);
                private readonly Conv2d grouped = Conv2d(8, 8, 3, padding: 1, groups: 2);
                [ParticipationGroup] private readonly Conv2d shared = Conv2d(8, 8, 3, padding: 1);
                public Odd() : base(nameof(Odd)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = grouped.call(conv.call(x));
                    h = shared.call(shared.call(h));
                    return h;
                }
            }
            """, "Odd");
        Assert.Contains("Opaque convChannels | 'var h = grouped.call(conv.call(x));' in Odd.forward is not followed: 'grouped' is a grouped convolution (groups = 2", plan);
        Assert.Single(Lines(plan), l => l.StartsWith("Producer", System.StringComparison.Ordinal) && l.Contains(" shared"));
        Assert.Contains("'shared' is called more than once in forward", plan);
    }

    [Fact]
    public void Sequential_children_are_followed_through_by_index()
    {
        var plan = Plan("""
            public partial class Seq : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(1, 8, 3);
                private readonly Sequential head = Sequential(("pool", AdaptiveAvgPool2d(1)), ("flat", Flatten()), ("fc", Linear(8, 10)));
                public Seq() : base(nameof(Seq)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(conv.call(x)));
            }
            """, "Seq");
        Assert.Contains("FlattenConsumer convChannels head.fc <- convChannels", plan);
        var text = GeneratorHarness.Run(("Model.cs", Sources.Usings + """
            public partial class Seq : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(1, 8, 3);
                private readonly Sequential head = Sequential(("pool", AdaptiveAvgPool2d(1)), ("flat", Flatten()), ("fc", Linear(8, 10)));
                public Seq() : base(nameof(Seq)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(conv.call(x)));
            }
            """)).Result.GeneratedTrees.Single().GetText().ToString();
        Assert.Contains("plan.FlattenConsumer(Name(\"head.fc\"), ((global::TorchSharp.Modules.Linear)head[2]), convChannels);", text);
    }

    [Fact]
    public void A_block_s_new_output_space_joins_a_space_of_the_outer_model()
    {
        var results = PlanDump.Resolve(("Model.cs", Sources.Usings + """
            public partial class Proj : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d conv = Conv2d(8, 16, 1);
                public Proj() : base(nameof(Proj)) => RegisterComponents();
                public override Tensor forward(Tensor x) => conv.call(x);
            }

            public partial class Outer : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Conv2d stem = Conv2d(1, 8, 3);
                [ParticipationGroup] private readonly Conv2d side = Conv2d(8, 16, 1);
                private readonly Proj proj = new Proj();
                private readonly Conv2d head = Conv2d(16, 4, 1);
                public Outer() : base(nameof(Outer)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = stem.call(x);
                    var s = side.call(h);
                    return head.call(s + proj.call(h));
                }
            }
            """));
        var plan = PlanDump.Text(results["Outer"].Model!.Plan!);
        Assert.Contains("Block projChannels proj <- stemChannels", plan);
        Assert.Contains("Join sideChannels <- projChannels", plan);
        Assert.Contains("Gate sideChannels side <- side SideCost", plan);
        Assert.Contains("gates: StemParticipation, SideParticipation", plan);
        Assert.DoesNotContain(results["Outer"].Diagnostics, d => d.Id != "PD0006");
    }
}
