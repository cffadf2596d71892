using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PruneDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Checkpoints
{
    /// <summary>
    /// The checkpoint file format (TorchSharp only, no other dependency): the magic bytes <c>PRUNEDSL-CKPT</c> and a
    /// version, a length-prefixed UTF-8 JSON header (<see cref="CheckpointHeader"/>: what the run was, where it stood, and
    /// a table of the tensors and blobs with their types, shapes, offsets and lengths), the raw little-endian bytes of the
    /// tensors and blobs, and a SHA-256 of everything before it. Writing is atomic: the file is written beside its final
    /// name, flushed to disk and renamed over it, so the last good checkpoint survives a crash at any point. Reading checks
    /// the length and the checksum before it parses anything, then the table against the payload, so a truncated or
    /// corrupt file is refused as a whole.
    /// </summary>
    internal static class CheckpointFile
    {
        public const string FormatName = "prunedsl.checkpoint";
        public const int FormatVersion = 1;

        private static readonly byte[] Magic = Encoding.ASCII.GetBytes("PRUNEDSL-CKPT");
        private const int HashLength = 32;

        /// <summary>Tests only (per thread): runs after the new file is complete on disk and before it is renamed over the old one.</summary>
        [ThreadStatic]
        internal static Action<string>? BeforeRename;

        internal static readonly JsonSerializerOptions Json = new()
        {
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter() },
        };

        /// <summary>
        /// Writes <paramref name="header"/>, <paramref name="tensors"/> and <paramref name="blobs"/> to
        /// <paramref name="path"/> atomically. The header's tensor and blob tables are filled in here.
        /// </summary>
        public static void Write(string path, CheckpointHeader header, IReadOnlyList<(string Name, Tensor Tensor)> tensors,
            IReadOnlyList<(string Name, byte[] Bytes)> blobs)
        {
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(folder);

            using var scope = NewDisposeScope();
            var payload = new List<ReadOnlyMemory<byte>>();
            var entries = new List<CheckpointTensor>();
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                var cpu = tensor.detach().cpu().contiguous();
                var bytes = cpu.numel() == 0 ? Array.Empty<byte>() : cpu.bytes.ToArray();
                entries.Add(new CheckpointTensor(name, cpu.dtype.ToString(), cpu.shape, offset, bytes.Length));
                payload.Add(bytes);
                offset += bytes.Length;
            }
            var blobEntries = new List<CheckpointBlob>();
            foreach (var (name, bytes) in blobs)
            {
                blobEntries.Add(new CheckpointBlob(name, offset, bytes.Length));
                payload.Add(bytes);
                offset += bytes.Length;
            }
            header = header with { Tensors = entries, Blobs = blobEntries };
            var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, Json);

            var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    void Put(ReadOnlySpan<byte> bytes)
                    {
                        stream.Write(bytes);
                        hash.AppendData(bytes);
                    }

                    Put(Magic);
                    Put(BitConverter.GetBytes(FormatVersion));
                    Put(BitConverter.GetBytes((long)headerBytes.Length));
                    Put(headerBytes);
                    foreach (var part in payload) Put(part.Span);
                    stream.Write(hash.GetHashAndReset());
                    stream.Flush(flushToDisk: true);
                }
                BeforeRename?.Invoke(temporary);
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        /// <summary>
        /// Reads and checks a checkpoint: the length, the magic and version, the checksum, the header and its table. The
        /// tensors are read into new CPU tensors (the caller disposes the result); nothing is loaded anywhere.
        /// </summary>
        /// <exception cref="CheckpointException">The file is truncated, corrupt or of another format or version.</exception>
        public static CheckpointContents Read(string path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full)) throw new FileNotFoundException($"There is no checkpoint '{full}'.", full);
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var prefix = Magic.Length + sizeof(int) + sizeof(long);
            if (stream.Length < prefix + HashLength)
                throw new CheckpointException(full, $"it is {stream.Length} bytes long, too short for a checkpoint (truncated, or not a checkpoint).");

            // 1. The checksum over everything but the last 32 bytes, before anything is believed.
            var expected = new byte[HashLength];
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 20];
                var left = stream.Length - HashLength;
                while (left > 0)
                {
                    var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n <= 0) throw new CheckpointException(full, "it ended while it was being read (truncated).");
                    hash.AppendData(buffer, 0, n);
                    left -= n;
                }
                stream.ReadExactly(expected);
                var actual = hash.GetHashAndReset();
                if (!CryptographicOperations.FixedTimeEquals(actual, expected))
                {
                    stream.Position = 0;
                    var head = new byte[Magic.Length];
                    stream.ReadExactly(head);
                    throw new CheckpointException(full, head.AsSpan().SequenceEqual(Magic)
                        ? "its SHA-256 checksum does not match its contents: the file is truncated or corrupt (a partial copy, a full disk, a damaged medium). Resume from an intact checkpoint or start the run again."
                        : "it does not start with the checkpoint magic bytes 'PRUNEDSL-CKPT': it is not a PruneDsl checkpoint.");
                }
            }

            // 2. Magic, version, header.
            stream.Position = 0;
            var magic = new byte[Magic.Length];
            stream.ReadExactly(magic);
            if (!magic.AsSpan().SequenceEqual(Magic))
                throw new CheckpointException(full, "it does not start with the checkpoint magic bytes 'PRUNEDSL-CKPT': it is not a PruneDsl checkpoint.");
            var number = new byte[sizeof(long)];
            stream.ReadExactly(number, 0, sizeof(int));
            var version = BitConverter.ToInt32(number, 0);
            if (version != FormatVersion)
                throw new CheckpointException(full, $"it has checkpoint format version {version}; this PruneDsl reads version {FormatVersion}.");
            stream.ReadExactly(number, 0, sizeof(long));
            var headerLength = BitConverter.ToInt64(number, 0);
            var payloadStart = prefix + headerLength;
            if (headerLength <= 0 || payloadStart > stream.Length - HashLength)
                throw new CheckpointException(full, $"its header length {headerLength} does not fit the file's {stream.Length} bytes.");
            var headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
            CheckpointHeader header;
            try
            {
                header = JsonSerializer.Deserialize<CheckpointHeader>(headerBytes, Json)
                    ?? throw new CheckpointException(full, "its header is empty.");
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new CheckpointException(full, $"its header cannot be read: {e.Message}", e);
            }
            if (header.Format != FormatName)
                throw new CheckpointException(full, $"its header's format is '{header.Format}', expected '{FormatName}'.");

            // 3. The table against the payload.
            var payloadLength = stream.Length - HashLength - payloadStart;
            foreach (var t in header.Tensors)
            {
                ScalarType dtype;
                if (!Enum.TryParse(t.DType, out dtype))
                    throw new CheckpointException(full, $"tensor '{t.Name}' has an unknown type '{t.DType}'.");
                var expectedBytes = t.Shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype, full, t.Name);
                if (t.Shape.Any(d => d < 0) || t.Length != expectedBytes || t.Offset < 0 || t.Offset + t.Length > payloadLength)
                    throw new CheckpointException(full, $"tensor '{t.Name}' ({t.DType} {StateShape(t.Shape)}) does not fit its table entry (offset {t.Offset}, {t.Length} bytes of {payloadLength}).");
            }
            foreach (var b in header.Blobs)
                if (b.Offset < 0 || b.Length < 0 || b.Offset + b.Length > payloadLength)
                    throw new CheckpointException(full, $"blob '{b.Name}' does not fit its table entry (offset {b.Offset}, {b.Length} bytes of {payloadLength}).");

            // 4. The tensors and blobs, into new memory.
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            try
            {
                foreach (var t in header.Tensors)
                {
                    var bytes = new byte[t.Length];
                    stream.Position = payloadStart + t.Offset;
                    stream.ReadExactly(bytes);
                    var tensor = empty(t.Shape, Enum.Parse<ScalarType>(t.DType)).DetachFromDisposeScope();
                    if (bytes.Length > 0) tensor.bytes = bytes;
                    if (!tensors.TryAdd(t.Name, tensor))
                    {
                        tensor.Dispose();
                        throw new CheckpointException(full, $"tensor '{t.Name}' appears twice in its table.");
                    }
                }
                foreach (var b in header.Blobs)
                {
                    var bytes = new byte[b.Length];
                    stream.Position = payloadStart + b.Offset;
                    stream.ReadExactly(bytes);
                    blobs[b.Name] = bytes;
                }
            }
            catch
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw;
            }
            return new CheckpointContents(full, header, tensors, blobs);
        }

        private static long ElementSize(ScalarType type, string path, string name) => type switch
        {
            ScalarType.Bool or ScalarType.Byte or ScalarType.Int8 => 1,
            ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
            ScalarType.Int32 or ScalarType.Float32 => 4,
            ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
            ScalarType.ComplexFloat64 => 16,
            _ => throw new CheckpointException(path, $"tensor '{name}' has type {type}, which checkpoints do not store."),
        };

        private static string StateShape(long[] shape) => "[" + string.Join(", ", shape) + "]";
    }

    /// <summary>One tensor's entry in a checkpoint's table.</summary>
    /// <param name="Name">Its name, e.g. <c>model/fc1.weight</c>.</param>
    /// <param name="DType">Its scalar type.</param>
    /// <param name="Shape">Its shape.</param>
    /// <param name="Offset">Where its bytes start, from the start of the payload.</param>
    /// <param name="Length">How many bytes.</param>
    internal sealed record CheckpointTensor(string Name, string DType, long[] Shape, long Offset, long Length);

    /// <summary>One blob's entry (e.g. the optimizer state in TorchSharp's own format).</summary>
    internal sealed record CheckpointBlob(string Name, long Offset, long Length);

    /// <summary>What a checkpoint's header says.</summary>
    /// <param name="Format">Always <see cref="CheckpointFile.FormatName"/>.</param>
    /// <param name="Trainer"><c>game</c> or <c>evolution</c>.</param>
    /// <param name="Model">The model's fingerprint.</param>
    /// <param name="Settings">The settings that change the computation (options, per-layer costs or dynamics).</param>
    /// <param name="Position">Where the run stood.</param>
    /// <param name="Values">Numbers the trainer keeps across a resume (e.g. evolution's dense accuracy).</param>
    /// <param name="History">The run history so far, as JSON.</param>
    /// <param name="SavedAtUtc">When it was written.</param>
    /// <param name="Tensors">The tensor table (filled in by <see cref="CheckpointFile.Write"/>).</param>
    /// <param name="Blobs">The blob table (filled in by <see cref="CheckpointFile.Write"/>).</param>
    internal sealed record CheckpointHeader(
        string Format,
        string Trainer,
        ModelFingerprint Model,
        IReadOnlyDictionary<string, string> Settings,
        CheckpointPosition Position,
        IReadOnlyDictionary<string, double> Values,
        string History,
        DateTime SavedAtUtc,
        IReadOnlyList<CheckpointTensor> Tensors,
        IReadOnlyList<CheckpointBlob> Blobs);

    /// <summary>The contents of a checkpoint that passed every integrity check; disposing frees its tensors.</summary>
    internal sealed class CheckpointContents : IDisposable
    {
        public CheckpointContents(string path, CheckpointHeader header, Dictionary<string, Tensor> tensors, Dictionary<string, byte[]> blobs)
        {
            Path = path;
            Header = header;
            Tensors = tensors;
            Blobs = blobs;
        }

        public string Path { get; }

        public CheckpointHeader Header { get; }

        public Dictionary<string, Tensor> Tensors { get; }

        public Dictionary<string, byte[]> Blobs { get; }

        /// <summary>The tensor <paramref name="name"/>; a <see cref="CheckpointException"/> when the file lacks it.</summary>
        public Tensor Tensor(string name) => Tensors.TryGetValue(name, out var t)
            ? t
            : throw new CheckpointException(Path, $"it lacks the tensor '{name}' that a {Header.Trainer} checkpoint holds.");

        /// <summary>The blob <paramref name="name"/>; a <see cref="CheckpointException"/> when the file lacks it.</summary>
        public byte[] Blob(string name) => Blobs.TryGetValue(name, out var b)
            ? b
            : throw new CheckpointException(Path, $"it lacks the '{name}' state that a {Header.Trainer} checkpoint holds.");

        public void Dispose()
        {
            foreach (var t in Tensors.Values) t.Dispose();
            Tensors.Clear();
        }
    }
}
