// MnistConv: channel pruning of a LeNet-5 and of a small residual CNN with BatchNorm on MNIST, four ways: dense, the
// game with PruneDsl's defaults, magnitude channel pruning to the game's widths plus a fine-tune of
// the same total epochs, and the pruned architecture trained from scratch.
//
//   dotnet run --project examples/MnistConv -c Release -- --net lenet
//   dotnet run --project examples/MnistConv -c Release -- --net resnet
//   dotnet run --project examples/MnistConv -c Release -- --help
using System;
using System.IO;
using System.Text.Json;
using MnistConv;
using PruneDsl.Examples;
using PruneDsl.Graph;
using Spectre.Console;

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var mnist = ExampleConsole.Start(options.DataDirectory, options.TrainLimit);
if (mnist is null) return 1;
// libtorch 2.10's oneDNN convolution backward reads uninitialized memory (NaN gradients at random): train without it.
LibTorchBackends.MkldnnEnabled = false;
// This CPU has no NNPACK support: without oneDNN libtorch would try it (and print a warning) for every convolution.
LibTorchBackends.NnpackEnabled = false;

// The convolutions take images: [N, 784] -> [N, 1, 28, 28].
var train = new PruneDsl.Training.LabeledData(mnist.Train.Inputs.view(-1, 1, 28, 28), mnist.Train.Labels);
var test = new PruneDsl.Training.LabeledData(mnist.Test.Inputs.view(-1, 1, 28, 28), mnist.Test.Labels);
var result = Experiment.Run(options, train, test);
Report.Print(result);

var jsonPath = options.JsonPath ?? Path.Combine("runs", "mnistconv", $"{options.Net.ToString().ToLowerInvariant()}-seed{options.Seed}.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;
