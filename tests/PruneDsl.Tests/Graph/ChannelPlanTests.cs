using System;
using System.Linq;
using PruneDsl.Graph;
using PruneDsl.Spec;
using PruneDsl.Tests.Compaction;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Graph;

/// <summary>The builder's checks, the shared gate of coupled producers, superseded block plans and refused spaces.</summary>
public sealed class ChannelPlanTests
{
    private static Tensor Batch(int n = 4, int seed = 3)
    {
        manual_seed(seed);
        return randn(n, 1, 28, 28);
    }

    [Fact]
    public void Build_reports_every_mismatch_between_the_plan_and_the_modules_at_once()
    {
        using var owner = new Holder();
        var plan = new ChannelPlanBuilder(owner, "Holder");
        var a = plan.Space("a");
        plan.Producer(a, "c8", owner.C8);
        plan.Producer(a, "c6", owner.C6);                 // 6 channels added to 8
        plan.Gate(a, new CostSpec(), "c8");
        plan.Gate(a, new CostSpec(Gamma: 1e-3), "c6");    // two settings on one coupled space
        plan.Consumer(a, "takes5", owner.Takes5);         // reads 8 but takes 5
        var b = plan.Space("b");
        plan.Gate(b, new CostSpec());                     // gated, no producer
        var c = plan.Space("c");
        plan.Producer(c, "c8again", owner.C8);            // the same module twice
        var d = plan.Space("d");
        plan.Producer(d, "c6d", owner.C6b);
        plan.FlattenConsumer("fc", owner.Fc100, d);       // 100 inputs for 6 channels

        var error = Assert.Throws<InvalidOperationException>(() => plan.Build());

        Assert.StartsWith("The channel plan of 'Holder' does not match its modules:", error.Message);
        Assert.Contains("space 'a' has 8 channels (from 'c8') but 'c6' (Conv2d) has 6", error.Message);
        Assert.Contains("space 'a' gets two gate settings: 'c8' declares", error.Message);
        Assert.Contains("'takes5' (Conv2d) takes 5 input channels but reads 'a' (8) = 8", error.Message);
        Assert.Contains("space 'b' is gated but has no producer", error.Message);
        Assert.Contains("the module of 'c8' and 'c8again' is declared 2 times as a member", error.Message);
        Assert.Contains("'fc' (Linear) takes 100 inputs, which is not a whole number of positions per channel for the 6 flattened channels of 'd'", error.Message);
        // Nothing was attached.
        Assert.DoesNotContain(owner.named_buffers(), b => b.name.EndsWith("_participation"));
    }

    [Fact]
    public void Builder_refuses_misuse_with_the_fix()
    {
        using var owner = new Holder();
        var plan = new ChannelPlanBuilder(owner, "Holder");
        var a = plan.Space("a");
        Assert.Throws<ArgumentException>(() => plan.Space("a"));
        var other = new ChannelPlanBuilder(owner, "Other").Space("x");
        Assert.Contains("belongs to another plan", Assert.Throws<ArgumentException>(() => plan.Producer(other, "c8", owner.C8)).Message);
        var p = plan.Producer(a, "c8", owner.C8);
        var bn = plan.Normalizer(p, "bn", owner.Bn8);
        Assert.Contains("already has the normalizer 'bn'", Assert.Throws<ArgumentException>(() => plan.Normalizer(p, "bn2", owner.Bn8)).Message);
        Assert.Contains("is itself a normalizer", Assert.Throws<ArgumentException>(() => plan.Normalizer(bn, "bn3", owner.Bn8)).Message);
        var unowned = plan.Space("unfed");
        plan.Consumer(unowned, "takes5", owner.Takes5);
        var error = Assert.Throws<InvalidOperationException>(() => plan.Build());
        Assert.Contains("space 'unfed' has no producer and is not marked Ungated or Opaque", error.Message);
    }

