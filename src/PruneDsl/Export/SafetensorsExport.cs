using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using PruneDsl.Compaction;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>Options of <see cref="SafetensorsExport.Export"/>.</summary>
    public sealed class SafetensorsExportOptions
    {
        /// <summary>The report <c>Compact()</c> returned: kept widths and parameter counts go into the manifest.</summary>
        public CompactionReport? Compaction { get; init; }

        /// <summary>
        /// The activation the model's forward applies between its Linear layers (none after the last), written into the
        /// PyTorch recipe: one of <see cref="SafetensorsExport.Activations"/>. The exporter cannot read the forward, so
        /// this is the caller's statement; default <c>relu</c> (the paper's MLP).
        /// </summary>
        public string Activation { get; init; } = "relu";

        /// <summary>
        /// Linear layers of the model kept N:M sparse by training (e.g. a generated model's sparse layers): their masks and
        /// compressed weights are exported too. Their weights must already satisfy the mask. <see cref="NmLinear"/>
        /// submodules are found without being listed.
        /// </summary>
        public IReadOnlyList<NmMaskedLinear>? MaskedLayers { get; init; }

        /// <summary>
        /// Quantized layers by module name (e.g. from <c>LayerReconstruction.Quantized</c>): their codes, scales and
        /// positions go into <see cref="SafetensorsExport.QuantizedFile"/>. The model's weight of each must already be the
        /// dequantized weight (model.safetensors then holds it in float32 for any reader).
        /// </summary>
        public IReadOnlyDictionary<string, Quantization.QuantizedWeight>? QuantizedLayers { get; init; }
    }

    /// <summary>
    /// Exports a (compacted) model for PyTorch users: a folder with <c>model.safetensors</c> (the state dict under its
    /// TorchSharp names, which are PyTorch's), <c>nm_compressed.safetensors</c> (values plus in-group indices or 2:4
    /// metadata of every N:M layer), <c>masks.safetensors</c> (their keep-masks), <c>quantized.safetensors</c> (codes, scales
    /// and positions of quantized layers, <see cref="QuantizedExport"/>) and <c>manifest.json</c>
    /// (<see cref="ExportManifest"/>: layers, shapes, kept widths, N:M bit layout and a PyTorch recipe for an MLP).
    /// </summary>
    public static class SafetensorsExport
    {
        /// <summary>The manifest's <c>format</c> value.</summary>
        public const string FormatName = "prunedsl.export";

        /// <summary>The manifest's <c>version</c> value.</summary>
        public const int FormatVersion = 1;

        /// <summary>The state-dict file.</summary>
        public const string WeightsFile = "model.safetensors";

        /// <summary>The N:M compressed-weights file.</summary>
        public const string NmFile = "nm_compressed.safetensors";

        /// <summary>The N:M masks file.</summary>
        public const string MasksFile = "masks.safetensors";

        /// <summary>The quantized-weights file.</summary>
        public const string QuantizedFile = "quantized.safetensors";

        /// <summary>The manifest file.</summary>
        public const string ManifestFile = "manifest.json";

        /// <summary>Activations the PyTorch recipe can name, with their <c>torch.nn</c> module ("none" adds nothing).</summary>
        public static IReadOnlyDictionary<string, string> Activations { get; } = new Dictionary<string, string>
        {
            ["relu"] = "torch.nn.ReLU()",
            ["gelu"] = "torch.nn.GELU()",
            ["tanh"] = "torch.nn.Tanh()",
            ["sigmoid"] = "torch.nn.Sigmoid()",
            ["silu"] = "torch.nn.SiLU()",
            ["none"] = "",
        };

        /// <summary>The N:M storage layout, as written into <see cref="ExportManifest.NmLayout"/>.</summary>
        public static IReadOnlyDictionary<string, string> NmLayout { get; } = new Dictionary<string, string>
        {
            ["values"] = "F32 [out, values_per_row]. Inputs are split into groups of M consecutive columns (group g = columns g*M .. g*M+M-1); " +
                         "row r, group g, slot k (k = 0..N-1) is values[r, g*N + k]; the slots of a group are in ascending column order.",
            ["indices"] = "Patterns other than 2:4: U8 [out, values_per_row], laid out like values: the in-group position p (0..M-1) of each value, " +
                          "so dense[r, g*M + p] = values[r, g*N + k] with p = indices[r, g*N + k]; every other weight is 0.",
            ["metadata"] = "2:4 only: I16 [out, metadata_words_per_row] holding unsigned 16-bit words (read them as int32 & 0xFFFF). Group g of row r " +
                           "is the 4-bit nibble at bits 4*(g%4) .. 4*(g%4)+3 of word [r, g//4]; nibble bits [1:0] = position of slot 0, bits [3:2] = " +
                           "position of slot 1 (slot 0 < slot 1), e.g. positions {0,2} = 0x8. Each row starts a new word; unused high nibbles are 0. " +
                           "This is NVIDIA's sparse-tensor-core per-row metadata before the hardware-specific interleave.",
            ["mask"] = "BOOL [out, in], true where the weight is kept. The dense weight in model.safetensors equals the decompressed values and is 0 where the mask is false.",
        };

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        /// <summary>
        /// Writes the export folder (created if needed; the files it writes are replaced) and returns its manifest.
        /// </summary>
        /// <param name="model">The model, usually compacted (a generated model after <c>Compact()</c>, or its inference module).</param>
        /// <param name="directory">The folder to write.</param>
        /// <param name="options">Compaction report, activation and N:M layers; null for the defaults.</param>
        /// <exception cref="ArgumentException">The activation is unknown, a listed masked layer is not part of the model, or
        /// an N:M layer's weight does not satisfy its mask.</exception>
        public static ExportManifest Export(nn.Module model, string directory, SafetensorsExportOptions? options = null)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("The export folder is empty.", nameof(directory));
            options ??= new SafetensorsExportOptions();
            if (!Activations.TryGetValue(options.Activation ?? "", out var activationModule))
                throw new ArgumentException(
                    $"Unknown activation '{options.Activation}' for the PyTorch recipe; use one of {string.Join(", ", Activations.Keys)}.", nameof(options));

            using var scope = NewDisposeScope();
            var state = model.state_dict();
            var manifest = new ExportManifest
            {
                Format = FormatName,
                Version = FormatVersion,
                ModelType = model.GetType().FullName ?? model.GetType().Name,
                Files = new ExportFiles { Weights = WeightsFile },
            };

            var nmTensors = new List<KeyValuePair<string, Tensor>>();
            var quantizedTensors = new List<KeyValuePair<string, Tensor>>();
            var quantized = options.QuantizedLayers ?? new Dictionary<string, Quantization.QuantizedWeight>();
            var maskTensors = new List<KeyValuePair<string, Tensor>>();
            var masked = (options.MaskedLayers ?? Array.Empty<NmMaskedLinear>()).ToList();
            var usedMasked = new HashSet<NmMaskedLinear>();
            var kept = options.Compaction?.Layers.ToDictionary(l => l.Layer, l => l) ?? new Dictionary<string, CompactedLayer>();

            foreach (var (name, module) in model.named_modules())
            {
                if (string.IsNullOrEmpty(name)) continue;
                Tensor? mask = null;
                NmCompressed? compressed = null;
                if (module is NmLinear nm)
                {
                    compressed = nm.Compressed;
                    mask = nm.Mask;
                }
                else if (module is Linear linear)
                {
                    var sparse = masked.FirstOrDefault(m => ReferenceEquals(m.Layer, linear));
                    if (sparse is not null)
                    {
                        usedMasked.Add(sparse);
                        compressed = CompressMasked(name, linear, sparse);
                        mask = sparse.Mask;
                    }
                }
                else continue;

                var weightName = name + ".weight";
                var biasName = name + ".bias";
                if (!state.TryGetValue(weightName, out var weight))
                    throw new InvalidOperationException($"Layer '{name}' has no '{weightName}' in the model's state dict; cannot export it.");
                var layer = new ExportLayer
                {
                    Name = name,
                    Kind = compressed is null ? "linear" : "nm_linear",
                    Weight = weightName,
                    Bias = state.ContainsKey(biasName) ? biasName : null,
                    InFeatures = weight.shape[1],
                    OutFeatures = weight.shape[0],
                    Kept = kept.TryGetValue(name, out var k) ? new ExportKept { Before = k.Before, After = k.After, Next = k.Next } : null,
                };
                if (compressed is not null)
                {
                    layer.Nm = AddNm(name, compressed, mask, nmTensors, maskTensors);
                    manifest.NmLayout = new Dictionary<string, string>(NmLayout);
                }
                if (quantized.TryGetValue(name, out var q))
                {
                    QuantizedExport.CheckMatches(name, weight, q);
                    layer.Quantized = QuantizedExport.Add(name, q, quantizedTensors);
                    manifest.QuantizedLayout = new Dictionary<string, string>(QuantizedExport.Layout);
                }
                manifest.Layers.Add(layer);
            }

            var unknown = quantized.Keys.Where(k => manifest.Layers.All(l => l.Name != k)).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException(
                    $"The quantized layers {string.Join(", ", unknown)} are not Linear submodules of '{manifest.ModelType}'; key them by module name (e.g. fc1).",
                    nameof(options));

            var missing = masked.Where(m => !usedMasked.Contains(m)).Select(m => m.LayerName).ToList();
            if (missing.Count > 0)
                throw new ArgumentException(
                    $"The masked layers {string.Join(", ", missing)} are not Linear submodules of '{manifest.ModelType}'. Pass the sparse layers of the model being exported.",
                    nameof(options));

            var layerTensors = new HashSet<string>(manifest.Layers.SelectMany(l => new[] { l.Weight, l.Bias }).OfType<string>());
            manifest.OtherTensors = state.Keys.Where(n => !layerTensors.Contains(n)).ToList();
            if (options.Compaction is { } report)
                manifest.Compaction = new ExportCompaction
                {
                    ParametersBefore = report.ParametersBefore,
                    ParametersAfter = report.ParametersAfter,
                    Widths = report.Layers.ToDictionary(l => l.Layer, l => l.After),
                };
            manifest.PyTorch = Recipe(manifest.Layers, options.Activation!, activationModule);

            Directory.CreateDirectory(directory);
            AddTensors(manifest, WeightsFile, state);
            StateDictFile.Write(Path.Combine(directory, WeightsFile), state);
            WriteOptional(directory, NmFile, nmTensors, manifest, f => manifest.Files.Nm = f);
            WriteOptional(directory, MasksFile, maskTensors, manifest, f => manifest.Files.Masks = f);
            WriteOptional(directory, QuantizedFile, quantizedTensors, manifest, f => manifest.Files.Quantized = f);
            File.WriteAllText(Path.Combine(directory, ManifestFile), JsonSerializer.Serialize(manifest, Json));
            return manifest;
        }

        /// <summary>Reads the manifest of an export folder.</summary>
        /// <param name="directory">The folder <see cref="Export"/> wrote.</param>
        /// <exception cref="FileNotFoundException">There is no manifest.json.</exception>
        /// <exception cref="InvalidDataException">It is not an export manifest of this version.</exception>
        public static ExportManifest ReadManifest(string directory)
        {
            var path = Path.Combine(directory, ManifestFile);
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{directory}' has no {ManifestFile}; pass a folder written by SafetensorsExport.Export.", path);
            ExportManifest? manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<ExportManifest>(File.ReadAllText(path), Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{path}' is not valid JSON ({e.Message}); export the model again.", e);
            }
            if (manifest is null || manifest.Format != FormatName || manifest.Version != FormatVersion)
                throw new InvalidDataException(
                    $"'{path}' is not a version-{FormatVersion} '{FormatName}' manifest (format '{manifest?.Format}', version {manifest?.Version}); export the model again.");
            return manifest;
        }

        private static NmCompressed CompressMasked(string name, Linear linear, NmMaskedLinear sparse)
        {
            var weight = linear.weight!;
            using var outside = weight.detach().masked_select(sparse.Mask.logical_not().to(weight.device));
            using var nonzero = outside.ne(0).sum();
            var count = nonzero.item<long>();
            if (count > 0)
                throw new ArgumentException(
                    $"Layer '{name}' is exported as {sparse.Pattern} sparse but {count} of its weights outside the mask are nonzero (the weights changed " +
                    "after the last mask update, e.g. by compaction removing input columns). Call Refresh() on its NmMaskedLinear (and fine-tune), " +
                    "or export an inference module with an NmLinear in its place.", nameof(linear));
            return NmCompressed.FromTensor(weight, sparse.Pattern, name);
        }

        private static ExportNm AddNm(string name, NmCompressed c, Tensor? mask,
            List<KeyValuePair<string, Tensor>> nmTensors, List<KeyValuePair<string, Tensor>> maskTensors)
        {
            var nm = new ExportNm
            {
                Pattern = c.Pattern.ToString(),
                N = c.Pattern.N,
                M = c.Pattern.M,
                GroupsPerRow = c.GroupsPerRow,
                ValuesPerRow = c.ValuesPerRow,
                Values = name + ".nm_values",
                MetadataWordsPerRow = c.MetadataWordsPerRow,
            };
            nmTensors.Add(new(nm.Values, tensor(c.Values.ToArray(), new long[] { c.Rows, c.ValuesPerRow }, dtype: ScalarType.Float32)));
            if (c.IsPacked24)
            {
                nm.Metadata = name + ".nm_metadata";
                var words = MemoryMarshal.Cast<ushort, short>(c.Metadata).ToArray();
                nmTensors.Add(new(nm.Metadata, tensor(words, new long[] { c.Rows, c.MetadataWordsPerRow }, dtype: ScalarType.Int16)));
            }
            else
            {
                nm.Indices = name + ".nm_indices";
                nmTensors.Add(new(nm.Indices, tensor(c.Indices.ToArray(), new long[] { c.Rows, c.ValuesPerRow }, dtype: ScalarType.Byte)));
            }
            if (mask is not null)
            {
                nm.Mask = name + ".mask";
                maskTensors.Add(new(nm.Mask, mask.to(ScalarType.Bool).cpu()));
            }
            return nm;
        }

        private static ExportPyTorch? Recipe(List<ExportLayer> layers, string activation, string activationModule)
        {
            if (layers.Count == 0) return null;
            for (var i = 1; i < layers.Count; i++)
                if (layers[i].InFeatures != layers[i - 1].OutFeatures) return null;
            var names = layers.Select(l => l.Name).ToList();
            var between = activationModule.Length == 0 ? "" : $"    if i + 1 < len(names): mods.append({activationModule})";
            var recipe = new List<string>
            {
                "import json, torch",
                "from safetensors.torch import load_file  # pip install safetensors; or any safetensors reader",
                "m = json.load(open('manifest.json'))",
                "sd = load_file(m['files']['weights'])",
                "layers = {l['name']: l for l in m['layers']}",
                "names = m['pytorch']['layers']",
                "mods = []",
                "for i, name in enumerate(names):",
                "    l = layers[name]",
                "    lin = torch.nn.Linear(l['in_features'], l['out_features'], bias=l['bias'] is not None)",
                "    with torch.no_grad():",
                "        lin.weight.copy_(sd[l['weight']])",
                "        if l['bias'] is not None: lin.bias.copy_(sd[l['bias']])",
                "    mods.append(lin)",
            };
            if (between.Length > 0) recipe.Add(between);
            recipe.Add("model = torch.nn.Sequential(*mods).eval()");
            recipe.Add($"y = model(x)  # x: float32 [batch, {layers[0].InFeatures}] -> y: [batch, {layers[^1].OutFeatures}]");
            return new ExportPyTorch
            {
                Layers = names,
                Activation = activation,
                InputFeatures = layers[0].InFeatures,
                OutputFeatures = layers[^1].OutFeatures,
                Recipe = recipe,
            };
        }

        private static void AddTensors(ExportManifest manifest, string file, IEnumerable<KeyValuePair<string, Tensor>> tensors)
        {
            foreach (var (name, t) in tensors)
            {
                if (manifest.Tensors.ContainsKey(name))
                    throw new InvalidOperationException($"The tensor name '{name}' occurs twice in the export; rename the module that produces it.");
                manifest.Tensors[name] = new ExportTensor { File = file, DType = StateDictFile.DTypeName(t.dtype), Shape = t.shape };
            }
        }

        private static void WriteOptional(string directory, string file, List<KeyValuePair<string, Tensor>> tensors, ExportManifest manifest, Action<string> record)
        {
            var path = Path.Combine(directory, file);
            if (tensors.Count == 0)
            {
                if (File.Exists(path)) File.Delete(path);
                return;
            }
            AddTensors(manifest, file, tensors);
            StateDictFile.Write(path, tensors);
            record(file);
        }
    }
}
