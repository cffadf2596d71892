// The two networks of the convolutional evidence, declared with attributes only: the source generator reads each
// forward, couples the channels (the residual adds), and writes the channel plan, the gates, Compact() and ToInference()
// (see obj/.../PruneDsl.SourceGenerators/ for the generated code). Every layer is a field called in forward; the widths
// are constructor arguments so the pruned architecture can be built again for the from-scratch row.
using System.Collections.Generic;
using System.Linq;
using PruneDsl;
using PruneDsl.Compaction;
using PruneDsl.Game;
using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistConv;

/// <summary>What the experiment needs of both networks (the generator implements all but the last two).</summary>
public interface IConvNet : IParticipationModel, ICompactableModel, IChannelPlanModel
{
    /// <summary>The generated <c>ToInference()</c>: compacts, folds BatchNorms into the convolutions, no gates, eval mode.</summary>
    Module<Tensor, Tensor> Inference();

    /// <summary>The names of the gated channel spaces whose widths define the architecture, in constructor order.</summary>
    IReadOnlyList<string> WidthSpaces { get; }
}

/// <summary>Helpers over <see cref="IConvNet"/>.</summary>
public static class ConvNets
{
    /// <summary>The current widths of <see cref="IConvNet.WidthSpaces"/>.</summary>
    public static int[] Widths(this IConvNet net) => net.WidthSpaces.Select(s => net.ChannelPlan.Space(s).Width!.Value).ToArray();
}

/// <summary>
/// LeNet-5 as in issue 10: conv 1->20 (5x5), max pool, conv 20->50 (5x5), max pool, Linear 800->500, Linear 500->10.
/// Gated with PruneDsl's default costs: conv1's and conv2's channels and fc1's neurons.
/// </summary>
public sealed partial class LeNet5 : Module<Tensor, Tensor>, IConvNet
{
    [ParticipationGroup] private readonly Conv2d conv1;
    [ParticipationGroup] private readonly Conv2d conv2;
    [ParticipationGroup] private readonly Linear fc1;
    private readonly Linear fc2;

    public LeNet5(int conv1Width = 20, int conv2Width = 50, int fc1Width = 500) : base(nameof(LeNet5))
    {
        conv1 = Conv2d(1, conv1Width, 5);
        conv2 = Conv2d(conv1Width, conv2Width, 5);
        fc1 = Linear(conv2Width * 4 * 4, fc1Width);
        fc2 = Linear(fc1Width, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = functional.relu(functional.max_pool2d(conv1.call(x), 2));   // [N, 20, 12, 12]
        x = functional.relu(functional.max_pool2d(conv2.call(x), 2));   // [N, 50, 4, 4]
        x = functional.relu(fc1.call(x.flatten(1)));                    // conv2's channel c owns fc1's columns 16c .. 16c+15
        return fc2.call(x);
    }

    public Module<Tensor, Tensor> Inference() => ToInference(CPU);

    public IReadOnlyList<string> WidthSpaces { get; } = new[] { "conv1", "conv2", "fc1" };
}

/// <summary>A residual block with an identity shortcut: conv 3x3 + BN, relu, conv 3x3 + BN, + x, relu.</summary>
public sealed partial class BasicBlock : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    [ParticipationGroup] private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public BasicBlock(long channels, long inner) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(channels, inner, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(inner);
        conv2 = Conv2d(inner, channels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + x);   // conv2's channels are x's: one space with whatever produced x
    }
}

/// <summary>A residual block with a strided 1x1 projection shortcut: conv2 and the shortcut write one new space.</summary>
public sealed partial class DownBlock : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    [ParticipationGroup] private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    [ParticipationGroup] private readonly Conv2d shortcut;
    private readonly BatchNorm2d shortcut_bn;

    public DownBlock(long inputs, long inner, long outputs) : base(nameof(DownBlock))
    {
        conv1 = Conv2d(inputs, inner, 3, stride: 2, padding: 1, bias: false);
        bn1 = BatchNorm2d(inner);
        conv2 = Conv2d(inner, outputs, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outputs);
        shortcut = Conv2d(inputs, outputs, 1, stride: 2, bias: false);
        shortcut_bn = BatchNorm2d(outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + shortcut_bn.call(shortcut.call(x)));
    }
}

/// <summary>
/// A small residual CNN with BatchNorm: a strided stem (conv 3x3 1->16 + BN, 14x14), two identity blocks, one block with a
/// strided 1x1 projection shortcut (16->32, 7x7), global average pooling and a Linear head. The stem and both identity
/// blocks' second convs write one coupled space (they are added together): one participation per channel gates all three.
/// </summary>
public sealed partial class ResNetSmall : Module<Tensor, Tensor>, IConvNet
{
    [ParticipationGroup] private readonly Conv2d stem;
    private readonly BatchNorm2d stem_bn;
    private readonly BasicBlock block1;
    private readonly BasicBlock block2;
    private readonly DownBlock block3;
    private readonly Linear head;

    /// <param name="widths">The trunk (stem and identity blocks), block1's inner, block2's inner, block3's inner, block3's output.</param>
    public ResNetSmall(int[]? widths = null) : base(nameof(ResNetSmall))
    {
        var w = widths ?? new[] { 16, 16, 16, 32, 32 };
        stem = Conv2d(1, w[0], 3, stride: 2, padding: 1, bias: false);
        stem_bn = BatchNorm2d(w[0]);
        block1 = new BasicBlock(w[0], w[1]);
        block2 = new BasicBlock(w[0], w[2]);
        block3 = new DownBlock(w[0], w[3], w[4]);
        head = Linear(w[4], 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = functional.relu(stem_bn.call(stem.call(x)));
        x = block1.call(x);
        x = block2.call(x);
        x = block3.call(x);
        return head.call(functional.adaptive_avg_pool2d(x, 1).flatten(1));
    }

    public Module<Tensor, Tensor> Inference() => ToInference(CPU);

    public IReadOnlyList<string> WidthSpaces { get; } = new[] { "stem", "block1.conv1", "block2.conv1", "block3.conv1", "block3.conv2" };
}
