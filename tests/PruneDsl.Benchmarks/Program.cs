using BenchmarkDotNet.Running;

namespace PruneDsl.Benchmarks;

/// <summary>
/// Entry point: every benchmark class in this assembly is selectable, e.g.
/// <c>dotnet run -c Release --project tests/PruneDsl.Benchmarks -- --filter '*NmKernel*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
