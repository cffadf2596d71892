using System;
using PruneDsl.Reconstruction;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>
/// A seeded layer-wise problem: a weight W [rows, columns] and calibration inputs X [n, columns] with correlated
/// features (X = Z A for a random mixing A, so H is far from diagonal and the OBS update matters), in float64.
/// </summary>
internal sealed class LayerProblem : IDisposable
{
    public LayerProblem(int rows, int columns, int n, int seed, double correlation = 1.0)
    {
        var generator = new Generator((ulong)seed);
        Weight = randn(rows, columns, dtype: ScalarType.Float64, generator: generator);
        var z = randn(n, columns, dtype: ScalarType.Float64, generator: generator);
        using var mixing = eye(columns, dtype: ScalarType.Float64) + correlation * randn(columns, columns, dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(columns);
        Inputs = z.matmul(mixing);
        z.Dispose();
        using var accumulator = new HessianAccumulator(columns);
        accumulator.Accumulate(Inputs);
        Rows = accumulator.Rows;
        Hessian = accumulator.Hessian();
    }

    public Tensor Weight { get; }

    public Tensor Inputs { get; }

    public Tensor Hessian { get; }

    public long Rows { get; }

    /// <summary>||W X - W' X||_F^2 / n on the calibration inputs (X as rows), in float64.</summary>
    public double Error(Tensor pruned) => Error(Weight, pruned, Inputs);

    public static double Error(Tensor weight, Tensor pruned, Tensor inputs)
    {
        using var scope = NewDisposeScope();
        var delta = weight.to(ScalarType.Float64) - pruned.to(ScalarType.Float64);
        var outputs = inputs.to(ScalarType.Float64).matmul(delta.t());
        return outputs.square().sum().item<double>() / inputs.shape[0];
    }

    public void Dispose()
    {
        Weight.Dispose();
        Inputs.Dispose();
        Hessian.Dispose();
    }
}
