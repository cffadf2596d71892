using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using PruneDsl.Compaction;
using PruneDsl.Evolution;
using PruneDsl.Examples;
using PruneDsl.Pruning;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistCompare;

/// <summary>One row of the equal-width comparison.</summary>
/// <param name="Key">dense | pruned | scratch | game | evolution.</param>
/// <param name="Method">What was done, in words.</param>
/// <param name="Epochs">Training epochs spent in all (fine-tune included).</param>
/// <param name="Fc1">Kept fc1 neurons.</param>
/// <param name="Fc2">Kept fc2 neurons.</param>
/// <param name="Parameters">Parameters of the network once compacted to those widths.</param>
/// <param name="AccuracyBeforeFineTune">Test accuracy right after hard pruning, before any fine-tune (the game has none, so
/// it equals <paramref name="Accuracy"/> there); null where nothing was pruned.</param>
/// <param name="Accuracy">Final test accuracy.</param>
/// <param name="WallSeconds">Wall time of the whole row (training, pruning, fine-tune, per-epoch evaluation).</param>
public sealed record CompareRow(
    string Key,
    string Method,
    int Epochs,
    int Fc1,
    int Fc2,
    long Parameters,
    double? AccuracyBeforeFineTune,
    double Accuracy,
    double WallSeconds);

/// <summary>Everything --mode compare measured.</summary>
public sealed record CompareRunSummary(
    int TargetFc1,
    int TargetFc2,
    int DenseEpochs,
    int FineTuneEpochs,
    double LearningRate,
    int BatchSize,
    int Seed,
    long TrainImages,
    IReadOnlyList<CompareRow> Rows,
    IReadOnlyList<string> Notes);

public static class CompareMode
{
    /// <summary>Runs the rows; null when the game's or evolution's run failed (the reason is printed, the example exits non-zero).</summary>
    public static CompareRunSummary? Run(Options options, LabeledData train, LabeledData test, string runs, string command)
    {
        var settings = TrainingSettings.From(options);
        var rows = new List<CompareRow>();
        var notes = new List<string>();
        bool Want(string key) => !options.Skip.Contains(key);

        if (Want("pruned")) rows.AddRange(PrunedRows(options, settings, train, test));
        if (Want("scratch")) rows.Add(Scratch(options, settings, train, test));
        if (Want("game"))
        {
            if (Game(options, train, test, notes, runs, command) is not CompareRow game) return null;
            rows.Add(game);
        }
        if (Want("evolution"))
        {
            if (Evolution(options, train, test, notes, runs, command) is not CompareRow evolution) return null;
            rows.Add(evolution);
        }
        Report.PrintCompare(rows, options);
        return new CompareRunSummary(options.Fc1, options.Fc2, options.Epochs, options.FineTuneEpochs, options.LearningRate,
            options.BatchSize, options.Seed, train.Count, rows, notes);
    }

