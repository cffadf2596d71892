using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using PruneDsl.Training;
using Spectre.Console;

namespace PruneDsl.Reporting
{
    /// <summary>How a <see cref="RunMonitor"/> shows progress.</summary>
    public enum DisplayMode
    {
        /// <summary>A live progress bar (Spectre.Console) redrawn in place, for a terminal.</summary>
        Live,

        /// <summary>Plain lines, one every <see cref="RunMonitor.PlainInterval"/> and at the end of each piece of work, for logs and CI.</summary>
        Plain,
    }

    /// <summary>
    /// Shows a run's progress: give it to a trainer as its step and warning listener (and to evaluation, calibration or
    /// compaction as their work listener) inside <see cref="Watch{T}"/>. In <see cref="DisplayMode.Live"/> mode it draws a
    /// bar with epoch, step, loss, accuracy, kept groups per layer and the time left; in <see cref="DisplayMode.Plain"/>
    /// mode (<see cref="DetectMode()"/>: output redirected, or the <c>CI</c> environment variable set) it writes a plain line
    /// now and then. Warnings are always written, as they come.
    /// </summary>
    /// <example>
    /// <code>
    /// var result = RunMonitor.Watch("training", monitor =&gt;
    ///     new GameTrainer(model, options).Run(train, test, epochs, monitor, monitor));
    /// </code>
    /// </example>
    public sealed class RunMonitor : IProgress<TrainingProgress>, IProgress<WorkProgress>, IProgress<TrainingWarning>
    {
        private readonly DisplayMode _mode;
        private readonly TextWriter _plain;
        private readonly IAnsiConsole _console;
        private readonly Func<TimeSpan> _clock;
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TimeSpan> _lastLine = new(StringComparer.Ordinal);
        private ProgressContext? _context;

        /// <summary>Creates a monitor; use <see cref="Watch{T}"/> to run work under it.</summary>
        /// <param name="mode">Live bar or plain lines.</param>
        /// <param name="console">Where the live bar and warnings go (default: <see cref="AnsiConsole.Console"/>).</param>
        /// <param name="plain">Where plain lines go (default: <see cref="Console.Out"/>).</param>
        /// <param name="clock">The time source for <see cref="PlainInterval"/> (default: a stopwatch started now).</param>
        public RunMonitor(DisplayMode mode, IAnsiConsole? console = null, TextWriter? plain = null, Func<TimeSpan>? clock = null)
        {
            _mode = mode;
            _console = console ?? AnsiConsole.Console;
            _plain = plain ?? Console.Out;
            if (clock is null)
            {
                var watch = Stopwatch.StartNew();
                clock = () => watch.Elapsed;
            }
            _clock = clock;
        }

        /// <summary>In plain mode, the least time between two progress lines of one piece of work (default 30 s).</summary>
        public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>The display mode.</summary>
        public DisplayMode Mode => _mode;

        /// <summary>
        /// Plain lines when the output is redirected (a log file, a pipe) or the <c>CI</c> environment variable is set (to
        /// anything but empty, <c>0</c> or <c>false</c>); else the live bar.
        /// </summary>
        public static DisplayMode DetectMode() => DetectMode(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI"));

        /// <summary>The rule of <see cref="DetectMode()"/> on given facts.</summary>
        /// <param name="outputRedirected">Whether standard output goes to a file or a pipe.</param>
        /// <param name="ci">The value of the <c>CI</c> environment variable, or null.</param>
        public static DisplayMode DetectMode(bool outputRedirected, string? ci)
        {
            var inCi = !string.IsNullOrEmpty(ci) && ci != "0" && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);
            return outputRedirected || inCi ? DisplayMode.Plain : DisplayMode.Live;
        }

        /// <summary>Runs <paramref name="work"/> under a monitor of the detected mode (see <see cref="DetectMode()"/>).</summary>
        /// <typeparam name="T">What the work returns.</typeparam>
        /// <param name="work">The work; pass the monitor to it as its listener.</param>
        public static T Watch<T>(Func<RunMonitor, T> work) => new RunMonitor(DetectMode()).Run(work);

        /// <summary>Runs <paramref name="work"/> under this monitor (the live bar shows while it runs; it is cleared afterwards).</summary>
        /// <typeparam name="T">What the work returns.</typeparam>
        /// <param name="work">The work; pass this monitor to it as its listener.</param>
        public T Run<T>(Func<RunMonitor, T> work)
        {
            if (work is null) throw new ArgumentNullException(nameof(work));
            if (_mode == DisplayMode.Plain) return work(this);
            T result = default!;
            _console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
                .Start(context =>
                {
                    _context = context;
                    try
                    {
                        result = work(this);
                    }
                    finally
                    {
                        _context = null;
                        _tasks.Clear();
                    }
                });
            return result;
        }

        /// <inheritdoc />
        public void Report(TrainingProgress value)
        {
            if (value is null) return;
            var done = value.Step >= value.TotalSteps && value.Phase is TrainingPhase.Training or TrainingPhase.FineTune;
            Show("training", ProgressText.Describe(value), value.Fraction, done);
        }

        /// <inheritdoc />
        public void Report(WorkProgress value)
        {
            if (value is null) return;
            Show(value.Work, ProgressText.Describe(value), value.Total <= 0 ? 1 : (double)value.Done / value.Total, value.Done >= value.Total);
        }

        /// <inheritdoc />
        public void Report(TrainingWarning value)
        {
            if (value is null) return;
            if (_mode == DisplayMode.Plain) _plain.WriteLine("warning: " + value.Message);
            else _console.MarkupLine("[yellow]warning:[/] " + Markup.Escape(value.Message));
        }

        private void Show(string key, string text, double fraction, bool done)
        {
            if (_mode == DisplayMode.Plain)
            {
                var now = _clock();
                if (!done && _lastLine.TryGetValue(key, out var last) && now - last < PlainInterval) return;
                _lastLine[key] = now;
                _plain.WriteLine(text);
                return;
            }
            if (_context is null) return; // reported outside Run: nothing to draw on
            if (!_tasks.TryGetValue(key, out var task))
            {
                task = _context.AddTask(Markup.Escape(text), maxValue: 1000);
                _tasks[key] = task;
            }
            task.Description = Markup.Escape(text);
            task.Value = Math.Clamp(fraction, 0, 1) * 1000;
            if (!done) return;
            task.StopTask();
            _tasks.Remove(key); // the next piece of work of this kind gets a bar of its own
        }
    }
}
