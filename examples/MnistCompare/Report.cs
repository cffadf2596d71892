using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Spectre.Console;

namespace MnistCompare;

public static class Report
{
    private static string P(double x) => x.ToString("P2", CultureInfo.InvariantCulture);
    private static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);
    private static string Time(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>The per-layer EMP table of one criterion, with the accuracy before and right after pruning.</summary>
    public static void PrintEmpLayers(string criterion, IReadOnlyList<EmpLayerRow> rows, double dense, double pruned)
    {
        var table = new Table().Title($"{criterion} + EMP (beta = 1), per layer")
            .AddColumns("layer", "N", "N_eff", "nu kept", "sparsity", "s_eff", "corrected bound", "published bound", "published fails?");
        foreach (var l in rows)
            table.AddRow(l.Layer, l.Neurons.ToString(CultureInfo.InvariantCulture), F(l.EffectiveSampleSize, "F1"),
                l.Kept.ToString(CultureInfo.InvariantCulture), P(l.Sparsity), F(l.RetainedMass, "F4"), F(l.LowerBound, "F4"),
                F(l.PublishedLowerBound, "F4"), l.PublishedBoundViolated ? "[red]yes[/]" : "no");
        AnsiConsole.Write(table);
        var kept = rows.Sum(l => l.Kept);
        var total = rows.Sum(l => l.Neurons);
        AnsiConsole.MarkupLineInterpolated(
            $"{criterion}: kept {kept} of {total} neurons; test accuracy dense {P(dense)}, hard-pruned (no fine-tune) {P(pruned)}.");
    }

    /// <summary>One line per criterion: what EMP kept and what it cost.</summary>
    public static void PrintEmpSummary(EmpRunSummary s)
    {
        var table = new Table().Title(string.Create(CultureInfo.InvariantCulture,
                $"EMP per criterion on the dense MLP (dense test accuracy {P(s.DenseAccuracy)}, {s.DenseEpochs} epochs; fine-tune {s.FineTuneEpochs} epochs, masks kept)"))
            .AddColumns("criterion", "kept fc1 / fc2", "N_eff fc1 / fc2", "neuron sparsity", "parameters", "s_eff fc1 / fc2",
                s.DeadNeurons is { } d ? $"dead among pruned (of {d[0]} / {d[1]} dead)" : "dead among pruned", "pruned acc", "fine-tuned acc");
        foreach (var r in s.Criteria)
            table.AddRow(r.Criterion,
                string.Join(" / ", r.Layers.Select(l => l.Kept)),
                string.Join(" / ", r.Layers.Select(l => F(l.EffectiveSampleSize, "F1"))),
                P(r.NeuronSparsity), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                string.Join(" / ", r.Layers.Select(l => F(l.RetainedMass, "F3"))),
                r.DeadPruned is { } dp ? string.Join(" / ", dp) : "-",
                P(r.PrunedAccuracy), r.FineTunedAccuracy is double f ? P(f) : "-");
        AnsiConsole.Write(table);
        if (s.Overlaps.Count == 0) return;
        var overlap = new Table().Title("Pruned-set overlap: pruned by A / by B / by both (Jaccard)")
            .AddColumns("A", "B", "fc1", "fc2");
        foreach (var pair in s.Overlaps.GroupBy(o => (o.A, o.B)))
            overlap.AddRow(new[] { pair.Key.A, pair.Key.B }.Concat(pair.Select(o =>
                $"{o.PrunedByA} / {o.PrunedByB} / {o.PrunedByBoth}  ({F(o.Jaccard, "F2")})")).ToArray());
        AnsiConsole.Write(overlap);
    }

    /// <summary>The equal-width comparison table.</summary>
    public static void PrintCompare(IReadOnlyList<CompareRow> rows, Options options)
    {
        var table = new Table().Title($"MNIST: does pruning find a better small network than training it small? (target widths {options.Fc1} / {options.Fc2})")
            .AddColumns("method", "epochs", "kept fc1 / fc2", "parameters", "acc. pruned, no fine-tune", "test accuracy", "wall time");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Method), r.Epochs.ToString(CultureInfo.InvariantCulture), $"{r.Fc1} / {r.Fc2}",
                r.Parameters.ToString("N0", CultureInfo.InvariantCulture), r.AccuracyBeforeFineTune is double b ? P(b) : "-", P(r.Accuracy),
                Time(r.WallSeconds));
        AnsiConsole.Write(table);
    }
}
