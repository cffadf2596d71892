using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using PruneDsl.Quantization;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>
    /// The quantized storage of one exported layer (<see cref="ExportLayer.Quantized"/>), layout in
    /// <see cref="ExportManifest.QuantizedLayout"/>: codes, scales and, for N:M, positions, in
    /// <see cref="SafetensorsExport.QuantizedFile"/>.
    /// </summary>
    public sealed class ExportQuantized
    {
        /// <summary>Always "symmetric": <c>w = code * scale</c>, codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1].</summary>
        [JsonPropertyName("scheme")] public string Scheme { get; set; } = "symmetric";

        /// <summary>4 or 8.</summary>
        [JsonPropertyName("bits")] public int Bits { get; set; }

        /// <summary>0: one scale per output channel; else the input columns per scale.</summary>
        [JsonPropertyName("group_size")] public int GroupSize { get; set; }

        /// <summary>Input columns per scale (in_features when group_size is 0).</summary>
        [JsonPropertyName("columns_per_scale")] public int ColumnsPerScale { get; set; }

        /// <summary>Scales per row.</summary>
        [JsonPropertyName("scales_per_row")] public int ScalesPerRow { get; set; }

        /// <summary>The N:M pattern of the stored values (e.g. "2:4"), or null for dense storage.</summary>
        [JsonPropertyName("pattern")] public string? Pattern { get; set; }

        /// <summary>Stored values per row: in_features, or in_features / M * N.</summary>
        [JsonPropertyName("values_per_row")] public int ValuesPerRow { get; set; }

        /// <summary>Bytes of codes per row, ceil(values_per_row * bits / 8).</summary>
        [JsonPropertyName("bytes_per_row")] public int BytesPerRow { get; set; }

        /// <summary>Tensor name of the packed codes, U8 <c>[out, bytes_per_row]</c>.</summary>
        [JsonPropertyName("codes")] public string Codes { get; set; } = "";

        /// <summary>Tensor name of the scales, F32 <c>[out, scales_per_row]</c>.</summary>
        [JsonPropertyName("scales")] public string Scales { get; set; } = "";

        /// <summary>2:4: tensor name of the metadata, I16 <c>[out, ceil(in / 16)]</c> (as in <c>nm_layout</c>); else null.</summary>
        [JsonPropertyName("metadata")] public string? Metadata { get; set; }

        /// <summary>Other N:M: tensor name of the in-group positions, U8 <c>[out, values_per_row]</c>; else null.</summary>
        [JsonPropertyName("indices")] public string? Indices { get; set; }

        /// <summary>Bytes stored for the weight: codes + positions + scales (the bias is in model.safetensors, float32).</summary>
        [JsonPropertyName("storage_bytes")] public long StorageBytes { get; set; }
    }

    /// <summary>Writes and reads the quantized layers of an export (<see cref="SafetensorsExport"/>).</summary>
    public static class QuantizedExport
    {
        /// <summary>The quantized storage layout, as written into <see cref="ExportManifest.QuantizedLayout"/>.</summary>
        public static IReadOnlyDictionary<string, string> Layout { get; } = new Dictionary<string, string>
        {
            ["dequantize"] = "w = code * scale, computed in float32; every weight not stored is 0. model.safetensors holds exactly these dequantized weights.",
            ["codes"] = "U8 [out, bytes_per_row]: the stored values of a row in order (dense: columns 0..in-1; N:M: group g, slot k at g*N + k, slots in " +
                        "ascending column order), each row starting on a byte. bits 8: one two's-complement int8 per value. bits 4: two per byte, value 2i in " +
                        "bits 3:0 and value 2i+1 in bits 7:4, each a 4-bit two's-complement number ((nibble ^ 8) - 8), in [-7, 7].",
            ["scales"] = "F32 [out, scales_per_row]: the value at column j of row r uses scales[r, j // columns_per_scale].",
            ["metadata"] = "2:4 only: the positions of the stored values, exactly as nm_layout.metadata describes (one 4-bit nibble per group of 4 inputs).",
            ["indices"] = "N:M other than 2:4: U8 [out, values_per_row], the in-group position of each stored value (as nm_layout.indices).",
            ["storage_bytes"] = "codes + positions + scales bytes of the weight; the float32 bias is not included.",
        };

        /// <summary>
        /// Reads every quantized layer of an export folder back: the layer name to its <see cref="QuantizedWeight"/>
        /// (codes, scales and positions exactly as written).
        /// </summary>
        /// <param name="directory">A folder <see cref="SafetensorsExport.Export"/> wrote with quantized layers.</param>
        /// <exception cref="InvalidDataException">The manifest lists no quantized file, or a tensor is missing or malformed.</exception>
        public static IReadOnlyDictionary<string, QuantizedWeight> Read(string directory)
        {
            var manifest = SafetensorsExport.ReadManifest(directory);
            if (manifest.Files.Quantized is not { } file)
                throw new InvalidDataException($"The export in '{directory}' has no quantized layers (its manifest names no quantized file).");
            var path = Path.Combine(directory, file);
            var tensors = StateDictFile.Read(path, "the quantized export");
            try
            {
                var result = new Dictionary<string, QuantizedWeight>();
                foreach (var layer in manifest.Layers.Where(l => l.Quantized is not null))
                {
                    var q = layer.Quantized!;
                    var scheme = new QuantizationScheme(q.Bits, q.GroupSize);
                    SparsityPattern? pattern = q.Pattern is null ? null : SparsityPattern.Parse(q.Pattern);
                    byte[]? positions = null;
                    if (pattern is { } p)
                    {
                        if (q.Metadata is { } meta)
                        {
                            var words = MemoryMarshal.Cast<short, ushort>(Get(tensors, meta, path).data<short>().ToArray()).ToArray();
                            var values = new float[(long)layer.OutFeatures * q.ValuesPerRow];
                            positions = Sparsity.NmCompressed.From24Metadata((int)layer.OutFeatures, (int)layer.InFeatures, values, words).UnpackIndices();
                        }
                        else positions = Get(tensors, q.Indices ?? "", path).data<byte>().ToArray();
                    }
                    result[layer.Name] = QuantizedWeight.FromParts(scheme, (int)layer.OutFeatures, (int)layer.InFeatures, pattern,
                        Get(tensors, q.Codes, path).data<byte>().ToArray(), Get(tensors, q.Scales, path).data<float>().ToArray(), positions, layer.Name);
                }
                return result;
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }

        /// <summary>Adds one layer's quantized tensors and returns its manifest entry.</summary>
        internal static ExportQuantized Add(string name, QuantizedWeight q, List<KeyValuePair<string, Tensor>> tensors)
        {
            var entry = new ExportQuantized
            {
                Bits = q.Scheme.Bits,
                GroupSize = q.Scheme.GroupSize,
                ColumnsPerScale = q.ColumnsPerScale,
                ScalesPerRow = q.ScalesPerRow,
                Pattern = q.Pattern?.ToString(),
                ValuesPerRow = q.ValuesPerRow,
                BytesPerRow = q.BytesPerRow,
                Codes = name + ".q_codes",
                Scales = name + ".q_scales",
                StorageBytes = q.StorageBytes,
            };
            tensors.Add(new(entry.Codes, tensor(q.PackedCodes.ToArray(), new long[] { q.Rows, q.BytesPerRow }, dtype: ScalarType.Byte)));
            tensors.Add(new(entry.Scales, tensor(q.Scales.ToArray(), new long[] { q.Rows, q.ScalesPerRow }, dtype: ScalarType.Float32)));
            if (q.Metadata.Length > 0)
            {
                entry.Metadata = name + ".q_metadata";
                var words = MemoryMarshal.Cast<ushort, short>(q.Metadata).ToArray();
                tensors.Add(new(entry.Metadata, tensor(words, new long[] { q.Rows, q.Metadata.Length / q.Rows }, dtype: ScalarType.Int16)));
            }
            else if (q.Indices.Length > 0)
            {
                entry.Indices = name + ".q_indices";
                tensors.Add(new(entry.Indices, tensor(q.Indices.ToArray(), new long[] { q.Rows, q.ValuesPerRow }, dtype: ScalarType.Byte)));
            }
            return entry;
        }

        /// <summary>Throws unless the model's dense weight of the layer equals the dequantized weight exactly.</summary>
        internal static void CheckMatches(string name, Tensor weight, QuantizedWeight q)
        {
            if (weight.shape[0] != q.Rows || weight.shape[1] != q.Columns)
                throw new ArgumentException(
                    $"Layer '{name}': the quantized weight is [{q.Rows}, {q.Columns}] but the model's weight is [{string.Join(", ", weight.shape)}].");
            using var dequantized = q.ToTensor();
            using var dense = weight.detach().to(ScalarType.Float32, CPU);
            using var same = dense.eq(dequantized).all();
            if (!same.item<bool>())
                throw new ArgumentException(
                    $"Layer '{name}': the model's weight is not the dequantized weight of its quantized form. Copy it into the layer first " +
                    "(LayerReconstruction.ApplyTo) so that model.safetensors and the quantized file describe the same model.");
        }

        private static Tensor Get(Dictionary<string, Tensor> tensors, string name, string path) =>
            tensors.TryGetValue(name, out var t)
                ? t
                : throw new InvalidDataException($"'{path}' has no tensor '{name}' that the manifest names; export the model again.");
    }
}
