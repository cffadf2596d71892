using System.Collections.Generic;
using PruneDsl.Compaction;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Graph;

// Models whose channel plans are written by hand, statement for statement what the generator emits for them from
// forward (no PruneDsl attributes, so the current generator leaves them alone). Every one takes MNIST images viewed as
// [N, 1, 28, 28].

/// <summary>What the tests need of every hand-planned model.</summary>
public interface IPlannedModel
{
    ChannelPlan Plan { get; }
}

/// <summary>The default costs every test gate uses (CostDefaults).</summary>
internal static class TestCosts
{
    public static readonly CostSpec Default = new();
}

/// <summary>conv 1->8 (3x3), pool, conv 8->12 (3x3), pool, flatten into Linear 12*5*5 -> 10: a plain chain, flatten into Linear.</summary>
public sealed class ConvChain : Module<Tensor, Tensor>, IPlannedModel
{
    private readonly Conv2d conv1 = Conv2d(1, 8, 3);
    private readonly Conv2d conv2 = Conv2d(8, 12, 3);
    private readonly Linear fc = Linear(12 * 5 * 5, 10);

    public ConvChain() : base(nameof(ConvChain))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(ConvChain));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "conv1", conv1);
        var s1 = plan.Space("conv1");
        plan.Producer(s1, "conv1", conv1);
        plan.Gate(s1, TestCosts.Default);
        plan.Consumer(s1, "conv2", conv2);
        var s2 = plan.Space("conv2");
        plan.Producer(s2, "conv2", conv2);
        plan.Gate(s2, TestCosts.Default);
        plan.FlattenConsumer("fc", fc, s2);
        plan.InputShape(1, 28, 28);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public Conv2d Conv1 => conv1;
    public Conv2d Conv2 => conv2;
    public Linear Fc => fc;

    public override Tensor forward(Tensor x)
    {
        var h = functional.max_pool2d(functional.relu(conv1.call(x)), 2);      // [N, 8, 13, 13]
        h = functional.max_pool2d(functional.relu(conv2.call(h)), 2);          // [N, 12, 5, 5]
        return fc.call(h.flatten(1));
    }
}

/// <summary>conv+BN, relu, conv+BN, relu, average pool, flatten into Linear: BatchNorm before the gate.</summary>
public sealed class ConvBn : Module<Tensor, Tensor>, IPlannedModel
{
    private readonly Conv2d conv1 = Conv2d(1, 8, 3, padding: 1);
    private readonly BatchNorm2d bn1 = BatchNorm2d(8);
    private readonly Conv2d conv2 = Conv2d(8, 16, 3, stride: 2, padding: 1, bias: false);
    private readonly BatchNorm2d bn2 = BatchNorm2d(16);
    private readonly Linear fc = Linear(16 * 7 * 7, 10);

    /// <param name="dynamics">When given, both spaces evolve under selection dynamics instead of the game.</param>
    /// <param name="prune">When given, both spaces get these [Prune] settings.</param>
    /// <param name="cost">The game's costs (default: CostDefaults).</param>
    public ConvBn(DynamicsSpec? dynamics = null, PruneSpec? prune = null, CostSpec? cost = null) : base(nameof(ConvBn))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(ConvBn));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "conv1", conv1);
        var s1 = plan.Space("conv1");
        var c1 = plan.Producer(s1, "conv1", conv1);
        plan.Normalizer(c1, "bn1", bn1);
        plan.Consumer(s1, "conv2", conv2);
        var s2 = plan.Space("conv2");
        var c2 = plan.Producer(s2, "conv2", conv2);
        plan.Normalizer(c2, "bn2", bn2);
        foreach (var s in new[] { s1, s2 })
        {
            if (dynamics is null) plan.Gate(s, cost ?? TestCosts.Default);
            else plan.Evolve(s, dynamics);
            if (prune is not null) plan.Prune(s, prune);
        }
        plan.FlattenConsumer("fc", fc, s2);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public BatchNorm2d Bn1 => bn1;
    public BatchNorm2d Bn2 => bn2;
    public Conv2d Conv1 => conv1;
    public Conv2d Conv2 => conv2;
    public Linear Fc => fc;

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));                          // [N, 8, 28, 28]
        h = functional.relu(bn2.call(conv2.call(h)));                              // [N, 16, 14, 14]
        h = functional.avg_pool2d(h, 2);                                          // [N, 16, 7, 7]
        return fc.call(h.view(h.shape[0], -1));
    }
}

