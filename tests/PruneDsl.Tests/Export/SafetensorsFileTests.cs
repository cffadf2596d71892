using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PruneDsl.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Export;

/// <summary>
/// The safetensors reader and writer (<see cref="SafetensorsFile"/>): exact round trips of every dtype and odd shapes,
/// the header the format prescribes, agreement with TorchSharp.PyBridge and with a safetensors-free Python reader in both
/// directions, and a message naming the file and the entry for every way a file can be broken.
/// </summary>
public sealed class SafetensorsFileTests
{
    private readonly ITestOutputHelper _output;

    public SafetensorsFileTests(ITestOutputHelper output) => _output = output;

    /// <summary>One tensor of each of the ten dtypes, plus a scalar, an empty tensor and a non-contiguous view.</summary>
    private static List<KeyValuePair<string, Tensor>> Sample()
    {
        var g = new TorchSharp.torch.Generator(1234);
        var f32 = randn(new long[] { 5, 7 }, generator: g);
        return new List<KeyValuePair<string, Tensor>>
        {
            new("layer.f64", randn(new long[] { 3, 4 }, ScalarType.Float64, generator: g)),
            new("layer.f32", f32),
            new("layer.f16", randn(new long[] { 9 }, generator: g).to(ScalarType.Float16)),
            new("layer.bf16", randn(new long[] { 2, 3, 2 }, generator: g).to(ScalarType.BFloat16)),
            new("i64", randint(-1_000_000_000_000, 1_000_000_000_000, new long[] { 6 }, ScalarType.Int64, generator: g)),
            new("i32", randint(int.MinValue, int.MaxValue, new long[] { 2, 5 }, ScalarType.Int32, generator: g)),
            new("i16", randint(short.MinValue, short.MaxValue, new long[] { 11 }, ScalarType.Int16, generator: g)),
            new("i8", randint(-128, 127, new long[] { 3, 3 }, ScalarType.Int8, generator: g)),
            new("u8", randint(0, 255, new long[] { 13 }, ScalarType.Byte, generator: g)),
            new("mask", rand(new long[] { 4, 4 }, generator: g).lt(0.5)),
            new("scalar", tensor(3.25f)),
            new("empty", zeros(new long[] { 0, 3 })),
            new("transposed", f32.t()),
        };
    }

