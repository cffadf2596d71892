using PruneDsl.Graph;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Graph;

/// <summary>The oneDNN switch, and that libtorch's own convolution backward gives exact input gradients whatever the freed memory held.</summary>
public sealed class LibTorchBackendsTests
{
    [Fact]
    public void With_onednn_off_the_input_gradient_of_a_convolution_is_exact_even_over_NaN_filled_memory()
    {
        LibTorchBackends.MkldnnEnabled = false;
        Assert.False(LibTorchBackends.MkldnnEnabled);
        manual_seed(81);
        using var conv = Conv2d(20, 50, 5, bias: false);   // LeNet-5's second convolution
        for (var i = 0; i < 5; i++)
        {
            // Leave NaN in memory the allocator will hand out again: an uninitialized read would show as NaN.
            for (var j = 0; j < 10; j++) full(64 * 64 * 28 * 28, float.NaN).Dispose();
            using var x = randn(64, 20, 12, 12).requires_grad_(true);
            using var y = conv.call(x);
            using var g = randn(y.shape);
            y.backward(new[] { g });
            using var _ = no_grad();
            using var reference = functional.conv_transpose2d(g, conv.weight!, null, new long[] { 1, 1 }, new long[] { 0, 0 }, new long[] { 0, 0 }, new long[] { 1, 1 }, 1);
            using var grad = x.grad!;
            using var nan = grad.isnan().any();
            Assert.False(nan.item<bool>());
            Assert.True(grad.allclose(reference, rtol: 1e-4, atol: 1e-5));
            conv.zero_grad();
        }
    }

    [Fact]
    public void NNPACK_can_be_switched_off_and_on()
    {
        var before = LibTorchBackends.NnpackEnabled;
        try
        {
            LibTorchBackends.NnpackEnabled = false;
            Assert.False(LibTorchBackends.NnpackEnabled);
            LibTorchBackends.NnpackEnabled = true;
            Assert.True(LibTorchBackends.NnpackEnabled);
        }
        finally
        {
            LibTorchBackends.NnpackEnabled = before;
        }
    }
}