/// <summary>
/// A residual block: conv+BN, relu, conv+BN, added to a shortcut, relu. Identity shortcut (in == out, stride 1) or a
/// strided 1x1 projection with BN. Implements the block convention by hand.
/// </summary>
public sealed class TestResidualBlock : Module<Tensor, Tensor>, IChannelBlock
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d? shortcut;
    private readonly BatchNorm2d? shortcut_bn;
    private readonly ChannelPlan _plan;

    public TestResidualBlock(long inputs, long outputs, long stride) : base(nameof(TestResidualBlock))
    {
        conv1 = Conv2d(inputs, outputs, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outputs);
        conv2 = Conv2d(outputs, outputs, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outputs);
        if (stride != 1 || inputs != outputs)
        {
            shortcut = Conv2d(inputs, outputs, 1, stride: stride, bias: false);
            shortcut_bn = BatchNorm2d(outputs);
        }
        RegisterComponents();
        // Standalone: the block's own plan (what the generated RegisterComponents does for an annotated block).
        var plan = new ChannelPlanBuilder(this, nameof(TestResidualBlock));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        var output = DescribeChannels(plan, input, "");
        plan.Output(output);
        _plan = plan.Build();
    }

    public ChannelPlan ChannelPlan => _plan;

    public Conv2d Conv1 => conv1;

    public ChannelSpace DescribeChannels(ChannelPlanBuilder plan, ChannelSpace input, string prefix)
    {
        plan.Consumer(input, ChannelPlanBuilder.Qualify(prefix, "conv1"), conv1);
        var inner = plan.Space(ChannelPlanBuilder.Qualify(prefix, "conv1"));
        var c1 = plan.Producer(inner, ChannelPlanBuilder.Qualify(prefix, "conv1"), conv1);
        plan.Normalizer(c1, ChannelPlanBuilder.Qualify(prefix, "bn1"), bn1);
        plan.Gate(inner, TestCosts.Default, ChannelPlanBuilder.Qualify(prefix, "conv1"));
        plan.Consumer(inner, ChannelPlanBuilder.Qualify(prefix, "conv2"), conv2);
        ChannelSpace output;
        if (shortcut is null)
        {
            output = input; // identity: conv2's output is added to the input
        }
        else
        {
            plan.Consumer(input, ChannelPlanBuilder.Qualify(prefix, "shortcut"), shortcut);
            output = plan.Space(ChannelPlanBuilder.Qualify(prefix, "out"));
            var s = plan.Producer(output, ChannelPlanBuilder.Qualify(prefix, "shortcut"), shortcut);
            plan.Normalizer(s, ChannelPlanBuilder.Qualify(prefix, "shortcut_bn"), shortcut_bn!);
        }
        var c2 = plan.Producer(output, ChannelPlanBuilder.Qualify(prefix, "conv2"), conv2);
        plan.Normalizer(c2, ChannelPlanBuilder.Qualify(prefix, "bn2"), bn2);
        plan.Gate(output, TestCosts.Default, ChannelPlanBuilder.Qualify(prefix, "conv2"));
        return output;
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        var s = shortcut is null ? x : shortcut_bn!.call(shortcut.call(x));
        return functional.relu(h + s);
    }
}

/// <summary>
/// stem conv+BN (1->8), two identity blocks, a strided projection block (8->12), global average pooling, Linear head.
/// </summary>
public sealed class SmallResNet : Module<Tensor, Tensor>, IPlannedModel, IParticipationModel, ICompactableModel, IChannelPlanModel
{
    private readonly Conv2d stem = Conv2d(1, 8, 3, padding: 1, bias: false);
    private readonly BatchNorm2d stem_bn = BatchNorm2d(8);
    private readonly TestResidualBlock block1 = new(8, 8, 1);
    private readonly TestResidualBlock block2 = new(8, 8, 1);
    private readonly TestResidualBlock block3 = new(8, 12, 2);
    private readonly Linear head = Linear(12, 10);

