using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PruneDsl;
using PruneDsl.Graph;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistConv;

/// <summary>One row of the table.</summary>
/// <param name="Method">What was done.</param>
/// <param name="Epochs">Training epochs in total.</param>
/// <param name="TestAccuracy">Accuracy on the 10,000 test images (of the compacted model where there is one).</param>
/// <param name="Parameters">Parameters of the model as it runs (compacted where pruned; gates not counted).</param>
/// <param name="Macs">Multiply-accumulates per image (Conv2d and Linear).</param>
/// <param name="Widths">Kept widths of the gated spaces.</param>
/// <param name="WallTime">Training time of the row.</param>
/// <param name="Note">Anything else worth saying (accuracy before fine-tune, before compaction).</param>
public sealed record Row(string Method, int Epochs, double TestAccuracy, long Parameters, long Macs, int[] Widths, TimeSpan WallTime, string Note);

/// <summary>What a run produced.</summary>
public sealed record RunResult(string Net, string Cost, int TrainImages, int Epochs, int FineTuneEpochs, long Seed, string[] Spaces, IReadOnlyList<Row> Rows)
{
    /// <summary>Dense MACs over the game's MACs.</summary>
    public double MacReduction => (double)Rows[0].Macs / Rows[1].Macs;
}

/// <summary>The four rows: dense, the game, magnitude to the game's widths + fine-tune, the game's widths from scratch.</summary>
public static class Experiment
{
    public static RunResult Run(Options o, LabeledData train, LabeledData test)
    {
        var rows = new List<Row>();
        // Per-epoch lines are measured on the first 1,000 test images (cheap); every row's number on all 10,000.
        var monitor = new LabeledData(test.Inputs[..1000], test.Labels[..1000]);
        var spaces = Create(o).WidthSpaces.ToArray();
        AnsiConsole.MarkupLineInterpolated($"[bold]{o.Net}[/]: gated spaces {string.Join(", ", Create(o).ChannelPlan.ParticipationLayers.Select(l => $"{l.Name} ({l.Count})"))}; PruneDsl's default costs");

        // (a) dense, with per-epoch checkpoints (the magnitude row starts from epoch Epochs - FineTune).
        var clock = Stopwatch.StartNew();
        var dense = DenseAt(o, train, monitor, o.Epochs);
        rows.Add(Measure("dense", o.Epochs, dense, test, clock.Elapsed, ""));

        // (b) the game with PruneDsl's defaults, from scratch, with the same optimizer and weight decay.
        var (widths, gameRow) = Game(o, train, monitor, test, null, "the game (defaults)");
        rows.Add(gameRow);
        // (b') the game with the command line's Gamma / lr_s set on every gate at run time (ParticipationLayer.Cost), when given:
        // the defaults are sized for the paper's 9,380 steps; a short run needs a stronger price to prune at all.
        if (o.Gamma is not null || o.ParticipationLearningRate is not null)
        {
            var (declared, declaredRow) = Game(o, train, monitor, test, cost => cost with
            {
                Gamma = o.Gamma ?? cost.Gamma,
                LearningRate = o.ParticipationLearningRate ?? cost.LearningRate,
            }, FormattableString.Invariant($"the game (Gamma {o.Gamma?.ToString("G3") ?? "default"}, lr_s {o.ParticipationLearningRate?.ToString("G3") ?? "default"})"));
            rows.Add(declaredRow);
            widths = declared;
        }
        // (b'') the game under a MAC budget: [Budget(KeepFraction = F, Unit = BudgetUnit.Macs)] given at run time; the price is
        // found by dual ascent and the game ends for the last FineTuneEpochs epochs at the latest.
        if (o.BudgetMacs is double fraction)
        {
            var budget = new BudgetSpec(KeepFraction: fraction, Unit: BudgetUnit.Macs, SettleEpochs: o.SettleEpochs ?? BudgetDefaults.SettleEpochs,
                FineTuneEpochs: o.FineTuneEpochs);
            var (budgeted, budgetRow) = Game(o, train, monitor, test, null,
                FormattableString.Invariant($"the game, budget {fraction:P0} of the dense MACs"), budget);
            rows.Add(budgetRow);
            widths = budgeted;
        }

        // (c) magnitude (L2 over every member of a channel: filters, biases, BatchNorm affine) to the last game row's widths,
        // from the dense model after Epochs - FineTune epochs, compacted, then fine-tuned.
        clock.Restart();
        var magnitude = DenseAt(o, train, monitor, o.Epochs - o.FineTuneEpochs);
        foreach (var (layer, width) in magnitude.ChannelPlan.ParticipationLayers.Zip(widths))
        {
            using var scores = MagnitudeCriterion.L2.Score(layer.Groups);
            layer.Keep(TopK(scores, width));
        }
        magnitude.Compact();
        var pruned = Evaluation.Accuracy((nn.Module<Tensor, Tensor>)magnitude, test);
        Train(magnitude, train, monitor, o, o.FineTuneEpochs, "magnitude fine-tune", rateEpochOffset: o.Epochs - o.FineTuneEpochs);
        rows.Add(Measure("magnitude to the game's widths + fine-tune", o.Epochs, magnitude, test, clock.Elapsed,
            FormattableString.Invariant($"{o.Epochs - o.FineTuneEpochs} dense + {o.FineTuneEpochs} fine-tune epochs; {pruned:P2} before the fine-tune")));

        // (d) the game's widths from scratch.
        clock.Restart();
        manual_seed(o.Seed + 1000);
        var small = Create(o, widths);
        Train(small, train, monitor, o, o.Epochs, "from scratch");
        rows.Add(Measure("the game's widths from scratch", o.Epochs, small, test, clock.Elapsed, ""));

        return new RunResult(o.Net.ToString(), "default", (int)train.Count, o.Epochs, o.FineTuneEpochs, o.Seed, spaces, rows);
    }

