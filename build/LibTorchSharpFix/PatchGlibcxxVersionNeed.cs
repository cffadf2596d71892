// Compiled at build time by MSBuild's RoslynCodeTaskFactory (see PruneDsl.LibTorchSharpFix.targets beside this file).
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one GLIBCXX version need of 64-bit ELF shared libraries as weak (VER_FLG_WEAK in the vna_flags of its Vernaux
/// entry in the SHT_GNU_verneed section), so that the dynamic loader accepts the library on a system whose libstdc++
/// lacks that version. Does nothing where the system libstdc++ provides the version. Each file is replaced by a patched
/// copy (written beside it, then moved over it), so a hard or symbolic link into the NuGet cache is replaced, never
/// written through.
/// </summary>
public sealed class PatchGlibcxxVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const byte VerFlagWeak = 0x2;

    private static readonly string[] SystemLibstdcxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    /// <summary>The libraries to patch (output or publish copies, never the package cache).</summary>
    [Required]
    public ITaskItem[] Files { get; set; }

    /// <summary>The version need to mark weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        var provider = SystemLibraryWithVersion();
        if (provider != null)
        {
            Log.LogMessage(MessageImportance.Low, provider + " provides " + Version + "; no patch needed.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F' || bytes[4] != 2)
                {
                    Log.LogWarning(path + " is not a 64-bit ELF file; not patched.");
                    continue;
                }
                if (MarkWeak(bytes) == 0) continue;
                var patched = path + ".patching";
                File.WriteAllBytes(patched, bytes);
                File.Delete(path);
                File.Move(patched, path);
                Log.LogMessage(MessageImportance.High, "PruneDsl: marked " + Version + " weak in " + path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is IndexOutOfRangeException || e is ArgumentException)
            {
                Log.LogWarning("PruneDsl: could not patch " + path + " (" + e.Message + "); TorchSharp may fail to load it on this system.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>The first system libstdc++ that contains the version string, or null.</summary>
    private string SystemLibraryWithVersion()
    {
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var candidate in SystemLibstdcxx)
        {
            if (!File.Exists(candidate)) continue;
            var library = File.ReadAllBytes(candidate);
            for (var i = 0; i + needle.Length <= library.Length; i++)
            {
                var k = 0;
                while (k < needle.Length && library[i + k] == needle[k]) k++;
                if (k == needle.Length) return candidate;
            }
            return null; // only the first library found is checked
        }
        return null;
    }

    /// <summary>Sets VER_FLG_WEAK on every not yet weak Vernaux entry named <see cref="Version"/>; returns how many.</summary>
    private int MarkWeak(byte[] b)
    {
        long sectionHeaders = BitConverter.ToInt64(b, 0x28);
        int headerSize = BitConverter.ToUInt16(b, 0x3A), sections = BitConverter.ToUInt16(b, 0x3C);
        var patched = 0;
        for (var s = 0; s < sections; s++)
        {
            var header = (int)(sectionHeaders + (long)s * headerSize);
            if (BitConverter.ToUInt32(b, header + 4) != ShtGnuVerneed) continue;
            var entry = (int)BitConverter.ToInt64(b, header + 0x18);
            int link = BitConverter.ToInt32(b, header + 0x28), count = BitConverter.ToInt32(b, header + 0x2C);
            var strings = BitConverter.ToInt64(b, (int)(sectionHeaders + (long)link * headerSize) + 0x18);
            for (var n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(b, entry + 2);
                var aux = entry + (int)BitConverter.ToUInt32(b, entry + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameStart = (int)(strings + BitConverter.ToUInt32(b, aux + 8));
                    var nameEnd = nameStart;
                    while (b[nameEnd] != 0) nameEnd++;
                    if (Encoding.ASCII.GetString(b, nameStart, nameEnd - nameStart) == Version && (b[aux + 4] & VerFlagWeak) == 0)
                    {
                        b[aux + 4] |= VerFlagWeak;
                        patched++;
                    }
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                entry += (int)BitConverter.ToUInt32(b, entry + 12);
            }
        }
        return patched;
    }
}
