// MnistGame: the experiment of "Pruning as a Game" (784-512-256-10 on MNIST, 20 epochs, batch 128) with PruneDsl.
//
//   dotnet run --project examples/MnistGame -c Release                       # PruneDsl's default configuration
//   dotnet run --project examples/MnistGame -c Release -- --config all       # the paper's four rows, then the default
//   dotnet run --project examples/MnistGame -c Release -- --help
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using MnistGame;
using PruneDsl;
using PruneDsl.Examples;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var mnist = ExampleConsole.Start(options.DataDirectory, options.TrainLimit);
if (mnist is null) return 1;
var (train, test) = (mnist.Train, mnist.Test);

var jsonPath = options.JsonPath ?? Path.Combine("runs", $"mnist-game-{string.Join("-", options.Configurations.Select(c => c.Key))}.json");
var runs = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
var command = "dotnet run --project examples/MnistGame -c Release" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args));
var results = new List<RunSummary>();
foreach (var config in options.Configurations)
{
    manual_seed(options.Seed);
    var model = config.Create();
    if (options.Sign is BenefitSign sign)
        foreach (var layer in model.Game.ParticipationLayers) layer.Cost = layer.Cost with { Benefit = sign };
    var training = options.Checkpoints.Apply(config.Training(options), $"mnist-game-{config.Key}");
    AnsiConsole.Write(new Rule($"[yellow]{config.Title}[/]  {Describe(model.Game.ParticipationLayers[0].Cost)}; {training.Optimizer} lr {training.LearningRate}"));

    var progress = new SynchronousProgress<EpochReport>(e => AnsiConsole.MarkupLineInterpolated(
        $"epoch {e.Epoch,2}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  kept {string.Join(" / ", e.Layers.Select(l => $"{l.Layer} {l.Kept}"))}  cond {string.Join(" / ", e.Layers.Select(l => l.ConditionNumber.ToString("G3", CultureInfo.InvariantCulture)))}  {e.Elapsed:mm\\:ss}"));
    var result = ExampleRun.Train(
        monitor => new GameTrainer(model.Module, training).Run(train, test, progress, monitor, monitor),
        r => r.History, Path.Combine(runs, $"mnist-game-{config.Key}"), $"MnistGame: {config.Title}", command);
    if (result is null) return 1;

    var summary = RunSummary.From(config, result, training, options);
    results.Add(summary);
    Report.PrintRun(summary, result);
    if (result.Budget is { } budget)
    {
        foreach (var p in budget.Prices)
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"budget {p.Scope} epoch {p.Epoch,2}: price {p.Price:G3}, kept {p.Used:G} of {p.Target:G}"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The game ended in epoch {budget.SettledEpoch} (step {budget.SettledStep}{(budget.Forced ? ", forced by the deadline" : "")}) at {budget.AccuracyAtSettle:P2}; final {result.AccuracyAfterPruning:P2}."));
    }
}

Report.PrintTable(results);
Directory.CreateDirectory(runs);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;

static string Describe(PruneDsl.Spec.CostSpec c) => string.Create(CultureInfo.InvariantCulture,
    $"alpha {c.Alpha}, beta {c.Beta}, gamma {c.Gamma}, eta {c.Eta}, lr_s {c.LearningRate}, benefit {c.Benefit}");
