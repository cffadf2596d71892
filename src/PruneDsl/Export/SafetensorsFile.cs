using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>
    /// Reads and writes the safetensors format (huggingface/safetensors) directly, with no dependency beyond TorchSharp: an
    /// 8-byte little-endian header length N, N bytes of UTF-8 JSON <c>{name: {"dtype", "shape", "data_offsets": [begin,
    /// end]}, "__metadata__": {string: string}}</c> (padded with spaces so the data starts 8-byte aligned), then the raw
    /// little-endian bytes of every tensor, offsets relative to the end of the header. The reader checks everything the
    /// format promises (header length, JSON shape, known dtypes, offsets inside the file, sizes that match the shapes, no
    /// overlaps) and says which file and entry broke it.
    /// </summary>
    internal static class SafetensorsFile
    {
        /// <summary>The metadata key of the header (the only key that is not a tensor).</summary>
        public const string MetadataKey = "__metadata__";

        /// <summary>Headers above this are refused as corrupt (the reference implementation's limit, 100 MB).</summary>
        public const long MaxHeaderBytes = 100_000_000;

        private const int CopyBuffer = 1 << 20;

        /// <summary>The format's dtype names and their element sizes, for the scalar types TorchSharp has.</summary>
        private static readonly (ScalarType Type, string Name, int Size)[] DTypes =
        {
            (ScalarType.Float64, "F64", 8), (ScalarType.Float32, "F32", 4), (ScalarType.Float16, "F16", 2),
            (ScalarType.BFloat16, "BF16", 2), (ScalarType.Int64, "I64", 8), (ScalarType.Int32, "I32", 4),
            (ScalarType.Int16, "I16", 2), (ScalarType.Int8, "I8", 1), (ScalarType.Byte, "U8", 1), (ScalarType.Bool, "BOOL", 1),
        };

        /// <summary>The safetensors dtype name of a TorchSharp scalar type (what the file header says).</summary>
        /// <exception cref="NotSupportedException">The type has no safetensors name TorchSharp can read back (e.g. complex).</exception>
        public static string DTypeName(ScalarType type)
        {
            foreach (var d in DTypes)
                if (d.Type == type) return d.Name;
            throw new NotSupportedException(
                $"Tensors of type {type} cannot be written to safetensors here (supported: {string.Join(", ", DTypes.Select(d => d.Type))}); convert them to float32 first.");
        }

        /// <summary>
        /// Writes <paramref name="tensors"/> in the given order to <paramref name="path"/>, replacing any file there. Each is
        /// written from a CPU, contiguous copy; the caller keeps ownership of its tensors.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="tensors">Named tensors; names must be unique and must not be <see cref="MetadataKey"/>.</param>
        /// <param name="metadata">Optional string pairs for the header's <c>__metadata__</c>.</param>
        /// <exception cref="ArgumentException">A name is repeated, empty or reserved.</exception>
        /// <exception cref="NotSupportedException">A tensor's type has no safetensors name (<see cref="DTypeName"/>).</exception>
        public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            if (tensors is null) throw new ArgumentNullException(nameof(tensors));
            using var scope = NewDisposeScope();
            var entries = new List<(string Name, Tensor Data, string DType, long Begin, long End)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey)
                    throw new ArgumentException($"'{name}' cannot name a tensor in '{path}': names must be non-empty and not '{MetadataKey}'.", nameof(tensors));
                if (!names.Add(name))
                    throw new ArgumentException($"Two tensors are named '{name}' for '{path}'; tensor names must be unique.", nameof(tensors));
                var dtype = DTypeName(tensor.dtype);
                var data = tensor.detach().cpu().contiguous();
                var length = data.numel() * data.ElementSize;
                entries.Add((name, data, dtype, offset, offset + length));
                offset += length;
            }

            var header = Header(entries.Select(e => (e.Name, e.DType, e.Data.shape, e.Begin, e.End)), metadata);
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, CopyBuffer);
            Span<byte> length8 = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length8, (ulong)header.Length);
            stream.Write(length8);
            stream.Write(header);
            foreach (var e in entries)
                if (e.End > e.Begin) e.Data.WriteBytesToStream(stream, CopyBuffer);
        }

        /// <summary>Every tensor of a safetensors file, on the CPU, in header order; the caller disposes them.</summary>
        /// <param name="path">The file.</param>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says where it breaks.</exception>
        public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

        /// <summary>As <see cref="Read(string)"/>, also returning the header's <c>__metadata__</c> (empty when there is none).</summary>
        /// <param name="path">The file.</param>
        /// <param name="metadata">The metadata pairs.</param>
        public static Dictionary<string, Tensor> Read(string path, out Dictionary<string, string> metadata)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"The safetensors file '{path}' does not exist.", path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer);
            var (entries, dataStart, meta) = ReadHeader(stream, path);
            metadata = meta;
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                foreach (var e in entries)
                {
                    var tensor = empty(e.Shape, e.Type);
                    result.Add(e.Name, tensor);
                    if (e.End == e.Begin) continue;
                    stream.Seek(dataStart + e.Begin, SeekOrigin.Begin);
                    tensor.ReadBytesFromStream(stream, CopyBuffer);
                }
            }
            catch
            {
                foreach (var t in result.Values) t.Dispose();
                throw;
            }
            return result;
        }

        private static byte[] Header(IEnumerable<(string Name, string DType, long[] Shape, long Begin, long End)> entries, IReadOnlyDictionary<string, string>? metadata)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                if (metadata is { Count: > 0 })
                {
                    json.WriteStartObject(MetadataKey);
                    foreach (var (key, value) in metadata) json.WriteString(key, value);
                    json.WriteEndObject();
                }
                foreach (var (name, dtype, shape, begin, end) in entries)
                {
                    json.WriteStartObject(name);
                    json.WriteString("dtype", dtype);
                    json.WriteStartArray("shape");
                    foreach (var d in shape) json.WriteNumberValue(d);
                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(begin);
                    json.WriteNumberValue(end);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            // Spaces up to a multiple of 8, as the reference writer does, so that the data starts aligned.
            while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
            return buffer.ToArray();
        }

        private readonly record struct Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

        private static (List<Entry> Entries, long DataStart, Dictionary<string, string> Metadata) ReadHeader(Stream stream, string path)
        {
            var fileLength = stream.Length;
            Span<byte> length8 = stackalloc byte[8];
            if (fileLength < 8 || stream.ReadAtLeast(length8, 8, throwOnEndOfStream: false) < 8)
                throw Corrupt(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length8);
            if (headerLength < 2 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
                throw Corrupt(path, $"its header length {headerLength} does not fit a {fileLength}-byte file (or exceeds {MaxHeaderBytes} bytes)");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var dataStart = 8 + (long)headerLength;
            var dataLength = fileLength - dataStart;

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(header);
            }
            catch (JsonException e)
            {
                throw Corrupt(path, $"its header is not valid JSON ({e.Message})");
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(path, "its header is not a JSON object");
                var entries = new List<Entry>();
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (!names.Add(property.Name)) throw Corrupt(path, $"its header names '{property.Name}' twice");
                    if (property.Name == MetadataKey)
                    {
                        if (property.Value.ValueKind != JsonValueKind.Object) throw Corrupt(path, $"its {MetadataKey} is not an object of strings");
                        foreach (var pair in property.Value.EnumerateObject())
                        {
                            if (pair.Value.ValueKind != JsonValueKind.String) throw Corrupt(path, $"its {MetadataKey} value '{pair.Name}' is not a string");
                            metadata[pair.Name] = pair.Value.GetString()!;
                        }
                        continue;
                    }
                    entries.Add(ReadEntry(property, path, dataLength));
                }
                CheckLayout(entries, path, dataLength);
                return (entries, dataStart, metadata);
            }
        }

        private static Entry ReadEntry(JsonProperty property, string path, long dataLength)
        {
            var name = property.Name;
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
                || !value.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array || offsetsJson.GetArrayLength() != 2)
                throw Corrupt(path, $"tensor '{name}' lacks a string dtype, an array shape or a two-number data_offsets");
            var dtype = dtypeJson.GetString()!;
            var known = Array.FindIndex(DTypes, d => d.Name == dtype);
            if (known < 0)
                throw Corrupt(path, $"tensor '{name}' has dtype '{dtype}', which TorchSharp cannot hold (readable: {string.Join(", ", DTypes.Select(d => d.Name))})");
            var shape = new long[shapeJson.GetArrayLength()];
            var i = 0;
            foreach (var d in shapeJson.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var size) || size < 0)
                    throw Corrupt(path, $"tensor '{name}' has a shape entry that is not a whole number >= 0");
                shape[i++] = size;
            }
            long begin = 0, end = 0;
            var k = 0;
            foreach (var o in offsetsJson.EnumerateArray())
            {
                if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out var v) || v < 0)
                    throw Corrupt(path, $"tensor '{name}' has a data offset that is not a whole number >= 0");
                if (k++ == 0) begin = v;
                else end = v;
            }
            if (begin > end || end > dataLength)
                throw Corrupt(path, $"tensor '{name}' has data_offsets [{begin}, {end}] outside the {dataLength} data bytes (the file is truncated?)");
            if (Bytes(shape, DTypes[known].Size) is not { } bytes || bytes != end - begin)
                throw Corrupt(path, $"tensor '{name}' ({dtype} {StateDictFile.Shape(shape)}) does not fill its data_offsets [{begin}, {end}]");
            return new Entry(name, DTypes[known].Type, shape, begin, end);
        }

        /// <summary>The bytes a tensor of this shape takes, or null when that overflows a long.</summary>
        private static long? Bytes(long[] shape, int elementSize)
        {
            try
            {
                var bytes = (long)elementSize;
                foreach (var d in shape) bytes = checked(bytes * d);
                return bytes;
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        /// <summary>The format forbids holes and overlaps: sorted by offset, the tensors tile the data exactly.</summary>
        private static void CheckLayout(List<Entry> entries, string path, long dataLength)
        {
            long next = 0;
            foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (e.Begin != next)
                    throw Corrupt(path, e.Begin < next
                        ? $"tensor '{e.Name}' overlaps the one before it (its data starts at {e.Begin}, before {next})"
                        : $"there are {e.Begin - next} unused bytes before tensor '{e.Name}'");
                next = e.End;
            }
            if (next != dataLength)
                throw Corrupt(path, $"its tensors cover {next} of the {dataLength} data bytes after the header");
        }

        private static InvalidDataException Corrupt(string path, string what) =>
            new($"'{path}' is not a valid safetensors file: {what}. The file is truncated, corrupt or of another format; write it again.");
    }
}
