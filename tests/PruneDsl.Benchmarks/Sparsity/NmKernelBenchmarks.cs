using BenchmarkDotNet.Attributes;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Benchmarks.Sparsity;

/// <summary>
/// A 4096 x 4096 Linear layer pruned 2:4: dense TorchSharp product of the masked weight (baseline) against
/// <see cref="NmKernel"/> on the compressed weight, both on all cores, both with bias.
/// </summary>
[MemoryDiagnoser]
public class NmKernelBenchmarks
{
    private const int Features = 4096;
    private Tensor _denseWeight = null!, _bias = null!, _input = null!;
    private NmCompressed _compressed = null!;
    private float[] _inputArray = null!, _biasArray = null!, _output = null!;

    /// <summary>Rows of the input.</summary>
    [Params(1, 32, 128)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(1);
        var pattern = SparsityPattern.Parse("2:4");
        _denseWeight = randn(Features, Features) / 64f;
        NmSparsity.Prune(_denseWeight, pattern, "bench").Dispose();
        _compressed = NmCompressed.FromTensor(_denseWeight, pattern, "bench");
        _bias = randn(Features);
        _input = randn(Batch, Features);
        _inputArray = _input.data<float>().ToArray();
        _biasArray = _bias.data<float>().ToArray();
        _output = new float[Batch * Features];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _denseWeight.Dispose();
        _bias.Dispose();
        _input.Dispose();
    }

    /// <summary>libtorch's dense product of the masked weight (what a pruned model computes without a sparse kernel).</summary>
    [Benchmark(Baseline = true)]
    public float DenseTorch()
    {
        using var y = nn.functional.linear(_input, _denseWeight, _bias);
        return y.shape[0];
    }

    /// <summary>The 2:4 kernel from the compressed weight into a preallocated output (spans).</summary>
    [Benchmark]
    public float Sparse24Span()
    {
        NmKernel.MatMul(_inputArray, Batch, _compressed, _biasArray, _output);
        return _output[0];
    }

    /// <summary>The 2:4 kernel through its tensor overload (includes the copies in and out of TorchSharp).</summary>
    [Benchmark]
    public float Sparse24Tensor()
    {
        using var y = NmKernel.MatMul(_input, _compressed, _bias);
        return y.shape[0];
    }
}
