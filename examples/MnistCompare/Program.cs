// MnistCompare: Effective Model Pruning under several importance criteria, and an equal-width comparison of pruning,
// training small, the game and evolution, on MNIST 784-512-256-10.
//
//   dotnet run --project examples/MnistCompare -c Release                                    # --mode emp
//   dotnet run --project examples/MnistCompare -c Release -- --mode compare --fc1 37 --fc2 24
//   dotnet run --project examples/MnistCompare -c Release -- --help
using System;
using System.IO;
using System.Text.Json;
using MnistCompare;
using PruneDsl.Data;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

var options = CommandLine.Parse(args);
if (options is null) return 2;

set_num_threads(Math.Max(1, Environment.ProcessorCount));
// Redirected output (logs, notes) gets Spectre's 80 columns otherwise, which wraps the wide tables.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
string dataDirectory;
try
{
    dataDirectory = options.DataDirectory ?? new MnistFetcher(log: m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]")).Ensure();
}
catch (Exception e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]Could not obtain MNIST:[/] {e.Message}");
    return 1;
}

using var trainSet = MnistDataset.Load(dataDirectory, MnistSplit.Train, options.TrainLimit is int t ? DataSubset.First(t) : null);
using var testSet = MnistDataset.Load(dataDirectory, MnistSplit.Test);
var train = new LabeledData(trainSet.Images, trainSet.Labels);
var test = new LabeledData(testSet.Images, testSet.Labels);
AnsiConsole.MarkupLineInterpolated($"MNIST from [blue]{dataDirectory}[/]: {train.Count} training, {test.Count} test images.");

object summary;
if (options.Mode == Mode.Emp)
{
    var emp = EmpMode.Run(options, train, test);
    Report.PrintEmpSummary(emp);
    summary = emp;
}
else
{
    var compare = CompareMode.Run(options, train, test);
    foreach (var note in compare.Notes) AnsiConsole.MarkupLineInterpolated($"[yellow]Note:[/] {note}");
    summary = compare;
}

var jsonPath = options.JsonPath ?? Path.Combine("runs", $"mnist-compare-{options.Mode.ToString().ToLowerInvariant()}.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(summary, summary.GetType(), new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;
