using System;
using System.Diagnostics;
using System.IO;

namespace PruneDsl.Tests.Export;

/// <summary>Debian's Python with torch (python3-torch), the PyTorch peer of the interop tests.</summary>
internal static class PythonTorch
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why the interop tests cannot run here, or null when they can.</summary>
    public static string? Unavailable => Missing.Value;

    /// <summary>Runs the interpreter with the given arguments (2-minute limit).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Python} {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? Probe()
    {
        const string how = "install Debian's python3-torch (apt-get install -y --no-install-recommends python3-torch; .ci/run does it from .ci/python-deps)";
        if (!File.Exists(Python)) return $"{Python} does not exist: {how} to run the PyTorch interop test.";
        try
        {
            var (code, _, stderr) = Run("-c", "import torch");
            return code == 0 ? null : $"{Python} has no torch module ({stderr.Trim().Split('\n')[^1]}): {how} to run the PyTorch interop test.";
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return $"{Python} could not run ({e.Message}): {how}.";
        }
    }
}

/// <summary>A fact that is skipped, with the reason, only when /usr/bin/python3 cannot import torch.</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    public PythonTorchFactAttribute()
    {
        if (PythonTorch.Unavailable is { } reason) Skip = reason;
    }
}
