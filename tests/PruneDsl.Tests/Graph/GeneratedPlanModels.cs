using PruneDsl;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Graph.Generated;

// Convolutional models whose channel plans the generator writes from forward (the Roslyn side of issue 10): the same
// shapes as the hand-planned GraphTestModels, declared with attributes only. Every one takes MNIST images viewed as
// [N, 1, 28, 28], and is made in the given dtype (the gates are buffers made with the plan: a model moved with to(dtype)
// afterwards would leave them behind).

/// <summary>LeNet-5 as issue 10 describes it: conv 1->20 5x5, pool, conv 20->50 5x5, pool, flatten, Linear 800->500, Linear 500->10.</summary>
public sealed partial class GenLeNet5 : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d conv1;
    [ParticipationGroup] private readonly Conv2d conv2;
    [ParticipationGroup] private readonly Linear fc1;
    private readonly Linear fc2;

    public GenLeNet5(ScalarType dtype = ScalarType.Float32) : base(nameof(GenLeNet5))
    {
        conv1 = Conv2d(1, 20, 5, dtype: dtype);
        conv2 = Conv2d(20, 50, 5, dtype: dtype);
        fc1 = Linear(800, 500, dtype: dtype);
        fc2 = Linear(500, 10, dtype: dtype);
        RegisterComponents();
    }

    public Conv2d Conv1 => conv1;
    public Conv2d Conv2 => conv2;
    public Linear Fc1 => fc1;

    public override Tensor forward(Tensor x)
    {
        x = functional.max_pool2d(functional.relu(conv1.call(x)), 2);
        x = functional.max_pool2d(functional.relu(conv2.call(x)), 2);
        x = x.flatten(1);
        x = functional.relu(fc1.call(x));
        return fc2.call(x);
    }
}

/// <summary>A residual block with an identity shortcut: conv2's channels are the block's input's.</summary>
public sealed partial class GenBasicBlock : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    [ParticipationGroup] private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public GenBasicBlock(long channels, ScalarType dtype = ScalarType.Float32) : base(nameof(GenBasicBlock))
    {
        conv1 = Conv2d(channels, channels, 3, padding: 1, bias: false, dtype: dtype);
        bn1 = BatchNorm2d(channels, dtype: dtype);
        conv2 = Conv2d(channels, channels, 3, padding: 1, bias: false, dtype: dtype);
        bn2 = BatchNorm2d(channels, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + x);
    }
}

/// <summary>A residual block with a strided 1x1 projection shortcut: conv2 and the shortcut produce one new space.</summary>
public sealed partial class GenDownBlock : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    [ParticipationGroup] private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    [ParticipationGroup] private readonly Conv2d shortcut;
    private readonly BatchNorm2d shortcut_bn;

    public GenDownBlock(ScalarType dtype = ScalarType.Float32) : base(nameof(GenDownBlock))
    {
        conv1 = Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false, dtype: dtype);
        bn1 = BatchNorm2d(32, dtype: dtype);
        conv2 = Conv2d(32, 32, 3, padding: 1, bias: false, dtype: dtype);
        bn2 = BatchNorm2d(32, dtype: dtype);
        shortcut = Conv2d(16, 32, 1, stride: 2, bias: false, dtype: dtype);
        shortcut_bn = BatchNorm2d(32, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        return functional.relu(h + shortcut_bn.call(shortcut.call(x)));
    }
}

/// <summary>A small ResNet: stem, two identity blocks, one projection block, global average pooling, a Linear head.</summary>
public sealed partial class GenResNet : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Conv2d stem;
    private readonly BatchNorm2d stem_bn;
    private readonly GenBasicBlock block1;
    private readonly GenBasicBlock block2;
    private readonly GenDownBlock block3;
    private readonly Linear head;

    public GenResNet(ScalarType dtype = ScalarType.Float32) : base(nameof(GenResNet))
    {
        stem = Conv2d(1, 16, 3, padding: 1, bias: false, dtype: dtype);
        stem_bn = BatchNorm2d(16, dtype: dtype);
        block1 = new GenBasicBlock(16, dtype);
        block2 = new GenBasicBlock(16, dtype);
        block3 = new GenDownBlock(dtype);
        head = Linear(32, 10, dtype: dtype);
        RegisterComponents();
    }

    public GenBasicBlock Block1 => block1;

    public override Tensor forward(Tensor x)
    {
        x = functional.relu(stem_bn.call(stem.call(x)));
        x = block1.call(x);
        x = block2.call(x);
        x = block3.call(x);
        x = functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return head.call(x);
    }
}