    /// <summary>One game row: trains from scratch, compacts; the kept widths and the row.</summary>
    private static (int[] Widths, Row Row) Game(Options o, LabeledData train, LabeledData monitor, LabeledData test, Func<CostSpec, CostSpec>? cost, string method,
        BudgetSpec? budget = null)
    {
        var clock = Stopwatch.StartNew();
        manual_seed(o.Seed);
        var game = Create(o);
        if (cost is not null)
            foreach (var layer in game.ParticipationLayers) layer.Cost = cost(layer.Cost);
        var gameOptions = new GameTrainingOptions
        {
            Epochs = o.Epochs, BatchSize = o.BatchSize, LearningRate = o.LearningRate, LearningRateDecay = o.LearningRateDecay, WeightDecay = o.WeightDecay, Seed = o.Seed,
            ProbeConditionNumbers = false, Budget = budget,
        };
        var run = new GameTrainer((nn.Module<Tensor, Tensor>)game, gameOptions).Run(train, monitor,
            new Progress<EpochReport>(r => AnsiConsole.MarkupLineInterpolated(
                $"[grey]{method}[/] epoch {r.Epoch,2}/{o.Epochs}  loss {r.TrainLoss:F4}  test[[..1000]] {r.TestAccuracy:P2}  kept {string.Join("/", r.Layers.Select(l => l.Kept))}  {r.Elapsed:mm\\:ss}")));
        var certificate = run.Certificate;
        game.Compact();
        var ended = run.Budget is { } outcome
            ? FormattableString.Invariant($"; the game ended in epoch {outcome.SettledEpoch} ({(outcome.Forced ? "deadline" : "settled")}) at {outcome.AccuracyAtSettle:P2} (test[..1000]), price {outcome.Constraints[0].FinalPrice:G3}")
            : "";
        return (game.Widths(), Measure(method, o.Epochs, game, test, clock.Elapsed,
            FormattableString.Invariant($"before hard pruning {run.AccuracyBeforePruning:P2} (test[..1000]); certificate max gain {certificate.MaxGain:G3}, pruned that would re-enter {certificate.PrunedThatWouldReenter} of {certificate.PrunedGroups}{ended}")));
    }

    private static IConvNet Create(Options o, int[]? widths = null) => o.Net switch
    {
        Net.LeNet => widths is null ? new LeNet5() : new LeNet5(widths[0], widths[1], widths[2]),
        _ => new ResNetSmall(widths),
    };