    public SmallResNet() : base(nameof(SmallResNet))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(SmallResNet));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "stem", stem);
        var s0 = plan.Space("stem");
        var st = plan.Producer(s0, "stem", stem);
        plan.Normalizer(st, "stem_bn", stem_bn);
        plan.Gate(s0, TestCosts.Default, "stem");
        var s1 = block1.DescribeChannels(plan, s0, "block1");
        var s2 = block2.DescribeChannels(plan, s1, "block2");
        var s3 = block3.DescribeChannels(plan, s2, "block3");
        plan.FlattenConsumer("head", head, s3);
        plan.InputShape(1, 28, 28);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public TestResidualBlock Block1 => block1;
    public TestResidualBlock Block3 => block3;

    // What the generator writes for a model with a plan: every member delegates to it.
    public ChannelPlan ChannelPlan => Plan;
    public IReadOnlyList<ParticipationLayer> ParticipationLayers => Plan.ParticipationLayers;
    public void StepParticipations() => Plan.StepParticipations();
    public void HardPrune() => Plan.HardPrune();
    public CompactionReport Compact() => Plan.Compact().Compaction;
    public void ReshapeToCompacted(IReadOnlyDictionary<string, int> widths) => Plan.Reshape(widths);

    public SmallResNetInference ToInference()
    {
        Compact();
        var copies = Plan.InferenceCopies();
        var inference = new SmallResNetInference(copies.Conv2d("stem"), copies.Module("stem_bn"),
            new TestResidualBlockInference(copies, "block1", projection: false),
            new TestResidualBlockInference(copies, "block2", projection: false),
            new TestResidualBlockInference(copies, "block3", projection: true),
            copies.Linear("head"));
        inference.eval();
        return inference;
    }
    public BatchNorm2d StemBn => stem_bn;
    public Conv2d Stem => stem;

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(stem_bn.call(stem.call(x)));
        h = block1.call(h);
        h = block2.call(h);
        h = block3.call(h);
        h = functional.adaptive_avg_pool2d(h, 1);
        return head.call(h.flatten(1));
    }
}

/// <summary>Two branches (conv 1->6 and conv 1->10) concatenated along channels into conv 16->8, then flatten into Linear.</summary>
public sealed class ConcatNet : Module<Tensor, Tensor>, IPlannedModel
{
    private readonly Conv2d a = Conv2d(1, 6, 3, padding: 1);
    private readonly Conv2d b = Conv2d(1, 10, 5, padding: 2);
    private readonly Conv2d merge = Conv2d(16, 8, 3, stride: 2, padding: 1);
    private readonly Linear fc = Linear(8 * 7 * 7, 10);

    public ConcatNet() : base(nameof(ConcatNet))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(ConcatNet));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "a", a);
        plan.Consumer(input, "b", b);
        var sa = plan.Space("a");
        plan.Producer(sa, "a", a);
        plan.Gate(sa, TestCosts.Default);
        var sb = plan.Space("b");
        plan.Producer(sb, "b", b);
        plan.Gate(sb, TestCosts.Default);
        plan.ConcatConsumer("merge", merge, sa, sb);
        var sm = plan.Space("merge");
        plan.Producer(sm, "merge", merge);
        plan.Gate(sm, TestCosts.Default);
        plan.FlattenConsumer("fc", fc, sm);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public Conv2d Merge => merge;

    public override Tensor forward(Tensor x)
    {
        var h = cat(new[] { functional.relu(a.call(x)), functional.relu(b.call(x)) }, 1);   // [N, 16, 28, 28]
        h = functional.relu(merge.call(h));                                                    // [N, 8, 14, 14]
        h = functional.max_pool2d(h, 2);                                                       // [N, 8, 7, 7]
        return fc.call(h.flatten(1));
    }
}

/// <summary>
/// A MobileNet-style block: pointwise conv+BN (1->8 after a stem), relu, depthwise 3x3 conv+BN, relu, pointwise conv,
/// pool, flatten into Linear. The depthwise conv couples its input and output channels.
/// </summary>
public sealed class DepthwiseNet : Module<Tensor, Tensor>, IPlannedModel
{
    private readonly Conv2d stem = Conv2d(1, 4, 3, stride: 2, padding: 1);
    private readonly Conv2d expand = Conv2d(4, 12, 1, bias: false);
    private readonly BatchNorm2d expand_bn = BatchNorm2d(12);
    private readonly Conv2d dw = Conv2d(12, 12, 3, padding: 1, groups: 12, bias: false);
    private readonly BatchNorm2d dw_bn = BatchNorm2d(12);
    private readonly Conv2d project = Conv2d(12, 6, 1);
    private readonly Linear fc = Linear(6 * 7 * 7, 10);

