using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PruneDsl.Training;
using ScottPlot;

namespace PruneDsl.Reporting
{
    /// <summary>
    /// The plots of a run, drawn from its <see cref="RunHistory"/> with ScottPlot 5 and written as PNG files:
    /// <list type="bullet">
    /// <item><c>participations.png</c> (game) or <c>masses.png</c> (evolution): per layer, every sampled group's value over
    /// training as a faint line, the pruning threshold, and a mark where each group collapsed (fell below the threshold for
    /// good);</item>
    /// <item><c>histogram.png</c>: per layer, the final values' histogram (20 bins);</item>
    /// <item><c>accuracy-sparsity.png</c>: held-out accuracy and the share of pruned groups after every epoch;</item>
    /// <item><c>condition.png</c> (game, when probed): the condition number of each gated layer's kept effective weights
    /// after every epoch, on a log scale.</item>
    /// </list>
    /// </summary>
    public static class RunPlots
    {
        /// <summary>Width of every plot in pixels.</summary>
        public const int Width = 900;

        /// <summary>Height of one layer's panel (and of the single-panel plots) in pixels.</summary>
        public const int PanelHeight = 360;

        private static readonly Color[] Palette =
        {
            Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728"),
            Color.FromHex("#9467bd"), Color.FromHex("#8c564b"),
        };

        /// <summary>Writes every plot the history supports into <paramref name="folder"/>; returns the files written.</summary>
        /// <param name="history">The run.</param>
        /// <param name="folder">Where the PNG files go (created if needed).</param>
        public static IReadOnlyList<string> Write(RunHistory history, string folder)
        {
            if (history is null) throw new ArgumentNullException(nameof(history));
            Directory.CreateDirectory(folder);
            var written = new List<string>();
            if (history.Trajectories.Count > 0)
                written.Add(Trajectories(history, Path.Combine(folder, history.Trajectories[0].Quantity == "mass" ? "masses.png" : "participations.png")));
            if (history.Final.Count > 0) written.Add(Histograms(history, Path.Combine(folder, "histogram.png")));
            if (history.Epochs.Count > 0) written.Add(AccuracyAndSparsity(history, Path.Combine(folder, "accuracy-sparsity.png")));
            if (history.Epochs.Any(e => e.Layers.Any(l => l.ConditionNumber is double c && double.IsFinite(c) && c > 0)))
                written.Add(ConditionNumbers(history, Path.Combine(folder, "condition.png")));
            return written;
        }

        /// <summary>Per layer, every sampled group's value over training, the threshold and where each group collapsed.</summary>
        /// <param name="history">The run.</param>
        /// <param name="path">The PNG file.</param>
        public static string Trajectories(RunHistory history, string path)
        {
            var panels = history.Trajectories.Select(t =>
            {
                var plot = new Plot();
                var xs = t.Samples.Select(s => s.Epoch).ToArray();
                var line = Palette[0].WithAlpha(t.Groups.Count > 200 ? 0.12 : t.Groups.Count > 50 ? 0.25 : 0.5);
                for (var g = 0; g < t.Groups.Count; g++)
                {
                    var ys = t.Samples.Select(s => (double)s.Values[g]).ToArray();
                    var scatter = plot.Add.ScatterLine(xs, ys);
                    scatter.Color = line;
                    scatter.LineWidth = 1;
                }
                var collapsed = t.CollapseEpochs();
                var name = t.Quantity == "mass" ? "mass" : "participation";
                var title = $"{t.Layer}: {name} of {t.Groups.Count}{(t.Groups.Count < t.GroupCount ? $" of {t.GroupCount}" : "")} groups";
                if (t.Threshold is double eps)
                {
                    var threshold = plot.Add.HorizontalLine(eps, 1.5f, Palette[3], LinePattern.Dashed);
                    threshold.LegendText = string.Create(CultureInfo.InvariantCulture, $"epsilon {eps:G3}");
                    var at = collapsed.Where(c => c is not null).Select(c => c!.Value).ToArray();
                    if (at.Length > 0)
                    {
                        var marks = plot.Add.Markers(at, Enumerable.Repeat(eps, at.Length).ToArray(), MarkerShape.VerticalBar, 12, Palette[3].WithAlpha(0.6));
                        marks.LegendText = "collapsed here";
                    }
                    title += string.Create(CultureInfo.InvariantCulture, $"; {at.Length} collapsed below epsilon");
                    plot.ShowLegend(Alignment.UpperRight);
                }
                plot.Title(title);
                plot.XLabel("epoch");
                plot.YLabel(name);
                plot.Axes.SetLimitsX(0, Math.Max(1e-9, xs.LastOrDefault()));
                if (t.Quantity != "mass") plot.Axes.SetLimitsY(-0.02, 1.05);
                return plot;
            }).ToList();
            return Save(panels, path);
        }

