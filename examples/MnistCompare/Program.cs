// MnistCompare: Effective Model Pruning under several importance criteria, and an equal-width comparison of pruning,
// training small, the game and evolution, on MNIST 784-512-256-10.
//
//   dotnet run --project examples/MnistCompare -c Release                                    # --mode emp
//   dotnet run --project examples/MnistCompare -c Release -- --mode compare --fc1 37 --fc2 24
//   dotnet run --project examples/MnistCompare -c Release -- --mode frontier                  # budgets, game vs baselines
//   dotnet run --project examples/MnistCompare -c Release -- --help
using System;
using System.IO;
using System.Text.Json;
using MnistCompare;
using PruneDsl.Examples;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var mnist = ExampleConsole.Start(options.DataDirectory, options.TrainLimit);
if (mnist is null) return 1;
var (train, test) = (mnist.Train, mnist.Test);

var jsonPath = options.JsonPath ?? Path.Combine("runs", $"mnist-compare-{options.Mode.ToString().ToLowerInvariant()}.json");
var runs = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
var command = "dotnet run --project examples/MnistCompare -c Release" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args));
object summary;
if (options.Mode == Mode.Emp)
{
    var emp = EmpMode.Run(options, train, test);
    Report.PrintEmpSummary(emp);
    summary = emp;
}
else if (options.Mode == Mode.Frontier)
{
    var frontier = FrontierMode.Run(options, train, test, runs, command);
    AnsiConsole.WriteLine(FrontierMode.Table(frontier));
    AnsiConsole.MarkupLineInterpolated($"Table and plots in [blue]{Path.Combine(runs, "mnist-frontier")}[/].");
    summary = frontier;
}
else
{
    var compare = CompareMode.Run(options, train, test, runs, command);
    if (compare is null) return 1;
    foreach (var note in compare.Notes) AnsiConsole.MarkupLineInterpolated($"[yellow]Note:[/] {note}");
    summary = compare;
}

Directory.CreateDirectory(runs);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(summary, summary.GetType(), new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;
