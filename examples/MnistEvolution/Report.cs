using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Spectre.Console;

namespace MnistEvolution;

/// <summary>The numbers of one run, as written to JSON.</summary>
public sealed record RunSummary(
    string Dynamic,
    string Title,
    int Epochs,
    double LearningRate,
    double MassLearningRate,
    double Smoothing,
    double DenseAccuracy,
    IReadOnlyList<PruningProbe> Sweep,
    double TargetSparsity,
    ThresholdScope Scope,
    double PrunedAccuracy,
    int FineTuneEpochs,
    double? FineTuneLearningRate,
    double? FineTunedAccuracy,
    IReadOnlyDictionary<string, int> KeptPerLayer,
    IReadOnlyList<PopulationState> MassesAtEndOfSelection,
    double SelectionSeconds,
    double FineTuneSeconds,
    double WallSeconds)
{
    public static RunSummary From(Configuration config, EvolutionRunResult r, EvolutionTrainingOptions t, DynamicsSpec spec) => new(
        config.Key, config.Title, t.Epochs, t.LearningRate, spec.LearningRate, spec.Smoothing,
        r.DenseAccuracy, r.Sweep, r.Sparsity, r.Scope, r.PrunedAccuracy, t.FineTuneEpochs, t.FineTuneLearningRate, r.FineTunedAccuracy,
        r.Layers.ToDictionary(l => l.Layer, l => l.Kept),
        r.Epochs.Last(e => e.Phase == EvolutionPhase.Selection).Layers,
        r.SelectionTime.TotalSeconds, r.FineTuneTime.TotalSeconds, r.WallTime.TotalSeconds);

    /// <summary>The sweep's accuracy at a level, or null when it was not measured.</summary>
    public double? At(double sparsity, ThresholdScope scope) =>
        Sweep.FirstOrDefault(p => Math.Abs(p.Sparsity - sparsity) < 1e-12 && p.Scope == scope)?.Accuracy;
}

public static class Report
{
    private static string P(double? v) => v?.ToString("P2", CultureInfo.InvariantCulture) ?? "-";

    public static void PrintRun(RunSummary s)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"dense {P(s.DenseAccuracy)}; hard-pruned {s.TargetSparsity:P1} ({s.Scope}) {P(s.PrunedAccuracy)}; after {s.FineTuneEpochs} fine-tune epochs {P(s.FineTunedAccuracy)}; kept {string.Join(" / ", s.KeptPerLayer.Select(k => $"{k.Key} {k.Value}"))}");
    }

    public static void PrintTables(IReadOnlyList<RunSummary> runs)
    {
        var paper = new Table().Title("Table 1. MNIST 784-512-256-10: the paper's benchmark (hard pruning of the lowest masses after training, no fine-tune)")
            .AddColumns("dynamic", "dense", "35% per layer", "35% global", "50% per layer", "50% global", "selection time");
        foreach (var s in runs)
            paper.AddRow(s.Title, P(s.DenseAccuracy),
                P(s.At(0.35, ThresholdScope.PerLayer)), P(s.At(0.35, ThresholdScope.Global)),
                P(s.At(0.50, ThresholdScope.PerLayer)), P(s.At(0.50, ThresholdScope.Global)),
                TimeSpan.FromSeconds(s.SelectionSeconds).ToString(@"m\:ss", CultureInfo.InvariantCulture));
        paper.AddRow("paper (arXiv 2601.10765)", Configuration.PaperDense, Configuration.Paper35, "-", Configuration.Paper50, "-", "-");
        AnsiConsole.Write(paper);

        var fineTune = new Table().Title("Table 2. Beyond the paper: the pruned network fine-tuned (masses frozen, extinct neurons held at 0)")
            .AddColumns("dynamic", "removed", "scope", "pruned", "fine-tuned", "epochs", "kept fc1 / fc2", "fine-tune time", "total time");
        foreach (var s in runs)
            fineTune.AddRow(s.Title, s.TargetSparsity.ToString("P1", CultureInfo.InvariantCulture), s.Scope.ToString(),
                P(s.PrunedAccuracy), P(s.FineTunedAccuracy), s.FineTuneEpochs.ToString(CultureInfo.InvariantCulture),
                string.Join(" / ", s.KeptPerLayer.Values),
                TimeSpan.FromSeconds(s.FineTuneSeconds).ToString(@"m\:ss", CultureInfo.InvariantCulture),
                TimeSpan.FromSeconds(s.WallSeconds).ToString(@"m\:ss", CultureInfo.InvariantCulture));
        AnsiConsole.Write(fineTune);
    }
}
