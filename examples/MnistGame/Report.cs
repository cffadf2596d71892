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
        r.WallTime.TotalSeconds, config.PaperAccuracy, config.PaperSparsity);
}

public static class Report
{
    public static void PrintRun(RunSummary s, GameRunResult r)
    {
        var certificate = new Table().Title("Equilibrium certificate (utility gain of each group's best response, others fixed)")
            .AddColumns("layer", "max gain", "mean gain", "groups that would move");
        foreach (var l in r.Certificate.Layers)
            certificate.AddRow(l.Layer, l.MaxGain.ToString("G3", CultureInfo.InvariantCulture),
                l.MeanGain.ToString("G3", CultureInfo.InvariantCulture), l.GroupsThatWouldMove.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(certificate);
        AnsiConsole.MarkupLineInterpolated(
            $"Participations at the end: {s.ShareNearZero:P1} within 0.05 of 0, {s.ShareNearOne:P1} within 0.05 of 1 (bimodal share {s.ShareNearZero + s.ShareNearOne:P1}).");
        AnsiConsole.WriteLine("Histogram (20 bins over [0, 1]): " + string.Join(" ", s.Histogram));
    }

    public static void PrintTable(IReadOnlyList<RunSummary> runs)
    {
        var table = new Table().Title("MNIST 784-512-256-10, hard-pruned at s < epsilon")
            .AddColumns("configuration", "test accuracy", "neuron sparsity", "kept fc1 / fc2", "paper accuracy", "paper sparsity", "wall time");
        foreach (var s in runs)
            table.AddRow(
                s.Title,
                s.AccuracyAfterPruning.ToString("P2", CultureInfo.InvariantCulture),
                s.NeuronSparsity.ToString("P2", CultureInfo.InvariantCulture),
                string.Join(" / ", s.KeptPerLayer.Values),
                s.PaperAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                s.PaperSparsity?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                TimeSpan.FromSeconds(s.WallSeconds).ToString(@"m\:ss", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
