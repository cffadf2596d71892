// MnistOneShot: one-shot compression that repairs what it removes, on the dense MNIST MLP 784-512-256-10, no fine-tune.
//
//   dotnet run --project examples/MnistOneShot -c Release
//   dotnet run --project examples/MnistOneShot -c Release -- --help
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MnistOneShot;
using PruneDsl.Examples;
using PruneDsl.Spec;
using Spectre.Console;
using static TorchSharp.torch;

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var mnist = ExampleConsole.Start(options.DataDirectory, null);
if (mnist is null) return 1;
var clock = System.Diagnostics.Stopwatch.StartNew();
using var dense = DenseWeights.TrainOrLoad(options, mnist.Train, mnist.Test);
AnsiConsole.MarkupLineInterpolated($"Dense 784-512-256-10: test accuracy [green]{dense.Accuracy:P2}[/].");

// Calibration: the first N images of a seeded shuffle of the training split, in batches of 128.
var order = randperm(mnist.Train.Count, generator: new Generator((ulong)options.Seed + 1000));
var calibration = Enumerable.Range(0, (options.CalibrationImages + 127) / 128)
    .Select(b => mnist.Train.Inputs.index_select(0, order[(b * 128)..Math.Min((b + 1) * 128, options.CalibrationImages)]))
    .ToList();

string P(double x) => x.ToString("P2", CultureInfo.InvariantCulture);
string Delta(double x) => (100 * (x - dense.Accuracy)).ToString("+0.00;-0.00", CultureInfo.InvariantCulture);

var only = Environment.GetEnvironmentVariable("ONESHOT_ONLY");
var oneShot = only is null or "oneshot" ? Experiments.OneShot(dense, calibration, mnist.Test) : new();
var table = new Table().Title($"One shot, no fine-tune: test accuracy (dense {P(dense.Accuracy)}; every Linear layer pruned; {options.CalibrationImages} calibration images)")
    .AddColumn("method");
foreach (var t in Experiments.Targets) table.AddColumn(t == "2:4" ? "2:4" : t + " unstructured");
foreach (var method in oneShot.Select(r => r.Method).Distinct())
    table.AddRow(new[] { method }.Concat(Experiments.Targets.Select(t => oneShot.First(r => r.Method == method && r.Target == t))
        .Select(r => $"{P(r.Accuracy)} ({Delta(r.Accuracy)})")).ToArray());
AnsiConsole.Write(table);

var neurons = only is null or "neurons" ? Experiments.Neurons(dense, calibration, mnist.Test, options.Fc1, options.Fc2, options.Dampening) : new();
var neuronTable = new Table().Title($"Hidden neurons removed to {options.Fc1} / {options.Fc2} (of 512 / 256), one shot, no fine-tune")
    .AddColumns("which neurons", "removal", "parameters", "test accuracy", "error at fc2 / head (||WX - W'X||^2 / n)");
foreach (var r in neurons)
    neuronTable.AddRow(r.Choice, r.Removal, r.Parameters.ToString("N0", CultureInfo.InvariantCulture), $"{P(r.Accuracy)} ({Delta(r.Accuracy)})",
        $"{r.ErrorFc2.ToString("G4", CultureInfo.InvariantCulture)} / {r.ErrorHead.ToString("G4", CultureInfo.InvariantCulture)}");
AnsiConsole.Write(neuronTable);

var exportDirectory = Path.Combine("runs", "mnist-oneshot", "export-2-4-int4");
var sizes = only is null or "sizes" ? Experiments.Sizes(dense, calibration, mnist.Test, exportDirectory) : new();
var denseWeights = sizes.FirstOrDefault()?.WeightBytes ?? 1;
var denseTotal = sizes.FirstOrDefault()?.TotalBytes ?? 1;
var sizeTable = new Table().Title("Stored size against accuracy (weights: values + positions + scales; biases float32 in every row)")
    .AddColumns("format", "rounding", "weight bytes", "smaller (weights)", "with biases", "smaller (all)", "test accuracy", "quantization error");
foreach (var r in sizes)
    sizeTable.AddRow(r.Format, r.Rounding, r.WeightBytes.ToString("N0", CultureInfo.InvariantCulture),
        ((double)denseWeights / r.WeightBytes).ToString("F2", CultureInfo.InvariantCulture) + "x",
        r.TotalBytes.ToString("N0", CultureInfo.InvariantCulture), ((double)denseTotal / r.TotalBytes).ToString("F2", CultureInfo.InvariantCulture) + "x",
        $"{P(r.Accuracy)} ({Delta(r.Accuracy)})", r.Rounding == "-" ? "-" : r.QuantizationError.ToString("G3", CultureInfo.InvariantCulture));
AnsiConsole.Write(sizeTable);
AnsiConsole.MarkupLineInterpolated($"Total {clock.Elapsed:m\\:ss} ({(dense.Cached ? "dense weights cached" : "including dense training")}).");

var jsonPath = options.JsonPath ?? Path.Combine("runs", "mnist-oneshot.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { options, denseAccuracy = dense.Accuracy, oneShot, neurons, sizes },
    new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;
