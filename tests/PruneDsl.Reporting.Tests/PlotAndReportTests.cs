using System;
using System.IO;
using System.Linq;
using PruneDsl.Training;

namespace PruneDsl.Reporting.Tests;

public sealed class PlotAndReportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "prunedsl-reporting-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The width and height a PNG file's IHDR chunk gives, after checking the PNG signature.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int Read(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        return (Read(16), Read(20));
    }

    [Fact]
    public void A_game_run_gets_its_four_plots_one_panel_per_layer()
    {
        var plots = RunPlots.Write(Histories.Game(), _folder);
        Assert.Equal(new[] { "participations.png", "histogram.png", "accuracy-sparsity.png", "condition.png" }, plots.Select(Path.GetFileName));
        Assert.Equal((RunPlots.Width, 2 * RunPlots.PanelHeight), PngSize(plots[0]));
        Assert.Equal((RunPlots.Width, 2 * RunPlots.PanelHeight), PngSize(plots[1]));
        Assert.Equal((RunPlots.Width, RunPlots.PanelHeight), PngSize(plots[2]));
        Assert.Equal((RunPlots.Width, RunPlots.PanelHeight), PngSize(plots[3]));
    }

    [Fact]
    public void An_evolution_run_gets_its_masses_and_no_condition_numbers()
    {
        var plots = RunPlots.Write(Histories.Evolution(), _folder);
        Assert.Equal(new[] { "masses.png", "histogram.png", "accuracy-sparsity.png" }, plots.Select(Path.GetFileName));
        Assert.Equal((RunPlots.Width, RunPlots.PanelHeight), PngSize(plots[0]));
    }

    [Fact]
    public void The_collapse_of_each_group_is_where_it_fell_below_epsilon_for_good()
    {
        var fc1 = Histories.Game().Trajectories[0];
        Assert.Equal(new double?[] { null, 1.5, null, null, 3, null }, fc1.CollapseEpochs());
    }

    [Fact]
    public void The_report_ties_settings_numbers_plots_warnings_and_checkpoints_together()
    {
        var report = RunFiles.Write(Histories.Game(), _folder, "MnistGame: default", "dotnet run --project examples/MnistGame -c Release");
        Assert.Equal(Path.Combine(_folder, "report.md"), report);
        var md = File.ReadAllText(report);
        Assert.StartsWith("# MnistGame: default\n\n```\ndotnet run --project examples/MnistGame -c Release\n```\n\nThe game run of `TinyMlp` completed.", md.Replace("\r\n", "\n"));
        Assert.Contains("| accuracy after pruning | 97.55% |", md);
        Assert.Contains("| wall seconds | 2:44 |", md);
        Assert.Contains("| epoch | phase | train loss | test accuracy | sparsity | kept fc1 | kept fc2 | cond fc1 | cond fc2 | time |", md);
        Assert.Contains("| 3 | training | 0.3333 | 93.00% | 30.0% | 4/6 | 3/4 | 1E+03 | 20 | 0:30 |", md);
        Assert.Contains("| 2 | training | 0.5000 | 92.00% | 20.0% | 5/6 | 3/4 | 100 | inf | 0:20 |", md);
        foreach (var plot in new[] { "participations", "histogram", "accuracy-sparsity", "condition" })
        {
            Assert.Contains($"![{plot}]({plot}.png)", md);
            Assert.True(File.Exists(Path.Combine(_folder, plot + ".png")));
        }
        Assert.Contains("- epoch 2, step 35: the loss rose", md);
        Assert.Contains("1 written; the last at epoch 4, step 80: `/tmp/x/checkpoint.pdckpt`.", md);
        Assert.Contains("| LearningRate | `0.001` |", md);
        var back = RunHistory.Load(Path.Combine(_folder, "run.json"));
        Assert.Equal(4, back.Epochs.Count);
        Assert.Equal(RunOutcome.Completed, back.Outcome);
    }

    [Fact]
    public void A_failed_run_says_so_and_why_and_an_evolution_report_shows_masses_and_the_fine_tune()
    {
        var failed = RunReport.Markdown(Histories.Game(RunOutcome.Failed), "failed", Array.Empty<string>());
        Assert.Contains("The game run of `TinyMlp` **failed**: Training of 'TinyMlp' diverged at epoch 4, step 81: the loss is NaN.", failed);
        Assert.DoesNotContain("## Results", failed);
        var evolution = RunReport.Markdown(Histories.Evolution(), "evolution", Array.Empty<string>());
        Assert.Contains("| epoch | phase | train loss | test accuracy | sparsity | kept fc1 | mass fc1 (min..max, N_eff) | time |", evolution);
        Assert.Contains("| 3 | fine-tune | 0.3000 | 97.00% | 40.0% | 3/5 | 0.00..1.90, 3 | 0:15 |", evolution);
        Assert.Contains("None written", evolution);
    }
}