    [Fact]
    public void Coupled_producers_share_one_participation_applied_at_every_site()
    {
        manual_seed(5);
        using var model = new SmallResNet();
        var plan = model.Plan;

        Assert.Equal(new[] { "stem", "block1.conv1", "block2.conv1", "block3.conv1", "block3.out" }, plan.ParticipationLayers.Select(l => l.Name).ToArray());
        var stem = plan.Space("stem");
        Assert.Equal(new[] { "stem_bn", "block1.bn2", "block2.bn2" }, stem.Groups!.Sites.Select(s => s.Name).ToArray());
        Assert.Equal(new[] { "stem", "stem_bn", "block1.conv2", "block1.bn2", "block2.conv2", "block2.bn2" }, stem.Members.Select(m => m.Name).ToArray());
        Assert.Equal(new[] { "block1.conv1", "block2.conv1", "block3.conv1", "block3.shortcut" }, stem.Consumers.Select(c => c.Name).ToArray());
        var state = model.state_dict();
        Assert.Equal(new long[] { 8 }, state["stem_participation"].shape);
        Assert.Equal(new long[] { 12 }, state["block3_out_participation"].shape);

        // One forward pass goes through the shared gate three times (once per site).
        var gate = plan.ParticipationLayers[0];
        var before = gate.GateCalls;
        using var x = Batch();
        model.eval();
        model.call(x).Dispose();
        Assert.Equal(before + 3, gate.GateCalls);

        // Channel 2 at 0 silences it at every site: the block input and both block outputs.
        using (no_grad()) gate.Participation[2] = 0;
        var seen = new System.Collections.Generic.List<float>();
        var h1 = model.StemBn.register_forward_hook((_, _, o) => { seen.Add(o[.., 2].abs().max().item<float>()); return o; });
        model.call(x).Dispose();
        h1.remove();
        // The hook registered after the gate's sees the gated output of the stem's site.
        Assert.Equal(0f, seen.Single());
    }

