// Shared by the example programs (linked into each project): running a trainer under the progress display, writing the
// run's folder (history, plots, report), and turning a failed run into a clear message and a non-zero exit code.
using System;
using System.IO;
using PruneDsl.Checkpoints;
using PruneDsl.Reporting;
using PruneDsl.Training;
using Spectre.Console;

namespace PruneDsl.Examples;

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>The checkpoint options every example takes.</summary>
/// <param name="Directory">--checkpoint-dir: the folder of the checkpoints (one sub-folder per run), or null.</param>
/// <param name="Every">--checkpoint-every: steps between checkpoints (0: only between phases and at the end).</param>
/// <param name="Resume">--resume: continue from the checkpoint there.</param>
public sealed record CheckpointArguments(string? Directory, int Every, bool Resume)
{
    public const string Usage = """
          --checkpoint-dir DIR    keep a checkpoint of each run in DIR/<run> (every --checkpoint-every steps and at the end)
          --checkpoint-every N    steps between checkpoints (default 500; 0: only at the end)
          --resume                continue each run from its checkpoint in --checkpoint-dir (bit-exact); without one, start it
        """;

    public static CheckpointArguments None { get; } = new(null, 500, false);

    /// <summary>Reads one of the options at args[i] (advancing i past its value); false when args[i] is not one of them.</summary>
    public bool TryRead(string[] args, ref int i, out CheckpointArguments read)
    {
        read = this;
        switch (args[i])
        {
            case "--checkpoint-dir":
                read = this with { Directory = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--checkpoint-dir needs a value.") };
                return true;
            case "--checkpoint-every":
                read = this with { Every = Arguments.NonNegativeInt(i + 1 < args.Length ? args[++i] : throw new ArgumentException("--checkpoint-every needs a value."), "--checkpoint-every") };
                return true;
            case "--resume":
                read = this with { Resume = true };
                return true;
            default:
                return false;
        }
    }

    /// <summary>Throws when --resume was given without --checkpoint-dir.</summary>
    public CheckpointArguments Validated() =>
        Resume && Directory is null ? throw new ArgumentException("--resume needs --checkpoint-dir (the folder the run wrote its checkpoints to).") : this;

    /// <summary>The options' checkpoint settings for the run named <paramref name="run"/>.</summary>
    public T Apply<T>(T options, string run) where T : WeightTrainingOptions => options with
    {
        CheckpointDirectory = Directory is null ? null : Path.Combine(Directory, run),
        CheckpointEvery = Directory is null ? 0 : Every,
        Resume = Resume,
    };
}

/// <summary>Runs one training run of an example and keeps its files.</summary>
public static class ExampleRun
{
    /// <summary>
    /// Runs <paramref name="train"/> under the progress display (a live bar, or plain lines when the output is redirected or
    /// CI is set), then writes the run's folder (run.json, the plots, report.md). When the run fails (a numerical fault, a
    /// layer that would be emptied, a refused checkpoint, bad data or options) it says why in red, writes what the run
    /// recorded up to the fault into the folder's name + "-failed", and returns null: the example then exits non-zero.
    /// </summary>
    public static T? Train<T>(Func<RunMonitor, T> train, Func<T, RunHistory> history, string folder, string title, string command) where T : class
    {
        T result;
        try
        {
            result = RunMonitor.Watch(train);
        }
        catch (Exception e) when (e is TrainingDivergedException or EmptyLayerException or CheckpointException or ArgumentException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The run failed:[/] {e.Message}");
            var recorded = e switch
            {
                TrainingDivergedException d => d.History,
                EmptyLayerException l => l.History,
                _ => null,
            };
            if (recorded is not null)
            {
                // Beside the last good run's folder, not over it.
                var failed = RunFiles.Write(recorded, folder + "-failed", title + " (failed)", command);
                AnsiConsole.MarkupLineInterpolated($"What the run recorded until then: [blue]{failed}[/].");
            }
            return null;
        }
        var report = RunFiles.Write(history(result), folder, title, command);
        AnsiConsole.MarkupLineInterpolated($"Run report, plots and history: [blue]{report}[/].");
        return result;
    }
}
