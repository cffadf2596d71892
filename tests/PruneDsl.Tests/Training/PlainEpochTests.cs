using System;
using PruneDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

/// <summary>TrainingLoop.RunPlainEpoch: the plain epoch the examples and tests train dense, fine-tuned and from-scratch models with.</summary>
public sealed class PlainEpochTests
{
    private static LabeledData Blobs(int n)
    {
        var generator = new Generator(11);
        var labels = randint(0, 3, new long[] { n }, generator: generator);
        var centres = tensor(new float[] { 2, 0, -2, 0, 0, 2 }).reshape(3, 2);
        var inputs = centres.index_select(0, labels) + 0.3f * randn(new long[] { n, 2 }, generator: generator);
        return new LabeledData(inputs, labels);
    }

    [Fact]
    public void Counts_batches_calls_the_hooks_and_lowers_the_loss()
    {
        var data = Blobs(250);
        manual_seed(3);
        using var model = nn.Linear(2, 3);
        using var optimizer = optim.SGD(model.parameters(), 0.5);
        var steps = 0;
        var seen = (Last: 0, Of: 0);
        var first = TrainingLoop.RunPlainEpoch(model, optimizer, data, 32, new Generator(1), () => steps++, (b, of) => seen = (b, of));
        Assert.Equal(8, steps); // 250 / 32: 7 full batches and one of 26
        Assert.Equal((8, 8), seen);
        double last = first;
        for (var e = 0; e < 5; e++) last = TrainingLoop.RunPlainEpoch(model, optimizer, data, 32, new Generator(1));
        Assert.True(last < first / 2, $"mean loss {first} -> {last}");
    }

    [Fact]
    public void Honours_the_batch_cap_and_refuses_a_batch_size_below_one()
    {
        var data = Blobs(100);
        using var model = nn.Linear(2, 3);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        var steps = 0;
        TrainingLoop.RunPlainEpoch(model, optimizer, data, 10, new Generator(1), () => steps++, maxBatches: 3);
        Assert.Equal(3, steps);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingLoop.RunPlainEpoch(model, optimizer, data, 0, new Generator(1)));
    }
}
