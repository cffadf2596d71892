namespace PruneDsl.SourceGenerators.Tests;

/// <summary>The convolutional and residual models the channel-plan tests and snapshots run on.</summary>
public static class GraphSources
{
    /// <summary>LeNet-5 as issue 10 describes it: conv 1->20 5x5, pool, conv 20->50 5x5, pool, flatten, Linear 800->500, Linear 500->10.</summary>
    public const string LeNet = """
        namespace Examples.Conv;

        public sealed partial class LeNet5 : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 20, 5);
            [ParticipationGroup] private readonly Conv2d conv2 = Conv2d(20, 50, 5);
            [ParticipationGroup] private readonly Linear fc1 = Linear(800, 500);
            private readonly Linear fc2 = Linear(500, 10);

            public LeNet5() : base(nameof(LeNet5)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                x = functional.max_pool2d(functional.relu(conv1.call(x)), 2);
                x = functional.max_pool2d(functional.relu(conv2.call(x)), 2);
                x = x.flatten(1);
                x = functional.relu(fc1.call(x));
                return fc2.call(x);
            }
        }
        """;

    /// <summary>A residual block with BatchNorm: identity shortcut when the widths and stride agree, else a strided 1x1 projection.</summary>
    public const string ResidualBlock = """
        namespace Examples.Conv;

        public sealed partial class BasicBlock : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Conv2d conv1;
            private readonly BatchNorm2d bn1;
            [ParticipationGroup] private readonly Conv2d conv2;
            private readonly BatchNorm2d bn2;

            public BasicBlock(long channels) : base(nameof(BasicBlock))
            {
                conv1 = Conv2d(channels, channels, 3, padding: 1, bias: false);
                bn1 = BatchNorm2d(channels);
                conv2 = Conv2d(channels, channels, 3, padding: 1, bias: false);
                bn2 = BatchNorm2d(channels);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x)
            {
                var h = functional.relu(bn1.call(conv1.call(x)));
                h = bn2.call(conv2.call(h));
                return functional.relu(h + x);
            }
        }

        public sealed partial class DownBlock : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Conv2d conv1 = Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false);
            private readonly BatchNorm2d bn1 = BatchNorm2d(32);
            [ParticipationGroup] private readonly Conv2d conv2 = Conv2d(32, 32, 3, padding: 1, bias: false);
            private readonly BatchNorm2d bn2 = BatchNorm2d(32);
            [ParticipationGroup] private readonly Conv2d shortcut = Conv2d(16, 32, 1, stride: 2, bias: false);
            private readonly BatchNorm2d shortcut_bn = BatchNorm2d(32);

            public DownBlock() : base(nameof(DownBlock)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                var h = functional.relu(bn1.call(conv1.call(x)));
                h = bn2.call(conv2.call(h));
                return functional.relu(h + shortcut_bn.call(shortcut.call(x)));
            }
        }
        """;

    /// <summary>A small ResNet: stem, two identity blocks, one projection block, global average pooling, a Linear head.</summary>
    public const string ResNet = """
        namespace Examples.Conv;

        public sealed partial class ResNetSmall : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Conv2d stem = Conv2d(1, 16, 3, padding: 1, bias: false);
            private readonly BatchNorm2d stem_bn = BatchNorm2d(16);
            private readonly BasicBlock block1 = new BasicBlock(16);
            private readonly BasicBlock block2 = new BasicBlock(16);
            private readonly DownBlock block3 = new DownBlock();
            private readonly Linear head = Linear(32, 10);

            public ResNetSmall() : base(nameof(ResNetSmall)) => RegisterComponents();

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
        """;

    /// <summary>The three files, with the usings.</summary>
    public static (string Path, string Source)[] Files => new[]
    {
        ("LeNet.cs", Sources.Usings + LeNet),
        ("Blocks.cs", Sources.Usings + ResidualBlock),
        ("ResNet.cs", Sources.Usings + ResNet),
    };
}
