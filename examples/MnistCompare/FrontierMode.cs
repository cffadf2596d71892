using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PruneDsl.Examples;
using PruneDsl.Reporting;
using PruneDsl.Spec;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace MnistCompare;

/// <summary>One point of the frontier: a method at the widths the game chose for one budget, one seed.</summary>
/// <param name="Budget">K, the hidden neurons the budget allows (of 768).</param>
/// <param name="Seed">The seed.</param>
/// <param name="Method">game | scratch | magnitude | evolution.</param>
/// <param name="Epochs">Training epochs spent in all (fine-tune included).</param>
/// <param name="Fc1">Kept fc1 neurons.</param>
/// <param name="Fc2">Kept fc2 neurons.</param>
/// <param name="Parameters">Parameters of the network compacted to those widths.</param>
/// <param name="Macs">Multiply-accumulates per example of the compacted network.</param>
/// <param name="Accuracy">Final test accuracy.</param>
/// <param name="AccuracyAtSettle">The game: test accuracy when the game ended (before the fine-tune); magnitude and evolution: right after pruning.</param>
/// <param name="SettledEpoch">The game: the epoch in which it ended.</param>
/// <param name="Forced">The game: whether its deadline ended it.</param>
/// <param name="WallSeconds">Wall time of the row.</param>
public sealed record FrontierRow(int Budget, int Seed, string Method, int Epochs, int Fc1, int Fc2, long Parameters, long Macs,
    double Accuracy, double? AccuracyAtSettle, double? SettledEpoch, bool? Forced, double WallSeconds)
{
    /// <summary>The share of the 768 hidden neurons pruned.</summary>
    public double Sparsity => 1 - (Fc1 + Fc2) / 768.0;
}

/// <summary>Everything --mode frontier measured.</summary>
public sealed record FrontierSummary(IReadOnlyList<int> Budgets, IReadOnlyList<int> Seeds, int GameEpochs, int GameFineTuneEpochs,
    double SettleEpochs, int DenseEpochs, int FineTuneEpochs, IReadOnlyList<FrontierRow> Rows, string Command,
    IReadOnlyList<string>? Included = null);

/// <summary>
/// The accuracy-sparsity frontier: for each budget, the game with <c>Budget = Keep K</c> picks its widths, and at exactly
/// those widths a 784-K1-K2-10 network trained from scratch, a dense network pruned by magnitude and fine-tuned, and
/// evolution (replicator) pruned by mass and fine-tuned, each for the game's total epochs. Writes a Markdown table and two plots (accuracy against sparsity and against MACs).
/// </summary>
public static class FrontierMode
{
    /// <summary>The paper's four rows (accuracy, neuron sparsity), arXiv 2512.22106, as README quotes them.</summary>
    private static readonly (string Row, double Accuracy, double Sparsity)[] Paper =
    {
        ("Very High Beta", 0.9664, 0.0), ("Extreme Beta", 0.9115, 0.9518), ("L1 Sparsity Strong", 0.8957, 0.9831), ("L1+L2 Combined", 0.9154, 0.9805),
    };

