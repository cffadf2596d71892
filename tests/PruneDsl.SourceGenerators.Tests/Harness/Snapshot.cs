using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// Verify's conventions by hand (Verify.Xunit cannot be restored here): the accepted output is committed as
/// <c>tests/PruneDsl.SourceGenerators.Tests/Snapshots/{name}.verified.cs</c>; a mismatch (or a missing file) writes <c>{name}.received.cs</c> beside it and
/// fails with a line diff. To accept a change, review the received file and rename it to .verified.cs.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name)
    {
        var directory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "Snapshots"));
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        if (File.Exists(verified))
        {
            var expected = File.ReadAllText(verified).Replace("\r\n", "\n");
            if (expected == actual)
            {
                if (File.Exists(received)) File.Delete(received);
                return;
            }
            File.WriteAllText(received, actual);
            Assert.Fail($"Generated source differs from {verified}; wrote {received}.\n{Diff(expected, actual)}");
        }
        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail($"No snapshot {verified} yet; wrote {received}. Review it and rename it to .verified.cs to accept it.");
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Diff(string expected, string actual)
    {
        var model = InlineDiffBuilder.Diff(expected, actual);
        var builder = new StringBuilder();
        var shown = 0;
        foreach (var line in model.Lines)
        {
            if (line.Type == ChangeType.Unchanged) continue;
            builder.Append(line.Type == ChangeType.Inserted ? "+ " : "- ").AppendLine(line.Text);
            if (++shown == 60) { builder.AppendLine("..."); break; }
        }
        return builder.ToString();
    }
}
