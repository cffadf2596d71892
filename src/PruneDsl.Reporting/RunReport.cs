using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PruneDsl.Training;

namespace PruneDsl.Reporting
{
    /// <summary>
    /// One Markdown page for a run: how it ended, its settings, its final numbers, one row per epoch, the warnings, the
    /// checkpoints and the plots (linked by file name, so the page and the PNG files travel together).
    /// </summary>
    public static class RunReport
    {
        /// <summary>The page for <paramref name="history"/>.</summary>
        /// <param name="history">The run.</param>
        /// <param name="title">The page title (e.g. the example and configuration).</param>
        /// <param name="plots">The plot files to show (their file names are linked).</param>
        /// <param name="command">The command that made the run, shown at the top, or null.</param>
        public static string Markdown(RunHistory history, string title, IEnumerable<string> plots, string? command = null)
        {
            if (history is null) throw new ArgumentNullException(nameof(history));
            var c = CultureInfo.InvariantCulture;
            var md = new StringBuilder();
            md.AppendLine($"# {title}");
            md.AppendLine();
            if (command is not null)
            {
                md.AppendLine("```");
                md.AppendLine(command);
                md.AppendLine("```");
                md.AppendLine();
            }
            md.AppendLine(history.Outcome switch
            {
                RunOutcome.Completed => $"The {history.Method} run of `{history.Model}` completed.",
                RunOutcome.Failed => $"The {history.Method} run of `{history.Model}` **failed**: {history.Failure}",
                _ => $"The {history.Method} run of `{history.Model}` did not finish (stopped without a word: a crash, a kill, or still running).",
            });
            md.AppendLine();

            if (history.Results.Count > 0)
            {
                md.AppendLine("## Results");
                md.AppendLine();
                md.AppendLine("| result | value |");
                md.AppendLine("| --- | ---: |");
                foreach (var (name, value) in history.Results)
                    md.AppendLine($"| {name.Replace('_', ' ')} | {FormatResult(name, value)} |");
                md.AppendLine();
            }

            if (history.Epochs.Count > 0)
            {
                var layers = history.Epochs[0].Layers.Select(l => l.Layer).ToList();
                var evolution = history.Method == "evolution";
                md.AppendLine("## Epochs");
                md.AppendLine();
                var head = new List<string> { "epoch", "phase", "train loss", "test accuracy", "sparsity" };
                head.AddRange(layers.Select(l => $"kept {l}"));
                if (evolution) head.AddRange(layers.Select(l => $"mass {l} (min..max, N_eff)"));
                else if (history.Epochs.Any(e => e.Layers.Any(l => l.ConditionNumber is not null))) head.AddRange(layers.Select(l => $"cond {l}"));
                head.Add("time");
                md.AppendLine("| " + string.Join(" | ", head) + " |");
                md.AppendLine("|" + string.Concat(head.Select(_ => " --- |")));
                foreach (var e in history.Epochs)
                {
                    var row = new List<string>
                    {
                        e.Epoch.ToString(c), e.Phase == TrainingPhase.FineTune ? "fine-tune" : "training",
                        e.TrainLoss.ToString("F4", c), ProgressText.Percent(e.TestAccuracy), ProgressText.Percent(e.Sparsity, 1),
                    };
                    row.AddRange(layers.Select(l => e.Layers.FirstOrDefault(x => x.Layer == l) is { } r ? $"{r.Kept}/{r.Groups}" : "-"));
                    if (evolution)
                        row.AddRange(layers.Select(l => e.Layers.FirstOrDefault(x => x.Layer == l) is { } r
                            ? string.Create(c, $"{r.MinMass:F2}..{r.MaxMass:F2}, {r.EffectivePopulations:F0}") : "-"));
                    else if (head.Any(h => h.StartsWith("cond ", StringComparison.Ordinal)))
                        row.AddRange(layers.Select(l => e.Layers.FirstOrDefault(x => x.Layer == l)?.ConditionNumber is double v ? (double.IsPositiveInfinity(v) ? "inf" : v.ToString("G3", c)) : "-"));
                    row.Add(ProgressText.Duration(TimeSpan.FromSeconds(e.ElapsedSeconds)));
                    md.AppendLine("| " + string.Join(" | ", row) + " |");
                }
                md.AppendLine();
            }

            var files = plots.ToList();
            if (files.Count > 0)
            {
                md.AppendLine("## Plots");
                md.AppendLine();
                foreach (var file in files)
                {
                    var name = Path.GetFileName(file);
                    md.AppendLine($"![{Path.GetFileNameWithoutExtension(name)}]({name})");
                    md.AppendLine();
                }
            }

            md.AppendLine("## Warnings");
            md.AppendLine();
            if (history.Warnings.Count == 0) md.AppendLine("None.");
            foreach (var w in history.Warnings)
                md.AppendLine(w.Epoch > 0 ? $"- epoch {w.Epoch}, step {w.Step}: {w.Message}" : $"- {w.Message}");
            md.AppendLine();

            md.AppendLine("## Checkpoints");
            md.AppendLine();
            if (history.Checkpoints.Count == 0) md.AppendLine("None written (set a checkpoint folder to keep one).");
            else
            {
                var last = history.Checkpoints[^1];
                md.AppendLine(string.Create(c,
                    $"{history.Checkpoints.Count} written; the last at epoch {last.Epoch}, step {last.Step:N0}: `{last.Path}`."));
            }
            md.AppendLine();

            md.AppendLine("## Settings");
            md.AppendLine();
            md.AppendLine("| setting | value |");
            md.AppendLine("| --- | --- |");
            foreach (var (name, value) in history.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                md.AppendLine($"| {name} | `{value}` |");
            return md.ToString();
        }

        private static string FormatResult(string name, double value)
        {
            var c = CultureInfo.InvariantCulture;
            if (name.Contains("accuracy", StringComparison.Ordinal) || name == "sparsity") return ProgressText.Percent(value);
            if (name.EndsWith("seconds", StringComparison.Ordinal)) return ProgressText.Duration(TimeSpan.FromSeconds(value));
            return value.ToString("G4", c);
        }
    }

    /// <summary>
    /// Everything of one run in one folder: <c>run.json</c> (the <see cref="RunHistory"/>), the plots (<see cref="RunPlots"/>)
    /// and <c>report.md</c> (<see cref="RunReport"/>) that ties them together.
    /// </summary>
    public static class RunFiles
    {
        /// <summary>Writes the run's files into <paramref name="folder"/> (created if needed) and returns the report's path.</summary>
        /// <param name="history">The run (also a failed one: its plots show how it got there).</param>
        /// <param name="folder">The run's folder, e.g. <c>runs/mnist-game-default</c>.</param>
        /// <param name="title">The report's title.</param>
        /// <param name="command">The command that made the run, or null.</param>
        public static string Write(RunHistory history, string folder, string title, string? command = null)
        {
            if (history is null) throw new ArgumentNullException(nameof(history));
            var full = Path.GetFullPath(folder);
            Directory.CreateDirectory(full);
            history.Save(Path.Combine(full, "run.json"));
            var plots = RunPlots.Write(history, full);
            var report = Path.Combine(full, "report.md");
            File.WriteAllText(report, RunReport.Markdown(history, title, plots, command));
            return report;
        }
    }
}