    private static void AssertSame(List<KeyValuePair<string, Tensor>> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            Assert.Equal(e.dtype, a.dtype);
            Assert.Equal(e.shape, a.shape);
            // Bit for bit: the bytes of a contiguous copy.
            using var ec = e.contiguous();
            using var ac = a.contiguous();
            Assert.True(ec.bytes.SequenceEqual(ac.bytes), $"tensor '{name}' differs after the round trip");
        }
    }

    [Fact]
    public void Every_dtype_round_trips_bit_exactly_with_its_metadata()
    {
        using var folder = new TempFolder("safetensors-roundtrip");
        using var scope = NewDisposeScope();
        var tensors = Sample();
        var path = folder.File("all.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };

        SafetensorsFile.Write(path, tensors, metadata);
        var read = SafetensorsFile.Read(path, out var readMetadata);

        AssertSame(tensors, read);
        Assert.Equal(metadata, readMetadata);
        // The order of the header is the order given.
        Assert.Equal(tensors.Select(t => t.Key), read.Keys);
    }

    [Fact]
    public void The_header_is_what_the_format_prescribes()
    {
        using var folder = new TempFolder("safetensors-header");
        using var scope = NewDisposeScope();
        var path = folder.File("two.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor>
        {
            ["w"] = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 }),
            ["b"] = tensor(new short[] { -1, 2 }),
        });

        var bytes = File.ReadAllBytes(path);
        var length = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, length % 8); // data starts 8-byte aligned
        var header = Encoding.UTF8.GetString(bytes, 8, (int)length);
        Assert.Equal("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"I16","shape":[2],"data_offsets":[24,28]}}""", header.TrimEnd(' '));
        Assert.Equal(8 + length + 28, bytes.Length);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, (int)(8 + length)));
        Assert.Equal(-1, BitConverter.ToInt16(bytes, (int)(8 + length + 24)));
    }

    [Fact]
    public void Writing_over_a_longer_file_leaves_no_trailing_bytes()
    {
        using var folder = new TempFolder("safetensors-replace");
        using var scope = NewDisposeScope();
        var path = folder.File("w.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = zeros(1000) });
        var small = new List<KeyValuePair<string, Tensor>> { new("w", ones(3)) };

        SafetensorsFile.Write(path, small);

        AssertSame(small, SafetensorsFile.Read(path));
    }

    [Fact]
    public void Repeated_reserved_and_unsupported_names_and_types_are_refused()
    {
        using var folder = new TempFolder("safetensors-refused");
        using var scope = NewDisposeScope();
        var path = folder.File("x.safetensors");
        var twice = new List<KeyValuePair<string, Tensor>> { new("a", ones(1)), new("a", ones(2)) };
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, twice)).Message);
        Assert.Contains(SafetensorsFile.MetadataKey, Assert.Throws<ArgumentException>(() =>
            SafetensorsFile.Write(path, new Dictionary<string, Tensor> { [SafetensorsFile.MetadataKey] = ones(1) })).Message);
        Assert.Contains("ComplexFloat32", Assert.Throws<NotSupportedException>(() =>
            SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["c"] = ones(2, ScalarType.ComplexFloat32) })).Message);
    }

    [Fact]
    public void Files_agree_with_TorchSharp_PyBridge_in_both_directions()
    {
        using var folder = new TempFolder("safetensors-pybridge");
        using var scope = NewDisposeScope();
        var tensors = Sample();
        var ours = folder.File("ours.safetensors");
        var theirs = folder.File("theirs.safetensors");

        SafetensorsFile.Write(ours, tensors);
        // PyBridge writes contiguous tensors only (ours copies a view itself).
        TorchSharp.PyBridge.Safetensors.SaveStateDict(theirs, tensors.ToDictionary(t => t.Key, t => t.Value.contiguous()));

        AssertSame(tensors, TorchSharp.PyBridge.Safetensors.LoadStateDict(ours));
        AssertSame(tensors, SafetensorsFile.Read(theirs));
    }

    [PythonTorchFact]
    public void Python_reads_our_files_and_we_read_what_Python_writes()
    {
        using var folder = new TempFolder("safetensors-python");
        using var scope = NewDisposeScope();
        var tensors = Sample();
        var ours = folder.File("ours.safetensors");
        var theirs = folder.File("theirs.safetensors");
        SafetensorsFile.Write(ours, tensors, new Dictionary<string, string> { ["from"] = "csharp" });

        // check_export.py's safetensors-free reader (struct + json + torch.frombuffer); then a writer in the reference
        // layout (sorted names, __metadata__ first, header padded to 8 bytes) of what it read.
        var script = """
            import json, struct, sys, torch
            sys.path.insert(0, sys.argv[3])
            from check_export import read_safetensors, DTYPES
            names = {v: k for k, v in DTYPES.items()}
            t = read_safetensors(sys.argv[1])
            offset, header, blobs = 0, {"__metadata__": {"from": "python"}}, []
            for name in sorted(t):
                data = t[name].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t[name].numel() else b""
                header[name] = {"dtype": names[t[name].dtype], "shape": list(t[name].shape), "data_offsets": [offset, offset + len(data)]}
                offset += len(data)
                blobs.append(data)
            text = json.dumps(header).encode()
            text += b" " * (-len(text) % 8)
            with open(sys.argv[2], "wb") as f:
                f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
            print(json.dumps({k: [names[v.dtype], list(v.shape)] for k, v in t.items()}))
            """;
        var checkExport = Path.Combine(AppContext.BaseDirectory, "Export");
        var (code, stdout, stderr) = PythonTorch.Run("-c", script, ours, theirs, checkExport);
        _output.WriteLine(stdout);
        _output.WriteLine(stderr);
        Assert.True(code == 0, $"python failed: {stderr}");

        using var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        foreach (var (name, t) in tensors)
        {
            var entry = seen.RootElement.GetProperty(name);
            Assert.Equal(SafetensorsFile.DTypeName(t.dtype), entry[0].GetString());
            Assert.Equal(t.shape, entry[1].EnumerateArray().Select(d => d.GetInt64()).ToArray());
        }
        var back = SafetensorsFile.Read(theirs, out var metadata);
        AssertSame(tensors, back);
        Assert.Equal("python", metadata["from"]);
    }

    public static TheoryData<string, string> Broken() => new()
    {
        { "truncated data", "data_offsets [0, 24] outside" },
        { "short file", "shorter than the 8-byte header length" },
        { "header length past the end", "header length 4096 does not fit" },
        { "not JSON", "not valid JSON" },
        { "unknown dtype", "tensor 'w' has dtype 'F8_E4M3'" },
        { "size does not match shape", "tensor 'w' (F32 [2, 4]) does not fill its data_offsets [0, 24]" },
        { "hole", "4 unused bytes before tensor 'b'" },
        { "overlap", "tensor 'b' overlaps" },
        { "trailing data", "cover 28 of the 32 data bytes" },
        { "metadata not strings", "__metadata__ value 'n' is not a string" },
        { "negative shape", "tensor 'w' has a shape entry that is not a whole number >= 0" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_file_is_refused_with_a_message_naming_the_file_and_the_entry(string how, string expected)
    {
        using var folder = new TempFolder("safetensors-broken");
        var path = folder.File("broken.safetensors");
        const string w = "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";
        const string b = "\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[24,28]}";
        byte[] bytes = how switch
        {
            "truncated data" => Forged(w, 10),
            "short file" => new byte[] { 1, 2, 3 },
            "header length past the end" => BitConverter.GetBytes(4096L).Concat(Encoding.UTF8.GetBytes("{}")).ToArray(),
            "not JSON" => Forged(w.Replace("}", ""), 24),
            "unknown dtype" => Forged(w.Replace("F32", "F8_E4M3"), 24),
            "size does not match shape" => Forged(w.Replace("[2,3]", "[2,4]"), 24),
            "hole" => Forged(w + "," + b.Replace("[24,28]", "[28,32]"), 32),
            "overlap" => Forged(w + "," + b.Replace("[24,28]", "[20,24]"), 24),
            "trailing data" => Forged(w + "," + b, 32),
            "metadata not strings" => Forged("\"__metadata__\":{\"n\":1}," + w, 24),
            "negative shape" => Forged(w.Replace("[2,3]", "[-2,-3]"), 24),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A file with the header <c>{entries}</c> and <paramref name="dataBytes"/> zero bytes of data.</summary>
    private static byte[] Forged(string entries, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes("{" + entries + "}");
        return BitConverter.GetBytes((long)header.Length).Concat(header).Concat(new byte[dataBytes]).ToArray();
    }
}