    public static FrontierSummary Run(Options options, LabeledData train, LabeledData test, string runs, string command)
    {
        var settings = TrainingSettings.From(options);
        var rows = new List<FrontierRow>();
        var included = new List<string>();
        foreach (var path in options.Include)
        {
            var earlier = System.Text.Json.JsonSerializer.Deserialize<FrontierSummary>(File.ReadAllText(path))
                ?? throw new ArgumentException($"'{path}' holds no frontier summary.");
            rows.AddRange(earlier.Rows);
            included.Add(earlier.Command);
        }
        if (options.ReportOnly) return Write(options, rows, runs, command, included);
        var magnitudeDense = options.GameEpochs - options.FineTuneEpochs;
        if (magnitudeDense < 1)
            throw new ArgumentException($"--finetune {options.FineTuneEpochs} leaves magnitude pruning no dense epoch within the game's {options.GameEpochs}.");
        foreach (var seed in options.Seeds)
        {
            var budgets = seed == options.Seeds[0] ? options.Budgets : options.Budgets.Where(options.MultiSeedBudgets.Contains).ToList();
            if (budgets.Count == 0) continue;

            // The dense network of the magnitude rows, trained once per seed: each budget restores it, prunes and fine-tunes.
            AnsiConsole.Write(new Rule($"[yellow]seed {seed}: dense 784-512-256-10, {magnitudeDense} epochs (magnitude pruning starts here)[/]"));
            manual_seed(seed);
            using var dense = new Mlp();
            var denseClock = Stopwatch.StartNew();
            PlainTraining.Train(dense, train, test, settings, magnitudeDense, seed, "dense");
            var denseSeconds = denseClock.Elapsed.TotalSeconds;
            using var snapshot = WeightSnapshot.Take(dense);

            foreach (var budget in budgets)
            {
                var game = Game(options, budget, seed, train, test);
                rows.Add(game);
                rows.Add(Scratch(options, settings, budget, seed, game.Fc1, game.Fc2, train, test));
                snapshot.Restore(dense);
                var clock = Stopwatch.StartNew();
                AnsiConsole.Write(new Rule($"[yellow]K = {budget}, seed {seed}: magnitude-L2 to {game.Fc1} / {game.Fc2}, fine-tune {options.FineTuneEpochs}[/]"));
                // Prune the dense network (no fine-tune here), then fine-tune the compacted network: the same function and the same
                // updates as fine-tuning the masked one (its pruned rows and columns stay zero there), at a fraction of the cost.
                var (pruned, _) = CompareMode.MagnitudePruneAndFineTune(dense, game.Fc1, game.Fc2, settings, 0, seed + 2, train, test);
                using var small = dense.Compacted();
                var compacted = Evaluation.Accuracy(small, test);
                if (Math.Abs(compacted - pruned) > 2e-4)
                    throw new InvalidOperationException($"Compacting the magnitude-pruned network changed its accuracy from {pruned:P2} to {compacted:P2}.");
                PlainTraining.Train(small, train, test, settings, options.FineTuneEpochs, seed + 2, "fine-tune");
                var final = Evaluation.Accuracy(small, test);
                rows.Add(new FrontierRow(budget, seed, "magnitude", options.GameEpochs, game.Fc1, game.Fc2, Mlp.ParameterCount(game.Fc1, game.Fc2),
                    Macs(game.Fc1, game.Fc2), final, pruned, null, null, clock.Elapsed.TotalSeconds + denseSeconds));
                Write(options, rows, runs, command, included);
                // Evolution at the same widths: selection for the epochs magnitude trains dense, then the same fine-tune.
                if (CompareMode.Evolve(options, game.Fc1, game.Fc2, magnitudeDense, options.FineTuneEpochs, seed, train, test, runs, command) is { } evolution)
                    rows.Add(new FrontierRow(budget, seed, "evolution", options.GameEpochs, game.Fc1, game.Fc2, evolution.Parameters,
                        Macs(game.Fc1, game.Fc2), evolution.FinalAccuracy, evolution.PrunedAccuracy, null, null, evolution.WallSeconds));
                Write(options, rows, runs, command, included);
            }
        }
        return Write(options, rows, runs, command, included);
    }