        /// <summary>Per layer, the histogram of every group's final value (20 bins over [0, 1], or [0, max] for masses).</summary>
        /// <param name="history">The run.</param>
        /// <param name="path">The PNG file.</param>
        public static string Histograms(RunHistory history, string path)
        {
            var panels = history.Final.Select((layer, i) =>
            {
                var plot = new Plot();
                const int bins = 20;
                var top = layer.Quantity == "mass" ? Math.Max(1e-9, layer.Values.Max()) : 1.0;
                var counts = new double[bins];
                foreach (var v in layer.Values) counts[Math.Clamp((int)(v / top * bins), 0, bins - 1)]++;
                var width = top / bins;
                var bars = counts.Select((c, k) => new Bar { Position = (k + 0.5) * width, Value = c, Size = width * 0.9, FillColor = Palette[i % Palette.Length] }).ToArray();
                plot.Add.Bars(bars);
                var nearZero = layer.Values.Count(v => v <= ParticipationHistogramMargin);
                plot.Title(layer.Quantity == "mass"
                    ? string.Create(CultureInfo.InvariantCulture, $"{layer.Layer}: mass of {layer.Values.Count} groups at the end of selection (before pruning)")
                    : string.Create(CultureInfo.InvariantCulture, $"{layer.Layer}: final participation of {layer.Values.Count} groups ({nearZero} at or below {ParticipationHistogramMargin})"));
                plot.XLabel(layer.Quantity);
                plot.YLabel("groups");
                plot.Axes.SetLimitsX(0, top);
                plot.Axes.Margins(bottom: 0);
                return plot;
            }).ToList();
            return Save(panels, path);
        }

        /// <summary>Held-out accuracy and the share of pruned groups after every epoch, in percent.</summary>
        /// <param name="history">The run.</param>
        /// <param name="path">The PNG file.</param>
        public static string AccuracyAndSparsity(RunHistory history, string path)
        {
            var plot = new Plot();
            var xs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
            var accuracy = plot.Add.Scatter(xs, history.Epochs.Select(e => 100 * e.TestAccuracy).ToArray());
            accuracy.Color = Palette[0];
            accuracy.LegendText = "test accuracy";
            var sparsity = plot.Add.Scatter(xs, history.Epochs.Select(e => 100 * e.Sparsity).ToArray());
            sparsity.Color = Palette[1];
            sparsity.LegendText = history.Method == "evolution" ? "extinct groups" : "pruned groups (below epsilon)";
            var fineTune = history.Epochs.FirstOrDefault(e => e.Phase == TrainingPhase.FineTune);
            if (fineTune is not null)
            {
                var start = plot.Add.VerticalLine(fineTune.Epoch - 0.5, 1, Colors.Gray, LinePattern.Dotted);
                start.LegendText = "fine-tune starts";
            }
            plot.Title($"{history.Model}: accuracy and sparsity");
            plot.XLabel("epoch");
            plot.YLabel("%");
            plot.Axes.SetLimitsY(0, 102);
            plot.ShowLegend(Alignment.LowerRight);
            return Save(new[] { plot }, path);
        }

