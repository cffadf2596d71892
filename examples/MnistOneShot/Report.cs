using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Spectre.Console;

namespace MnistOneShot;

/// <summary>The three tables of the README section "One-shot reconstruction and quantization".</summary>
public sealed class Report(double denseAccuracy, int calibrationImages)
{
    private static string P(double x) => x.ToString("P2", CultureInfo.InvariantCulture);

    private string Accuracy(double x) => $"{P(x)} ({(100 * (x - denseAccuracy)).ToString("+0.00;-0.00", CultureInfo.InvariantCulture)})";

    public void OneShot(IReadOnlyList<OneShotRow> rows)
    {
        var table = new Table()
            .Title($"One shot, no fine-tune: test accuracy (dense {P(denseAccuracy)}; every Linear layer pruned; {calibrationImages} calibration images)")
            .AddColumn("method");
        foreach (var t in Experiments.Targets) table.AddColumn(t == "2:4" ? "2:4" : t + " unstructured");
        foreach (var method in rows.Select(r => r.Method).Distinct())
            table.AddRow(new[] { method }.Concat(Experiments.Targets.Select(t => Accuracy(rows.First(r => r.Method == method && r.Target == t).Accuracy))).ToArray());
        AnsiConsole.Write(table);
    }

    public void Neurons(IReadOnlyList<NeuronRow> rows, int fc1, int fc2)
    {
        var table = new Table().Title($"Hidden neurons removed to {fc1} / {fc2} (of 512 / 256), one shot, no fine-tune")
            .AddColumns("which neurons", "removal", "parameters", "test accuracy", "error at fc2 / head (||WX - W'X||^2 / n)");
        foreach (var r in rows)
            table.AddRow(r.Choice, r.Removal, r.Parameters.ToString("N0", CultureInfo.InvariantCulture), Accuracy(r.Accuracy),
                $"{r.ErrorFc2.ToString("G4", CultureInfo.InvariantCulture)} / {r.ErrorHead.ToString("G4", CultureInfo.InvariantCulture)}");
        AnsiConsole.Write(table);
    }

    public void Sizes(IReadOnlyList<SizeRow> rows)
    {
        var dense = rows[0];
        var table = new Table().Title("Stored size against accuracy (weights: values + positions + scales; biases float32 in every row)")
            .AddColumns("format", "rounding", "weight bytes", "smaller (weights)", "with biases", "smaller (all)", "test accuracy", "quantization error");
        foreach (var r in rows)
            table.AddRow(r.Format, r.Rounding, r.WeightBytes.ToString("N0", CultureInfo.InvariantCulture),
                ((double)dense.WeightBytes / r.WeightBytes).ToString("F2", CultureInfo.InvariantCulture) + "x",
                r.TotalBytes.ToString("N0", CultureInfo.InvariantCulture),
                ((double)dense.TotalBytes / r.TotalBytes).ToString("F2", CultureInfo.InvariantCulture) + "x",
                Accuracy(r.Accuracy), r.Rounding == "-" ? "-" : r.QuantizationError.ToString("G3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }
}
