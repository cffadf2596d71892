// MnistOneShot: one-shot compression that repairs what it removes, on the dense MNIST MLP 784-512-256-10, no fine-tune.
//
//   dotnet run --project examples/MnistOneShot -c Release
//   dotnet run --project examples/MnistOneShot -c Release -- --help
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using MnistOneShot;
using PruneDsl.Examples;
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
using var order = randperm(mnist.Train.Count, generator: new Generator((ulong)options.Seed + 1000));
var calibration = Enumerable.Range(0, (options.CalibrationImages + 127) / 128)
    .Select(b => mnist.Train.Inputs.index_select(0, order[(b * 128)..Math.Min((b + 1) * 128, options.CalibrationImages)]))
    .ToList();

var report = new Report(dense.Accuracy, options.CalibrationImages);
bool Runs(string table) => options.Only is null || options.Only == table;
var oneShot = Runs("oneshot") ? Experiments.OneShot(dense, calibration, mnist.Test) : new List<OneShotRow>();
if (oneShot.Count > 0) report.OneShot(oneShot);
var neurons = Runs("neurons") ? Experiments.Neurons(dense, calibration, mnist.Test, options.Fc1, options.Fc2, options.Dampening) : new List<NeuronRow>();
if (neurons.Count > 0) report.Neurons(neurons, options.Fc1, options.Fc2);
var sizes = Runs("sizes") ? Experiments.Sizes(dense, calibration, mnist.Test, Path.Combine("runs", "mnist-oneshot", "export-2-4-int4")) : new List<SizeRow>();
if (sizes.Count > 0) report.Sizes(sizes);
AnsiConsole.MarkupLineInterpolated($"Total {clock.Elapsed:m\\:ss} ({(dense.Cached ? "dense weights cached" : "including dense training")}).");

var jsonPath = options.JsonPath ?? Path.Combine("runs", options.Only is null ? "mnist-oneshot.json" : $"mnist-oneshot-{options.Only}.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { options, denseAccuracy = dense.Accuracy, oneShot, neurons, sizes },
    new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
foreach (var batch in calibration) batch.Dispose();
return 0;
