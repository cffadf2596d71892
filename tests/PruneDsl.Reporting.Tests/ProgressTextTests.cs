using System;
using System.IO;
using PruneDsl.Training;

namespace PruneDsl.Reporting.Tests;

public class ProgressTextTests
{
    private static readonly LayerCount[] Kept = { new("fc1", 37, 512), new("fc2", 24, 256) };

    [Fact]
    public void A_training_step_reads_epoch_step_loss_accuracy_kept_groups_and_time_left()
    {
        // 1,234 steps in 2 minutes from a resume at step 234: 1,000 steps per 120 s, 8,146 left = 977.5 s.
        var p = new TrainingProgress(TrainingPhase.Training, 3, 20, 300, 469, 1234, 9380, 234, 0.12345, 0.9712, Kept, TimeSpan.FromMinutes(2));
        Assert.Equal("epoch 3/20  step 1,234/9,380  eta 16:17  loss 0.1235  test 97.12%  kept fc1 37/512 fc2 24/256", ProgressText.Describe(p));
        Assert.Equal(TimeSpan.FromSeconds(977.52), p.Remaining);
        Assert.Equal(1234.0 / 9380, p.Fraction, 12);
    }

    [Fact]
    public void Before_the_first_step_and_between_steps_it_says_what_it_knows()
    {
        var start = new TrainingProgress(TrainingPhase.Evaluation, 1, 2, 10, 10, 0, 20, 0, double.NaN, null, Array.Empty<LayerCount>(), TimeSpan.FromSeconds(1));
        Assert.Equal("evaluating epoch 1/2  step 0/20", ProgressText.Describe(start));
        Assert.Null(start.Remaining);
        var fineTune = start with { Phase = TrainingPhase.FineTune, Step = 15, Loss = 0.5, TestAccuracy = 0.5 };
        Assert.Equal("fine-tune epoch 1/2  step 15/20  eta 0:00  loss 0.5000  test 50.00%", ProgressText.Describe(fineTune));
    }

    [Fact]
    public void Other_work_reads_units_detail_and_time_left()
    {
        Assert.Equal("compaction 1/2 (fc1)  eta 0:03", ProgressText.Describe(new WorkProgress("compaction", 1, 2, TimeSpan.FromSeconds(3), "fc1")));
        Assert.Equal("evaluation 10/10", ProgressText.Describe(new WorkProgress("evaluation", 10, 10, TimeSpan.FromSeconds(3))));
        Assert.Equal("1:01:05", ProgressText.Duration(TimeSpan.FromSeconds(3665)));
        Assert.Equal("0:00", ProgressText.Duration(TimeSpan.FromSeconds(-3)));
    }
}

public class RunMonitorTests
{
    [Theory]
    [InlineData(false, null, DisplayMode.Live)]
    [InlineData(true, null, DisplayMode.Plain)]
    [InlineData(false, "true", DisplayMode.Plain)]
    [InlineData(false, "1", DisplayMode.Plain)]
    [InlineData(false, "", DisplayMode.Live)]
    [InlineData(false, "0", DisplayMode.Live)]
    [InlineData(false, "false", DisplayMode.Live)]
    public void Plain_lines_when_the_output_is_redirected_or_CI_is_set(bool redirected, string? ci, DisplayMode expected) =>
        Assert.Equal(expected, RunMonitor.DetectMode(redirected, ci));

    [Fact]
    public void Plain_mode_writes_a_line_per_interval_and_each_ending_and_every_warning()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        var monitor = new RunMonitor(DisplayMode.Plain, plain: output, clock: () => now) { PlainInterval = TimeSpan.FromSeconds(30) };
        var step = new TrainingProgress(TrainingPhase.Training, 1, 1, 1, 4, 1, 4, 0, 1.5, null, Array.Empty<LayerCount>(), TimeSpan.FromSeconds(1));
        var result = monitor.Run(m =>
        {
            m.Report(step);                                         // first line
            now = TimeSpan.FromSeconds(10);
            m.Report(step with { Step = 2 });                       // within 30 s: quiet
            m.Report(new TrainingWarning(WarningKind.LossDiverging, "the loss rose"));
            now = TimeSpan.FromSeconds(31);
            m.Report(step with { Step = 3 });                       // 30 s on: a line
            now = TimeSpan.FromSeconds(32);
            m.Report(step with { Step = 4 });                       // the last step: a line
            m.Report(new WorkProgress("evaluation", 1, 1, TimeSpan.FromSeconds(1)));
            return 42;
        });
        Assert.Equal(42, result);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[]
        {
            "epoch 1/1  step 1/4  eta 0:03  loss 1.5000",
            "warning: the loss rose",
            "epoch 1/1  step 3/4  eta 0:00  loss 1.5000",
            "epoch 1/1  step 4/4  eta 0:00  loss 1.5000",
            "evaluation 1/1",
        }, lines);
    }

    [Fact]
    public void Live_mode_runs_the_work_under_a_progress_display_and_returns_its_result()
    {
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(output),
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Ansi = Spectre.Console.AnsiSupport.No,
        });
        var monitor = new RunMonitor(DisplayMode.Live, console);
        var result = monitor.Run(m =>
        {
            m.Report(new TrainingProgress(TrainingPhase.Training, 1, 1, 1, 2, 1, 2, 0, 0.25, null, Array.Empty<LayerCount>(), TimeSpan.FromSeconds(1)));
            m.Report(new TrainingWarning(WarningKind.LayerKeptBestGroup, "fc2 keeps its best group"));
            return "done";
        });
        Assert.Equal("done", result);
        Assert.Contains("warning: fc2 keeps its best group", output.ToString());
    }
}
