using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.Training;
using Spectre.Console;

namespace MnistGame;

/// <summary>The numbers of one run, as written to JSON.</summary>
public sealed record RunSummary(
    string Config,
    string Title,
    int Epochs,
    string Optimizer,
    double LearningRate,
    double WeightDecay,
    string Benefit,
    double AccuracyBeforePruning,
    double AccuracyAfterPruning,
    double NeuronSparsity,
    IReadOnlyDictionary<string, int> KeptPerLayer,
    double ShareNearZero,
    double ShareNearOne,
    IReadOnlyList<long> Histogram,
    double CertificateMaxGain,
    IReadOnlyDictionary<string, double> CertificateMeanGain,
    IReadOnlyDictionary<string, int> PrunedThatWouldReenter,
    IReadOnlyDictionary<string, double?> MaxReentrySlope,
    IReadOnlyDictionary<string, double> MaxReentryGain,
    double WallSeconds,
    double? PaperAccuracy,
    double? PaperSparsity)
{
    public static RunSummary From(Configuration config, GameRunResult r, GameTrainingOptions t, Options o) => new(
        config.Key, config.Title, t.Epochs, t.Optimizer.ToString(), t.LearningRate, t.WeightDecay,
        o.Sign?.ToString() ?? "attribute",
        r.AccuracyBeforePruning, r.AccuracyAfterPruning, r.Sparsity,
        r.Layers.ToDictionary(l => l.Layer, l => l.Kept),
        r.Histogram.NearZero, r.Histogram.NearOne, r.Histogram.Counts,
        r.Certificate.MaxGain, r.Certificate.Layers.ToDictionary(l => l.Layer, l => l.MeanGain),
        r.Certificate.Layers.ToDictionary(l => l.Layer, l => l.PrunedThatWouldReenter),
        r.Certificate.Layers.ToDictionary(l => l.Layer, l => double.IsNaN(l.MaxReentrySlope) ? (double?)null : l.MaxReentrySlope),
        r.Certificate.Layers.ToDictionary(l => l.Layer, l => l.MaxReentryGain),
        r.WallTime.TotalSeconds, config.PaperAccuracy, config.PaperSparsity);
}

public static class Report
{
    public static void PrintRun(RunSummary s, GameRunResult r)
    {
        var certificate = new Table().Title("Equilibrium certificate (utility gain of each group's best response, others fixed)")
            .AddColumns("layer", "max gain", "mean gain", "groups that would move",
                "pruned", "pruned that would re-enter", "max slope at 0 (true dL/ds)", "max re-entry gain");
        foreach (var l in r.Certificate.Layers)
            certificate.AddRow(l.Layer, G3(l.MaxGain), G3(l.MeanGain), l.GroupsThatWouldMove.ToString(CultureInfo.InvariantCulture),
                l.PrunedGroups.ToString(CultureInfo.InvariantCulture), l.PrunedThatWouldReenter.ToString(CultureInfo.InvariantCulture),
                double.IsNaN(l.MaxReentrySlope) ? "-" : G3(l.MaxReentrySlope), G3(l.MaxReentryGain));
        AnsiConsole.Write(certificate);
        var c = r.Certificate;
        AnsiConsole.WriteLine(c.PrunedGroups == 0
            ? "Re-entry: no group was pruned."
            : c.PrunedThatWouldReenter > 0
                ? $"Re-entry: {c.PrunedThatWouldReenter} of {c.PrunedGroups} pruned groups WOULD GAIN by re-entering (utility slope at 0 under the true marginal dL/ds > 0; largest {G3(c.MaxReentrySlope)}, largest gain {G3(c.MaxReentryGain)}): their 0 is not a best response; the game's benefit s dL/ds cannot see it."
                : $"Re-entry: none of the {c.PrunedGroups} pruned groups would gain by re-entering (largest utility slope at 0 under the true marginal dL/ds: {G3(c.MaxReentrySlope)}).");
        AnsiConsole.MarkupLineInterpolated(
            $"Participations at the end: {s.ShareNearZero:P1} within 0.05 of 0, {s.ShareNearOne:P1} within 0.05 of 1 (bimodal share {s.ShareNearZero + s.ShareNearOne:P1}).");
        AnsiConsole.WriteLine("Histogram (20 bins over [0, 1]): " + string.Join(" ", s.Histogram));
    }

    private static string G3(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    public static void PrintTable(IReadOnlyList<RunSummary> runs)
    {
        var table = new Table().Title("MNIST 784-512-256-10, hard-pruned at s < epsilon")
            .AddColumns("configuration", "test accuracy", "neuron sparsity", "kept fc1 / fc2", "pruned that would re-enter",
                "paper accuracy", "paper sparsity", "wall time");
        foreach (var s in runs)
            table.AddRow(
                s.Title,
                s.AccuracyAfterPruning.ToString("P2", CultureInfo.InvariantCulture),
                s.NeuronSparsity.ToString("P2", CultureInfo.InvariantCulture),
                string.Join(" / ", s.KeptPerLayer.Values),
                string.Join(" / ", s.PrunedThatWouldReenter.Values),
                s.PaperAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                s.PaperSparsity?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                TimeSpan.FromSeconds(s.WallSeconds).ToString(@"m\:ss", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