    private static FrontierRow Game(Options options, int budget, int seed, LabeledData train, LabeledData test)
    {
        var spec = new BudgetSpec(Keep: budget, SettleEpochs: options.SettleEpochs, FineTuneEpochs: options.FineTuneEpochs);
        var training = new GameTrainingOptions() with
        {
            Epochs = options.GameEpochs,
            Seed = seed,
            MaxBatchesPerEpoch = options.MaxBatches,
            ProbeConditionNumbers = false,
            Budget = spec,
        };
        AnsiConsole.Write(new Rule($"[yellow]K = {budget}, seed {seed}: the game under [[Budget(Keep = {budget})]], {training.Epochs} epochs (the game ends by epoch {training.Epochs - spec.FineTuneEpochs})[/]"));
        manual_seed(seed);
        using var model = new GameMlp();
        var progress = new SynchronousProgress<EpochReport>(e => AnsiConsole.MarkupLineInterpolated(
            $"[grey]game[/] epoch {e.Epoch,2}/{training.Epochs}  loss {e.TrainLoss:F4}  test {e.TestAccuracy:P2}  kept {string.Join(" / ", e.Layers.Select(l => $"{l.Layer} {l.Kept}"))}  price {model.ParticipationLayers[0].Cost.Gamma:G3}  {e.Elapsed:mm\\:ss}"));
        var result = new GameTrainer(model, training).Run(train, test, progress);
        var outcome = result.Budget!;
        var fc1 = result.Layers.Single(l => l.Layer == "fc1").Kept;
        var fc2 = result.Layers.Single(l => l.Layer == "fc2").Kept;
        AnsiConsole.MarkupLineInterpolated(
            $"game K = {budget}: kept {fc1} / {fc2}; ended in epoch {outcome.SettledEpoch}{(outcome.Forced ? " (deadline)" : "")} at {outcome.AccuracyAtSettle:P2}; final {result.AccuracyAfterPruning:P2}");
        return new FrontierRow(budget, seed, "game", training.Epochs, fc1, fc2, Mlp.ParameterCount(fc1, fc2), Macs(fc1, fc2),
            result.AccuracyAfterPruning, outcome.AccuracyAtSettle, outcome.SettledEpoch, outcome.Forced, result.WallTime.TotalSeconds);
    }

