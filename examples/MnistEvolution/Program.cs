// MnistEvolution: the experiment of "Pruning as Evolution" (784-512-256-10 on MNIST, 768 neuron populations) with
// PruneDsl: masses evolve under each selection dynamic while the weights train, the lowest-mass populations are hard-pruned
// at 35% and 50%, then the 50%-pruned network is fine-tuned for a few epochs.
//
//   dotnet run --project examples/MnistEvolution -c Release                                  # both dynamics
//   dotnet run --project examples/MnistEvolution -c Release -- --dynamic replicator --scope global
//   dotnet run --project examples/MnistEvolution -c Release -- --help
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using MnistEvolution;
using PruneDsl.Examples;
using PruneDsl.Evolution;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var mnist = ExampleConsole.Start(options.DataDirectory, options.TrainLimit);
if (mnist is null) return 1;
var (train, test) = (mnist.Train, mnist.Test);

var jsonPath = options.JsonPath ?? Path.Combine("runs", $"mnist-evolution-{string.Join("-", options.Configurations.Select(c => c.Key))}.json");
var runs = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
var command = "dotnet run --project examples/MnistEvolution -c Release" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args));
var results = new List<RunSummary>();
foreach (var config in options.Configurations)
{
    manual_seed(options.Seed);
    var model = config.Create();
    foreach (var layer in model.Populations.PopulationLayers)
        layer.Spec = layer.Spec with
        {
            LearningRate = options.MassLearningRate ?? layer.Spec.LearningRate,
            Smoothing = options.Smoothing ?? layer.Spec.Smoothing,
        };
    var training = options.Checkpoints.Apply(Configuration.Training(options), $"mnist-evolution-{config.Key}");
    var spec = model.Populations.PopulationLayers[0].Spec;
    AnsiConsole.Write(new Rule(string.Create(CultureInfo.InvariantCulture,
        $"[yellow]{config.Title}[/]  mass lr {spec.LearningRate}, smoothing {spec.Smoothing}; Adam lr {training.LearningRate}; fine-tune {training.FineTuneEpochs} epochs")));

    var progress = new SynchronousProgress<EvolutionEpochReport>(e => AnsiConsole.MarkupLineInterpolated(
        $"{(e.Phase == EvolutionPhase.Selection ? "epoch    " : "fine-tune")} {e.Epoch,2}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  {string.Join("  ", e.Layers.Select(Describe))}  {e.Elapsed:mm\\:ss}"));
    var result = ExampleRun.Train(
        monitor => new EvolutionTrainer(model.Module, training).Run(train, test, progress, monitor, monitor),
        r => r.History, Path.Combine(runs, $"mnist-evolution-{config.Key}"), $"MnistEvolution: {config.Title}", command);
    if (result is null) return 1;

    var summary = RunSummary.From(config, result, training, spec);
    results.Add(summary);
    Report.PrintRun(summary);
}

Report.PrintTables(results);
Directory.CreateDirectory(runs);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions
{
    WriteIndented = true,
    Converters = { new JsonStringEnumConverter() },
}));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;

static string Describe(PopulationState s) => string.Create(CultureInfo.InvariantCulture,
    $"{s.Layer}: mass {s.MinMass:F2}..{s.MaxMass:F2} N_eff {s.EffectivePopulations:F0}/{s.Groups}");