    /// <summary>(a) dense training, then magnitude-L2 structured pruning to exactly K1 / K2, then the fine-tune with masks kept.</summary>
    private static IEnumerable<CompareRow> PrunedRows(Options options, TrainingSettings settings, LabeledData train, LabeledData test)
    {
        AnsiConsole.Write(new Rule($"[yellow](a) dense 784-512-256-10, magnitude-L2 to {options.Fc1} / {options.Fc2}, fine-tune {options.FineTuneEpochs}[/]"));
        manual_seed(options.Seed);
        using var model = new Mlp();
        var clock = Stopwatch.StartNew();
        PlainTraining.Train(model, train, test, settings, options.Epochs, options.Seed, "dense");
        var dense = Evaluation.Accuracy(model, test);
        var denseSeconds = clock.Elapsed.TotalSeconds;
        yield return new CompareRow("dense", "dense 784-512-256-10 (reference, unpruned)", options.Epochs, 512, 256,
            Mlp.ParameterCount(512, 256), null, dense, denseSeconds);

        var (pruned, final) = MagnitudePruneAndFineTune(model, options.Fc1, options.Fc2, settings, options.FineTuneEpochs, options.Seed + 2, train, test);
        yield return new CompareRow("pruned", $"(a) dense {options.Epochs} ep, magnitude-L2 pruning to K1/K2, fine-tune {options.FineTuneEpochs} ep",
            options.Epochs + options.FineTuneEpochs, options.Fc1, options.Fc2, Mlp.ParameterCount(options.Fc1, options.Fc2), pruned, final,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Magnitude-L2 structured pruning of a trained dense MLP to exactly <paramref name="fc1"/> / <paramref name="fc2"/>
    /// neurons, then the fine-tune with the masks held; returns the accuracy right after pruning and after the fine-tune.
    /// </summary>
    internal static (double Pruned, double Final) MagnitudePruneAndFineTune(Mlp model, int fc1, int fc2, TrainingSettings settings,
        int fineTuneEpochs, long fineTuneSeed, LabeledData train, LabeledData test)
    {
        // One TargetSparsity per layer, p = (N - K) / N, so that round(p N) = N - K neurons are pruned and exactly K kept.
        var layers = model.HiddenLayers;
        var widths = new[] { fc1, fc2 };
        PruneReport report;
        using (var pruner = new CriterionPruner(layers.Select((l, i) =>
        {
            var n = (int)l.Layer.weight!.shape[0];
            return new PruneTarget(l.Name, l.Layer, MagnitudeCriterion.L2, new TargetSparsity((double)(n - widths[i]) / n));
        })))
            report = pruner.Apply();
        for (var i = 0; i < layers.Count; i++)
            if (report.Layers[i].Kept != widths[i])
                throw new InvalidOperationException($"Layer '{layers[i].Name}': target sparsity kept {report.Layers[i].Kept} neurons instead of {widths[i]}.");
        var pruned = Evaluation.Accuracy(model, test);
        AnsiConsole.MarkupLineInterpolated($"magnitude-L2 pruned to {fc1} / {fc2}: test {pruned:P2} before the fine-tune.");
        var final = pruned;
        if (fineTuneEpochs > 0)
        {
            var decisions = report.Layers.Select(l => l.Decision).ToList();
            PlainTraining.Train(model, train, test, settings, fineTuneEpochs, fineTuneSeed, "fine-tune",
                () => { for (var i = 0; i < layers.Count; i++) CriterionPruner.ZeroPruned(layers[i].Layer, decisions[i]); });
            EmpMode.CheckMasksHeld(model, report);
            final = Evaluation.Accuracy(model, test);
        }
        return (pruned, final);
    }

    /// <summary>(b) the small network trained from scratch for the pruned row's whole epoch budget.</summary>
    private static CompareRow Scratch(Options options, TrainingSettings settings, LabeledData train, LabeledData test)
    {
        var epochs = options.ScratchEpochsOrDefault;
        AnsiConsole.Write(new Rule($"[yellow](b) 784-{options.Fc1}-{options.Fc2}-10 from scratch, {epochs} epochs[/]"));
        manual_seed(options.Seed);
        using var model = new Mlp(options.Fc1, options.Fc2);
        var parameters = Compactor.ParameterCount(model);
        if (parameters != Mlp.ParameterCount(options.Fc1, options.Fc2))
            throw new InvalidOperationException($"The small MLP has {parameters} parameters; the width formula says {Mlp.ParameterCount(options.Fc1, options.Fc2)}.");
        var clock = Stopwatch.StartNew();
        PlainTraining.Train(model, train, test, settings, epochs, options.Seed, "scratch");
        return new CompareRow("scratch", $"(b) 784-K1-K2-10 trained from scratch, {epochs} ep", epochs, options.Fc1, options.Fc2,
            parameters, null, Evaluation.Accuracy(model, test), clock.Elapsed.TotalSeconds);
    }

    /// <summary>(c) the game with PruneDsl's default costs; it chooses its own widths.</summary>
    private static CompareRow? Game(Options options, LabeledData train, LabeledData test, List<string> notes, string runs, string command)
    {
        var training = options.Checkpoints.Apply(new GameTrainingOptions(), "mnist-compare-game") with
        {
            Epochs = options.GameEpochs,
            Seed = options.Seed,
            MaxBatchesPerEpoch = options.MaxBatches,
            ProbeConditionNumbers = false,
        };
        var cost = GameMlp.Fc1Cost;
        AnsiConsole.Write(new Rule(string.Create(CultureInfo.InvariantCulture,
            $"[yellow](c) the game, PruneDsl defaults[/]  alpha {cost.Alpha}, beta {cost.Beta}, gamma {cost.Gamma}, lr_s {cost.LearningRate}; Adam lr {training.LearningRate}, weight decay {training.WeightDecay}, {training.Epochs} epochs")));
        manual_seed(options.Seed);
        using var model = new GameMlp();
        var progress = new SynchronousProgress<EpochReport>(e => AnsiConsole.MarkupLineInterpolated(
            $"[grey]game[/] epoch {e.Epoch,2}/{training.Epochs}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  kept {string.Join(" / ", e.Layers.Select(l => $"{l.Layer} {l.Kept}"))}  {e.Elapsed:mm\\:ss}"));
        var result = ExampleRun.Train(monitor => new GameTrainer(model, training).Run(train, test, progress, monitor, monitor),
            r => r.History, Path.Combine(runs, "mnist-compare-game"), "MnistCompare: (c) the game", command);
        if (result is null) return null;
        var fc1 = result.Layers.Single(l => l.Layer == "fc1").Kept;
        var fc2 = result.Layers.Single(l => l.Layer == "fc2").Kept;
        var compaction = model.Compact();
        var compacted = Evaluation.Accuracy(model, test);
        AnsiConsole.MarkupLineInterpolated(
            $"Game: test {result.AccuracyBeforePruning:P2} gated, {result.AccuracyAfterPruning:P2} hard-pruned, {compacted:P2} compacted to {fc1} / {fc2} ({compaction.ParametersAfter:N0} parameters).");
        notes.Add($"Game: test accuracy {result.AccuracyBeforePruning:P2} gated at the end of training, {result.AccuracyAfterPruning:P2} hard-pruned (no fine-tune), {compacted:P2} compacted.");
        if (fc1 != options.Fc1 || fc2 != options.Fc2)
            notes.Add($"The game chose its own widths {fc1} / {fc2} (the other rows keep {options.Fc1} / {options.Fc2}).");
        if (Math.Abs(compacted - result.AccuracyAfterPruning) > 1e-4)
            notes.Add($"Compacting the game model changed its accuracy from {result.AccuracyAfterPruning:P2} to {compacted:P2}.");
        return new CompareRow("game", $"(c) the game, PruneDsl default costs, {training.Epochs} ep, hard-pruned at s < epsilon",
            training.Epochs, fc1, fc2, compaction.ParametersAfter, result.AccuracyAfterPruning, result.AccuracyAfterPruning, result.WallTime.TotalSeconds);
    }

    /// <summary>(d) evolution (replicator), pruned per layer to exactly K1 / K2 by mass, then the same fine-tune.</summary>
    private static CompareRow? Evolution(Options options, LabeledData train, LabeledData test, List<string> notes, string runs, string command)
    {
        var run = Evolve(options, options.Fc1, options.Fc2, options.EvolutionEpochsOrDefault, options.FineTuneEpochs, options.Seed, train, test, runs, command);
        if (run is null) return null;
        if (run.CompactionChanged is string note) notes.Add(note);
        return new CompareRow("evolution",
            $"(d) evolution (replicator) {run.SelectionEpochs} ep, lowest masses pruned to K1/K2, fine-tune {run.FineTuneEpochs} ep",
            run.SelectionEpochs + run.FineTuneEpochs, options.Fc1, options.Fc2, run.Parameters, run.PrunedAccuracy, run.FinalAccuracy, run.WallSeconds);
    }

    /// <summary>What <see cref="Evolve"/> measured.</summary>
    internal sealed record EvolutionRun(int SelectionEpochs, int FineTuneEpochs, long Parameters, double PrunedAccuracy, double FinalAccuracy,
        double WallSeconds, string? CompactionChanged);

    /// <summary>
    /// Evolution (replicator, <see cref="EvolutionMlp"/>): <paramref name="selectionEpochs"/> epochs of selection, the lowest
    /// masses of each layer made extinct down to exactly <paramref name="fc1"/> / <paramref name="fc2"/>, then
    /// <paramref name="fineTune"/> fine-tune epochs; compacted. Null when the run was stopped (its checkpoint says where).
    /// </summary>
    internal static EvolutionRun? Evolve(Options options, int fc1, int fc2, int selectionEpochs, int fineTune, int seed,
        LabeledData train, LabeledData test, string runs, string command)
    {
        manual_seed(seed);
        using var model = new EvolutionMlp();
        var targets = new Dictionary<string, int> { ["fc1"] = fc1, ["fc2"] = fc2 };
        foreach (var layer in model.PopulationLayers)
            layer.Spec = layer.Spec with { TargetSparsity = (double)(layer.Count - targets[layer.Name]) / layer.Count };
        var training = options.Checkpoints.Apply(new EvolutionTrainingOptions(), "mnist-compare-evolution") with
        {
            Epochs = selectionEpochs,
            LearningRate = options.LearningRate,
            BatchSize = options.BatchSize,
            Seed = seed,
            MaxBatchesPerEpoch = options.MaxBatches,
            Scope = ThresholdScope.PerLayer,
            FineTuneEpochs = fineTune,
            FineTuneLearningRate = options.LearningRate,
        };
        var spec = model.PopulationLayers[0].Spec;
        AnsiConsole.Write(new Rule(string.Create(CultureInfo.InvariantCulture,
            $"[yellow]evolution ({spec.Kind})[/]  mass lr {spec.LearningRate}, smoothing {spec.Smoothing}; {training.Epochs} ep selection + {training.FineTuneEpochs} ep fine-tune, pruned to {fc1} / {fc2}, seed {seed}")));
        var progress = new SynchronousProgress<EvolutionEpochReport>(e => AnsiConsole.MarkupLineInterpolated(
            $"[grey]evolution[/] {(e.Phase == EvolutionPhase.Selection ? "epoch    " : "fine-tune")} {e.Epoch,2}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  kept {string.Join(" / ", e.Layers.Select(l => $"{l.Layer} {l.Kept}"))}  {e.Elapsed:mm\\:ss}"));
        var result = ExampleRun.Train(monitor => new EvolutionTrainer(model, training).Run(train, test, progress, monitor, monitor),
            r => r.History, Path.Combine(runs, "mnist-compare-evolution"), "MnistCompare: evolution", command);
        if (result is null) return null;
        var kept1 = result.Layers.Single(l => l.Layer == "fc1").Kept;
        var kept2 = result.Layers.Single(l => l.Layer == "fc2").Kept;
        if (kept1 != fc1 || kept2 != fc2)
            throw new InvalidOperationException($"Evolution kept {kept1} / {kept2} instead of {fc1} / {fc2}.");
        var compaction = model.Compact();
        var compacted = Evaluation.Accuracy(model, test);
        var changed = Math.Abs(compacted - result.FinalAccuracy) > 1e-4
            ? $"Compacting the evolution model changed its accuracy from {result.FinalAccuracy:P2} to {compacted:P2}."
            : null;
        AnsiConsole.MarkupLineInterpolated(
            $"Evolution: dense {result.DenseAccuracy:P2}, pruned {result.PrunedAccuracy:P2}, fine-tuned {result.FinalAccuracy:P2}, compacted {compacted:P2} ({compaction.ParametersAfter:N0} parameters).");
        return new EvolutionRun(training.Epochs, training.FineTuneEpochs, compaction.ParametersAfter, result.PrunedAccuracy, result.FinalAccuracy,
            result.WallTime.TotalSeconds, changed);
    }
}