        /// <summary>The condition number of each gated layer's kept effective weights after every epoch, log scale.</summary>
        /// <param name="history">The run.</param>
        /// <param name="path">The PNG file.</param>
        public static string ConditionNumbers(RunHistory history, string path)
        {
            var plot = new Plot();
            var layers = history.Epochs.SelectMany(e => e.Layers.Select(l => l.Layer)).Distinct().ToList();
            double low = double.PositiveInfinity, high = double.NegativeInfinity;
            for (var i = 0; i < layers.Count; i++)
            {
                var points = history.Epochs
                    .Select(e => (e.Epoch, Value: e.Layers.FirstOrDefault(l => l.Layer == layers[i])?.ConditionNumber))
                    .Where(p => p.Value is double c && double.IsFinite(c) && c > 0)
                    .ToList();
                if (points.Count == 0) continue;
                var logs = points.Select(p => Math.Log10(p.Value!.Value)).ToArray();
                low = Math.Min(low, logs.Min());
                high = Math.Max(high, logs.Max());
                var line = plot.Add.Scatter(points.Select(p => (double)p.Epoch).ToArray(), logs);
                line.Color = Palette[i % Palette.Length];
                line.LegendText = layers[i];
            }
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => string.Create(CultureInfo.InvariantCulture, $"1e{y:0}"),
            };
            plot.Axes.Left.TickGenerator = ticks;
            // Whole decades, at least one, so that the powers of ten label the axis however narrow the range.
            if (low <= high) plot.Axes.SetLimitsY(Math.Floor(low), Math.Max(Math.Ceiling(high), Math.Floor(low) + 1));
            plot.Title($"{history.Model}: condition number of the kept effective weights diag(s) W");
            plot.XLabel("epoch");
            plot.YLabel("condition number (log scale)");
            plot.ShowLegend(Alignment.UpperRight);
            return Save(new[] { plot }, path);
        }

        /// <summary>
        /// A scatter plot of labelled series (markers joined by lines in x order), e.g. test accuracy against sparsity or MACs
        /// for several methods: the frontier plots of a budget sweep.
        /// </summary>
        /// <param name="series">Each series: its legend text and its points.</param>
        /// <param name="title">The title.</param>
        /// <param name="xLabel">The x axis label.</param>
        /// <param name="yLabel">The y axis label.</param>
        /// <param name="path">The PNG file.</param>
        /// <param name="logX">Whether x is drawn on a log10 scale.</param>
        public static string Points(IReadOnlyList<PointSeries> series, string title, string xLabel, string yLabel, string path, bool logX = false)
        {
            if (series is null) throw new ArgumentNullException(nameof(series));
            var plot = new Plot();
            for (var i = 0; i < series.Count; i++)
            {
                var points = series[i].Points.OrderBy(p => p.X).ToList();
                if (points.Count == 0) continue;
                var xs = points.Select(p => logX ? Math.Log10(p.X) : p.X).ToArray();
                var line = plot.Add.Scatter(xs, points.Select(p => p.Y).ToArray());
                line.Color = Palette[i % Palette.Length];
                line.LegendText = series[i].Label;
                line.MarkerSize = 7;
                line.LineWidth = series[i].Joined ? 1.5f : 0;
            }
            if (logX)
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
                {
                    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                    LabelFormatter = x => Math.Pow(10, x).ToString("N0", CultureInfo.InvariantCulture),
                };
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            plot.ShowLegend(Alignment.LowerLeft);
            return Save(new[] { plot }, path);
        }

        /// <summary>The share of final values at or below which a group counts as at 0 in the histogram titles.</summary>
        private const double ParticipationHistogramMargin = PruneDsl.Game.ParticipationHistogram.Margin;

        /// <summary>Stacks the panels vertically into one PNG.</summary>
        private static string Save(IReadOnlyList<Plot> panels, string path)
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (panels.Count == 1)
            {
                panels[0].SavePng(full, Width, PanelHeight);
                return full;
            }
            var multiplot = new Multiplot();
            multiplot.RemovePlot(multiplot.GetPlot(0));
            foreach (var panel in panels) multiplot.AddPlot(panel);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
            multiplot.SavePng(full, Width, PanelHeight * panels.Count);
            return full;
        }
    }

    /// <summary>One series of <see cref="RunPlots.Points"/>.</summary>
    /// <param name="Label">Its legend text.</param>
    /// <param name="Points">Its points.</param>
    /// <param name="Joined">Whether the points are joined by a line (false: markers only).</param>
    public sealed record PointSeries(string Label, IReadOnlyList<(double X, double Y)> Points, bool Joined = true);
}