    [Fact]
    public void An_outer_plan_supersedes_the_gates_of_its_blocks()
    {
        manual_seed(6);
        using var standalone = new TestResidualBlock(8, 8, 1);
        Assert.Null(standalone.ChannelPlan.SupersededBy);
        Assert.Equal(new[] { "input", "conv1" }, standalone.ChannelPlan.ParticipationLayers.Select(l => l.Name).ToArray());
        Assert.Contains(standalone.named_buffers(), b => b.name == "conv1_participation");

        using var model = new SmallResNet();
        var block = model.Block1;
        Assert.NotNull(block.ChannelPlan.SupersededBy);
        Assert.Contains("taken over by the plan of the model 'SmallResNet'", block.ChannelPlan.SupersededBy);
        // The block's own buffers are gone: the outer state dict holds each gate once, at the outer level.
        var keys = model.state_dict().Keys.ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("block1.") && k.EndsWith("_participation"));
        Assert.Contains("block1_conv1_participation", keys);
        // The block's own gate multiplies nothing any more and refuses to step; its plan refuses to compact.
        using var x = Batch();
        var blockGate = block.ChannelPlan.ParticipationLayers[0];
        var calls = blockGate.GateCalls;
        model.call(x).Dispose();
        Assert.Equal(calls, blockGate.GateCalls);
        var step = Assert.Throws<InvalidOperationException>(() => blockGate.Step());
        Assert.Contains("no longer gate anything", step.Message);
        Assert.Throws<InvalidOperationException>(() => block.ChannelPlan.Compact());
        Assert.Throws<InvalidOperationException>(() => block.ChannelPlan.StepParticipations());
    }

    [Fact]
    public void A_standalone_block_leaves_its_ungated_input_space_alone_and_says_why()
    {
        manual_seed(7);
        using var block = new TestResidualBlock(8, 8, 1);
        foreach (var layer in block.ChannelPlan.ParticipationLayers) Participations.Set(layer, 5, seed: 3);
        block.eval();
        using var x = randn(2, 8, 6, 6);
        block.ChannelPlan.HardPrune();
        using var pruned = block.call(x);

        var report = block.ChannelPlan.Compact();

        using var compacted = block.call(x);
        using var diff = (compacted - pruned).abs().max();
        Assert.True(diff.item<float>() <= 1e-5f);
        var input = report.Spaces.Single(s => s.Space == "input");
        Assert.Equal(SpaceOutcome.LeftAlone, input.Outcome);
        Assert.Equal((8, 8), (input.Before, input.After));
        Assert.Equal("ungated: the input of forward; output: it is the output of forward, whose width the model's users rely on", input.Reason);
        var inner = report.Spaces.Single(s => s.Space == "conv1");
        Assert.Equal((SpaceOutcome.Compacted, 8, 5), (inner.Outcome, inner.Before, inner.After));
    }

    [Fact]
    public void An_opaque_space_trains_with_its_gate_and_is_left_alone_with_its_text()
    {
        manual_seed(8);
        using var model = new OpaqueNet();
        var gate = model.Plan.ParticipationLayers.Single();
        Participations.Set(gate, 3, seed: 1);
        using var x = Batch(6);
        model.eval();
        model.Plan.HardPrune();
        using var pruned = model.call(x);

        var report = model.Plan.Compact();

        using var after = model.call(x);
        Assert.True(after.allclose(pruned, rtol: 0, atol: 0));
        var line = report.Spaces.Single();
        Assert.Equal(SpaceOutcome.LeftAlone, line.Outcome);
        Assert.Equal(OpaqueNet.Reason, line.Reason!["opaque: ".Length..]);
        Assert.Equal(8, model.Conv.weight!.shape[0]);
        Assert.Equal(report.ParametersBefore, report.ParametersAfter);
    }

    [Fact]
    public void An_invalid_compaction_changes_nothing()
    {
        manual_seed(9);
        using var model = new ConvChain();
        GraphCompactionTests.SetGates(model.Plan, 4);
        // The user replaced the head after the plan was built: 301 columns are not whole positions of 12 channels.
        using (no_grad()) model.Fc.weight = new Parameter(randn(10, 301));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = Assert.Throws<InvalidOperationException>(() => model.Plan.Compact());

        Assert.StartsWith("Cannot compact 'ConvChain'; nothing was changed:", error.Message);
        Assert.Contains("consumer 'fc' takes 301 inputs, not a whole number of positions for each of the 12 flattened channels", error.Message);
        var after = model.state_dict();
        Assert.Equal(before.Keys.OrderBy(k => k), after.Keys.OrderBy(k => k));
        foreach (var (key, value) in before)
            Assert.True(value.allclose(after[key], rtol: 0, atol: 0), $"'{key}' changed although compaction was refused");
        Assert.Equal(8, model.Conv1.out_channels);
    }

    [Fact]
    public void A_gate_site_called_without_its_hook_makes_the_step_throw_naming_it()
    {
        manual_seed(10);
        using var model = new SmallResNet();
        var gate = model.Plan.ParticipationLayers[0];
        using var x = Batch();
        model.call(x).sum().backward();
        gate.Step();   // every site saw the pass
        // A pass where block1's bn2 bypasses its hook: simulate by calling only the stem path.
        using (var y = model.StemBn.call(model.Stem.call(x))) y.sum().backward();
        var error = Assert.Throws<InvalidOperationException>(() => gate.Step());
        Assert.Contains("'stem' at 'block1.bn2'", error.Message);
        Assert.Contains("'stem' at 'block2.bn2'", error.Message);
        Assert.DoesNotContain("'stem' at 'stem_bn'", error.Message);
    }

    /// <summary>Modules for the builder's checks (no forward needed).</summary>
    private sealed class Holder : Module<Tensor, Tensor>
    {
        public readonly Conv2d C8 = Conv2d(1, 8, 3);
        public readonly Conv2d C6 = Conv2d(1, 6, 3);
        public readonly Conv2d C6b = Conv2d(1, 6, 3);
        public readonly Conv2d Takes5 = Conv2d(5, 4, 3);
        public readonly BatchNorm2d Bn8 = BatchNorm2d(8);
        public readonly Linear Fc100 = Linear(100, 10);

        public Holder() : base(nameof(Holder)) => RegisterComponents();

        public override Tensor forward(Tensor x) => x;
    }
}

/// <summary>A gated conv whose output goes through something the plan does not follow (a custom op).</summary>
public sealed class OpaqueNet : Module<Tensor, Tensor>, IPlannedModel
{
    public const string Reason = "forward line 3: the output of conv goes through torch.roll(h, 1, 1), which mixes channels; not followed";
    private readonly Conv2d conv = Conv2d(1, 8, 3, padding: 1);
    private readonly Conv2d next = Conv2d(8, 4, 3);

    public OpaqueNet() : base(nameof(OpaqueNet))
    {
        RegisterComponents();
        var plan = new ChannelPlanBuilder(this, nameof(OpaqueNet));
        var input = plan.Space("input");
        plan.Ungated(input, "the input of forward");
        plan.Consumer(input, "conv", conv);
        var s = plan.Space("conv");
        plan.Producer(s, "conv", conv);
        plan.Gate(s, TestCosts.Default);
        plan.Opaque(s, Reason);
        Plan = plan.Build();
    }

    public ChannelPlan Plan { get; }

    public Conv2d Conv => conv;

    public override Tensor forward(Tensor x) => next.call(functional.relu(conv.call(x)).roll(1, 1));
}