    /// <summary>The dense model after <paramref name="epochs"/> epochs, from the cache or trained (caching every epoch).</summary>
    private static IConvNet DenseAt(Options o, LabeledData train, LabeledData test, int epochs)
    {
        Directory.CreateDirectory(o.CacheDirectory);
        string Path(int e) => System.IO.Path.Combine(o.CacheDirectory,
            FormattableString.Invariant($"{o.Net.ToString().ToLowerInvariant()}-dense-seed{o.Seed}-n{train.Count}-b{o.BatchSize}-lr{o.LearningRate:G3}{(o.LearningRateDecay == 1 ? "" : $"x{o.LearningRateDecay:G3}")}-wd{o.WeightDecay:G3}-epoch{e}.dat"));
        manual_seed(o.Seed);
        var model = Create(o);
        var module = (nn.Module)model;
        if (File.Exists(Path(epochs)))
        {
            module.load(Path(epochs));
            AnsiConsole.MarkupLineInterpolated($"[grey]dense: epoch {epochs} from {Path(epochs)}[/]");
            return model;
        }
        var start = Enumerable.Range(1, epochs - 1).Reverse().FirstOrDefault(e => File.Exists(Path(e)));
        if (start > 0) module.load(Path(start));
        Train(model, train, test, o, epochs - start, "dense", firstEpoch: start + 1, save: e => module.save(Path(e)));
        return model;
    }

    /// <summary>
    /// Adam with the game rows' learning rate (and its decay: epoch e of the run at rate * decay^(e-1), the fine-tune's epochs
    /// counted after the <paramref name="rateEpochOffset"/> dense ones) and weight decay over seeded shuffles, cross-entropy,
    /// gates not stepped (they stay 1, or are gone after compaction); one line per epoch.
    /// </summary>
    private static void Train(IConvNet model, LabeledData train, LabeledData test, Options o, int epochs, string label, int firstEpoch = 1, Action<int>? save = null,
        int rateEpochOffset = 0)
    {
        var module = (nn.Module<Tensor, Tensor>)model;
        var settings = new GameTrainingOptions { LearningRate = o.LearningRate, LearningRateDecay = o.LearningRateDecay, WeightDecay = o.WeightDecay };
        using var optimizer = settings.CreateOptimizer(module.parameters());
        var clock = Stopwatch.StartNew();
        for (var e = firstEpoch; e < firstEpoch + epochs; e++)
        {
            module.train();
            settings.ApplyLearningRate(optimizer, rateEpochOffset + e);
            using var generator = new Generator((ulong)(o.Seed * 7919 + e));
            var trainLoss = TrainingLoop.RunPlainEpoch(module, optimizer, train, o.BatchSize, generator);
            save?.Invoke(e);
            AnsiConsole.MarkupLineInterpolated($"[grey]{label}[/] epoch {e,2}  loss {trainLoss:F4}  test[[..1000]] {Evaluation.Accuracy(module, test):P2}  {clock.Elapsed:mm\\:ss}");
        }
    }

    private static KeepDecision TopK(Tensor scores, int keep)
    {
        using var cpu = scores.to(ScalarType.Float64).cpu();
        var values = cpu.data<double>().ToArray();
        var kept = values.Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(keep).Select(p => p.i).ToHashSet();
        return new KeepDecision(values.Select((_, i) => kept.Contains(i)).ToArray());
    }

    private static Row Measure(string method, int epochs, IConvNet model, LabeledData test, TimeSpan wall, string note)
    {
        var module = (nn.Module<Tensor, Tensor>)model;
        var parameters = module.parameters().Sum(p => p.numel());
        var macs = MacCounter.Count(module, 1, 28, 28);
        var accuracy = Evaluation.Accuracy(module, test);
        var row = new Row(method, epochs, accuracy, parameters, macs, model.Widths(), wall, note);
        AnsiConsole.MarkupLineInterpolated($"[bold]{method}[/]: {accuracy:P2}, {parameters:N0} parameters, {macs:N0} MACs, widths {string.Join("/", row.Widths)}  {note}");
        return row;
    }
}