    private static FrontierRow Scratch(Options options, TrainingSettings settings, int budget, int seed, int fc1, int fc2, LabeledData train, LabeledData test)
    {
        AnsiConsole.Write(new Rule($"[yellow]K = {budget}, seed {seed}: 784-{fc1}-{fc2}-10 from scratch, {options.GameEpochs} epochs[/]"));
        manual_seed(seed);
        using var model = new Mlp(fc1, fc2);
        var clock = Stopwatch.StartNew();
        PlainTraining.Train(model, train, test, settings, options.GameEpochs, seed, "scratch");
        return new FrontierRow(budget, seed, "scratch", options.GameEpochs, fc1, fc2, Mlp.ParameterCount(fc1, fc2), Macs(fc1, fc2),
            Evaluation.Accuracy(model, test), null, null, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>MACs per example of a 784-h1-h2-10 MLP.</summary>
    public static long Macs(int hidden1, int hidden2) => (long)Mlp.Inputs * hidden1 + (long)hidden1 * hidden2 + (long)hidden2 * Mlp.Classes;

    private static FrontierSummary Write(Options options, IReadOnlyList<FrontierRow> rows, string runs, string command, IReadOnlyList<string> included)
    {
        var summary = new FrontierSummary(options.Budgets, options.Seeds, options.GameEpochs, options.FineTuneEpochs, options.SettleEpochs,
            options.GameEpochs - options.FineTuneEpochs, options.FineTuneEpochs, rows, command, included);
        var folder = Path.Combine(runs, "mnist-frontier");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "frontier.md"), Table(summary));
        // After every budget, so that a run stopped early leaves every row it finished (for --include).
        File.WriteAllText(Path.Combine(folder, "frontier.json"), System.Text.Json.JsonSerializer.Serialize(summary, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var methods = new[] { ("game", "the game under [Budget]"), ("magnitude", "magnitude-L2 + fine-tune"), ("evolution", "evolution (replicator) + fine-tune"), ("scratch", "from scratch") };
        var series = methods.Select(m => new PointSeries(m.Item2, Means(rows, m.Item1).Select(p => (100 * p.Sparsity, 100 * p.Accuracy)).ToList())).ToList();
        series.Add(new PointSeries("paper (arXiv 2512.22106, its table)", Paper.Select(p => (100 * p.Sparsity, 100 * p.Accuracy)).ToList(), Joined: false));
        RunPlots.Points(series, "MNIST 784-512-256-10: test accuracy against hidden neurons pruned", "hidden neurons pruned (%)", "test accuracy (%)",
            Path.Combine(folder, "frontier-sparsity.png"));
        var macs = methods.Select(m => new PointSeries(m.Item2, Means(rows, m.Item1).Select(p => ((double)p.Macs, 100 * p.Accuracy)).ToList())).ToList();
        RunPlots.Points(macs, "MNIST 784-512-256-10: test accuracy against MACs per example", "MACs per example (log scale)", "test accuracy (%)",
            Path.Combine(folder, "frontier-macs.png"), logX: true);
        return summary;
    }

    /// <summary>Per budget, the mean over seeds of one method's accuracy (at the seeds' mean widths).</summary>
    private static IEnumerable<(double Sparsity, double Macs, double Accuracy)> Means(IReadOnlyList<FrontierRow> rows, string method) =>
        rows.Where(r => r.Method == method).GroupBy(r => r.Budget)
            .Select(g => (g.Average(r => r.Sparsity), g.Average(r => (double)r.Macs), g.Average(r => r.Accuracy)));

    /// <summary>The table: one row per budget and seed, the three methods side by side.</summary>
    public static string Table(FrontierSummary s)
    {
        var b = new StringBuilder();
        foreach (var earlier in s.Included ?? Array.Empty<string>()) b.AppendLine($"Rows from: `{earlier}`.").AppendLine();
        b.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Command: `{s.Command}`. Every method trains {s.GameEpochs} epochs in all: the game ends by epoch {s.GameEpochs - s.GameFineTuneEpochs} (budget met and the kept set unchanged for {s.SettleEpochs} epoch(s) or a kept group on its way out; else the deadline) and fine-tunes the rest; magnitude: {s.DenseEpochs} dense epochs, prune, {s.FineTuneEpochs} fine-tune epochs; evolution: {s.DenseEpochs} selection epochs, the lowest masses pruned, {s.FineTuneEpochs} fine-tune epochs; scratch: {s.GameEpochs} epochs at the game's widths."));
        b.AppendLine();
        b.AppendLine("| budget K (pruned) | seed | kept fc1 / fc2 | MACs | game: at settle (epoch) | game: final | magnitude + fine-tune | evolution + fine-tune | from scratch |");
        b.AppendLine("| --- | --- | --- | ---: | --- | --- | --- | --- | --- |");
        foreach (var group in s.Rows.GroupBy(r => (r.Budget, r.Seed)).OrderByDescending(g => g.Key.Budget).ThenBy(g => g.Key.Seed))
        {
            var game = group.FirstOrDefault(r => r.Method == "game");
            var magnitude = group.FirstOrDefault(r => r.Method == "magnitude");
            var scratch = group.FirstOrDefault(r => r.Method == "scratch");
            var evolution = group.FirstOrDefault(r => r.Method == "evolution");
            if (game is null) continue;
            b.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Budget} ({100 * (1 - group.Key.Budget / 768.0):F2}%) | {group.Key.Seed} | {game.Fc1} / {game.Fc2} | {game.Macs:N0} | {Percent(game.AccuracyAtSettle)} ({game.SettledEpoch}{(game.Forced == true ? ", deadline" : "")}) | **{Percent(game.Accuracy)}** | {Percent(magnitude?.Accuracy)} | {Percent(evolution?.Accuracy)} | {Percent(scratch?.Accuracy)} |"));
        }
        return b.ToString();
    }

    private static string Percent(double? v) => v is double x ? (100 * x).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-";
}
