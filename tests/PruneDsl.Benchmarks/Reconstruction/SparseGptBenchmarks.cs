using System;
using System.Globalization;
using System.IO;
using BenchmarkDotNet.Attributes;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Benchmarks.Reconstruction;

/// <summary>
/// SparseGPT on one square Linear layer of width W (W x W weights) from 2,048 calibration rows: the Hessian accumulation
/// <c>H = 2 X X^T / n</c> in float64, its dampening and two Cholesky factorizations, and the blocked column sweep
/// (B = 128) with the 2:4 or 50% unstructured mask, i.e. everything SparseGPT adds to the model's own forward passes.
/// Time: BenchmarkDotNet. Memory: <c>[MemoryDiagnoser]</c> counts managed allocations only; libtorch's native tensors
/// are measured separately as the process's peak resident set: before each iteration the kernel's high-water mark is
/// reset (<c>echo 5 &gt; /proc/self/clear_refs</c>), after it <c>VmHWM</c> (peak) minus the <c>VmRSS</c> before is the
/// growth the call caused; the largest over the iterations is printed as a <c>PeakRss</c> line in the log (kept in
/// <c>BenchmarkDotNet.Artifacts/*.log</c>). Linux only (elsewhere the lines say "n/a").
/// </summary>
[MemoryDiagnoser]
public class SparseGptBenchmarks
{
    private const int CalibrationRows = 2048;
    private Tensor _weight = null!, _inputs = null!;
    private ReconstructionSpec _spec = null!;
    private long _rssBefore, _peakGrowth, _peakAbsolute;

    /// <summary>Rows and columns of the layer.</summary>
    [Params(1024, 2048, 4096)]
    public int Width { get; set; }

    /// <summary>What is pruned: "2:4" or "50%" unstructured.</summary>
    [Params("2:4", "50%")]
    public string Target { get; set; } = "2:4";

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(1);
        _weight = randn(Width, Width) / MathF.Sqrt(Width);
        // Correlated inputs, as a layer inside a network sees them.
        using var mixing = eye(Width) + randn(Width, Width) / MathF.Sqrt(Width);
        using var z = randn(CalibrationRows, Width);
        _inputs = z.matmul(mixing);
        _spec = Target == "2:4"
            ? new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: "2:4")
            : new ReconstructionSpec(ReconstructionMethod.SparseGpt, Sparsity: 0.5);
    }

    [IterationSetup]
    public void ResetPeak()
    {
        GC.Collect();
        _rssBefore = Status("VmRSS:");
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException) { }
    }

    [IterationCleanup]
    public void ReadPeak()
    {
        var peak = Status("VmHWM:");
        _peakAbsolute = Math.Max(_peakAbsolute, peak);
        _peakGrowth = Math.Max(_peakGrowth, peak - _rssBefore);
    }

    /// <summary>Hessian from the calibration rows, then SparseGPT on the layer.</summary>
    [Benchmark]
    public long SparseGpt()
    {
        using var accumulator = new HessianAccumulator(Width, layerName: "bench");
        accumulator.Accumulate(_inputs);
        using var hessian = accumulator.Hessian();
        using var result = PruneDsl.Reconstruction.SparseGpt.PruneLayer(_weight, hessian, _spec, "bench", accumulator.Rows);
        return result.Kept;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"PeakRss width={Width} target={Target}: growth {(_peakGrowth > 0 ? $"{_peakGrowth / 1024.0:F0} MiB" : "n/a")}, process peak {(_peakAbsolute > 0 ? $"{_peakAbsolute / 1024.0:F0} MiB" : "n/a")}");
        Console.WriteLine(line);
        _weight.Dispose();
        _inputs.Dispose();
    }

    /// <summary>A /proc/self/status field in KiB, or 0 where there is none.</summary>
    private static long Status(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line.Substring(field.Length).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return 0;
    }
}
