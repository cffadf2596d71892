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
    var training = Configuration.Training(options);
    var spec = model.Populations.PopulationLayers[0].Spec;
    AnsiConsole.Write(new Rule(string.Create(CultureInfo.InvariantCulture,
        $"[yellow]{config.Title}[/]  mass lr {spec.LearningRate}, smoothing {spec.Smoothing}; Adam lr {training.LearningRate}; fine-tune {training.FineTuneEpochs} epochs")));

    EvolutionRunResult result = null!;
    var progress = new SynchronousProgress<EvolutionEpochReport>(e => AnsiConsole.MarkupLineInterpolated(
        $"{(e.Phase == EvolutionPhase.Selection ? "epoch    " : "fine-tune")} {e.Epoch,2}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  {string.Join("  ", e.Layers.Select(Describe))}  {e.Elapsed:mm\\:ss}"));
    var total = training.Epochs + training.FineTuneEpochs;
    if (Console.IsOutputRedirected)
    {
        result = new EvolutionTrainer(model.Module, training).Run(train, test, progress);
    }
    else
    {
        AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask("training", maxValue: total);
                var batches = new SynchronousProgress<(int Epoch, int Batch, int Batches)>(b =>
                {
                    bar.Description = $"epoch {b.Epoch}/{total}";
                    bar.Value = b.Epoch - 1 + (double)b.Batch / b.Batches;
                });
                result = new EvolutionTrainer(model.Module, training).Run(train, test, progress, batches);
            });
    }

    var summary = RunSummary.From(config, result, training, spec);
    results.Add(summary);
    Report.PrintRun(summary);
}

Report.PrintTables(results);
var jsonPath = options.JsonPath ?? Path.Combine("runs", $"mnist-evolution-{string.Join("-", options.Configurations.Select(c => c.Key))}.json");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions
{
    WriteIndented = true,
    Converters = { new JsonStringEnumConverter() },
}));
AnsiConsole.MarkupLineInterpolated($"Numbers written to [blue]{jsonPath}[/].");
return 0;

static string Describe(PopulationState s) => string.Create(CultureInfo.InvariantCulture,
    $"{s.Layer}: mass {s.MinMass:F2}..{s.MaxMass:F2} N_eff {s.EffectivePopulations:F0}/{s.Groups}");
