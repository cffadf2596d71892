using System;
using System.Linq;
using Spectre.Console;

namespace MnistConv;

/// <summary>The table of a run.</summary>
public static class Report
{
    public static void Print(RunResult r)
    {
        var table = new Table().Title($"{r.Net} on MNIST ({r.TrainImages:N0} training images, {r.Epochs} epochs, cost {r.Cost}, seed {r.Seed})");
        foreach (var c in new[] { "method", "epochs", "test accuracy", "parameters", "MACs", "MACs / dense", $"widths ({string.Join("/", r.Spaces)})", "wall", "note" })
            table.AddColumn(c);
        var dense = r.Rows[0].Macs;
        foreach (var row in r.Rows)
            table.AddRow(row.Method, row.Epochs.ToString(), $"{row.TestAccuracy:P2}", $"{row.Parameters:N0}", $"{row.Macs:N0}",
                FormattableString.Invariant($"1/{(double)dense / row.Macs:F2}"), string.Join("/", row.Widths), $"{row.WallTime:mm\\:ss}", Markup.Escape(row.Note));
        AnsiConsole.Write(table);
    }
}