    public DepthwiseNet() : base(nameof(DepthwiseNet))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(DepthwiseNet));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "stem", stem);
        var s0 = plan.Space("stem");
        plan.Producer(s0, "stem", stem);
        plan.Consumer(s0, "expand", expand);
        var s1 = plan.Space("expand");
        var e = plan.Producer(s1, "expand", expand);
        plan.Normalizer(e, "expand_bn", expand_bn);
        var d = plan.PerChannel(s1, "dw", dw);
        plan.Normalizer(d, "dw_bn", dw_bn);
        plan.Gate(s1, TestCosts.Default);
        plan.Consumer(s1, "project", project);
        var s2 = plan.Space("project");
        plan.Producer(s2, "project", project);
        plan.FlattenConsumer("fc", fc, s2);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public Conv2d Dw => dw;

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(stem.call(x));                       // [N, 4, 14, 14]
        h = functional.relu(expand_bn.call(expand.call(h)));        // [N, 12, 14, 14]
        h = functional.relu(dw_bn.call(dw.call(h)));                // [N, 12, 14, 14]
        h = functional.max_pool2d(project.call(h), 2);              // [N, 6, 7, 7]
        return fc.call(h.flatten(1));
    }
}

/// <summary>The inference module of <see cref="TestResidualBlock"/> (what the generator writes: the forward copied).</summary>
public sealed class TestResidualBlockInference : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Conv2d conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Conv2d? shortcut;
    private readonly Module<Tensor, Tensor>? shortcut_bn;

    public TestResidualBlockInference(InferenceModules copies, string prefix, bool projection) : base(nameof(TestResidualBlockInference))
    {
        conv1 = copies.Conv2d(ChannelPlanBuilder.Qualify(prefix, "conv1"));
        bn1 = copies.Module(ChannelPlanBuilder.Qualify(prefix, "bn1"));
        conv2 = copies.Conv2d(ChannelPlanBuilder.Qualify(prefix, "conv2"));
        bn2 = copies.Module(ChannelPlanBuilder.Qualify(prefix, "bn2"));
        if (projection)
        {
            shortcut = copies.Conv2d(ChannelPlanBuilder.Qualify(prefix, "shortcut"));
            shortcut_bn = copies.Module(ChannelPlanBuilder.Qualify(prefix, "shortcut_bn"));
        }
        RegisterComponents();
    }

    public Module<Tensor, Tensor> Bn1 => bn1;

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        var s = shortcut is null ? x : shortcut_bn!.call(shortcut.call(x));
        return functional.relu(h + s);
    }
}

/// <summary>The inference module of <see cref="SmallResNet"/>.</summary>
public sealed class SmallResNetInference : Module<Tensor, Tensor>
{
    private readonly Conv2d stem;
    private readonly Module<Tensor, Tensor> stem_bn;
    private readonly TestResidualBlockInference block1;
    private readonly TestResidualBlockInference block2;
    private readonly TestResidualBlockInference block3;
    private readonly Linear head;

    public SmallResNetInference(Conv2d stem, Module<Tensor, Tensor> stem_bn, TestResidualBlockInference block1, TestResidualBlockInference block2,
        TestResidualBlockInference block3, Linear head) : base(nameof(SmallResNetInference))
    {
        this.stem = stem;
        this.stem_bn = stem_bn;
        this.block1 = block1;
        this.block2 = block2;
        this.block3 = block3;
        this.head = head;
        RegisterComponents();
    }

    public Module<Tensor, Tensor> StemBn => stem_bn;
    public TestResidualBlockInference Block1 => block1;

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(stem_bn.call(stem.call(x)));
        h = block1.call(h);
        h = block2.call(h);
        h = block3.call(h);
        h = functional.adaptive_avg_pool2d(h, 1);
        return head.call(h.flatten(1));
    }
}
