using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PruneDsl.Compaction;
using PruneDsl.Game;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>
    /// Saves a compacted model so that it loads on its own: the state dict as safetensors at the given path, and beside it
    /// a manifest (<c>path + ".json"</c>, see <see cref="CompactedModelManifest"/>) with the model class, the kept widths
    /// and the tensor shapes. <see cref="Load{TModel}"/> constructs a fresh model, shrinks it to the recorded widths
    /// (<see cref="ICompactableModel.ReshapeToCompacted"/>) and loads the weights.
    /// </summary>
    /// <example>
    /// <code>
    /// var report = model.Compact();
    /// CompactedModelFile.Save(model, model, report, "mlp.safetensors");      // writes mlp.safetensors + mlp.safetensors.json
    /// var again = CompactedModelFile.Load&lt;MnistMlp&gt;("mlp.safetensors");
    /// </code>
    /// </example>
    public static class CompactedModelFile
    {
        /// <summary>The manifest's <c>format</c> value.</summary>
        public const string FormatName = "prunedsl.compacted-model";

        /// <summary>The manifest's <c>version</c> value this library writes and reads.</summary>
        public const int FormatVersion = 1;

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        /// <summary>The manifest written beside the weights at <paramref name="path"/>: <c>path + ".json"</c>.</summary>
        /// <param name="path">The weights file.</param>
        public static string ManifestPath(string path) => path + ".json";

        /// <summary>
        /// Writes the compacted model's state dict to <paramref name="path"/> (safetensors, tensors copied to the CPU) and
        /// its manifest to <see cref="ManifestPath"/>. Existing files are replaced.
        /// </summary>
        /// <param name="model">The compacted model.</param>
        /// <param name="compactable">The same model as <see cref="ICompactableModel"/> (generated models implement it).</param>
        /// <param name="report">What <see cref="ICompactableModel.Compact"/> returned for it.</param>
        /// <param name="path">The weights file, e.g. <c>mlp.safetensors</c>.</param>
        /// <exception cref="ArgumentException">The report does not describe the model's current widths.</exception>
        public static void Save(nn.Module model, ICompactableModel compactable, CompactionReport report, string path)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (compactable is null) throw new ArgumentNullException(nameof(compactable));
            if (report is null) throw new ArgumentNullException(nameof(report));
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The path of the weights file is empty.", nameof(path));
            CheckReportMatches(model, compactable, report);

            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);

            var state = model.state_dict();
            var manifest = new CompactedModelManifest
            {
                Format = FormatName,
                Version = FormatVersion,
                ModelType = model.GetType().FullName ?? model.GetType().Name,
                Weights = Path.GetFileName(full),
                Widths = report.Layers.ToDictionary(l => l.Layer, l => l.After),
                Layers = report.Layers.Select(l => new CompactedLayerEntry { Name = l.Layer, Before = l.Before, After = l.After, Next = l.Next }).ToList(),
                ParametersBefore = report.ParametersBefore,
                ParametersAfter = report.ParametersAfter,
                Tensors = state.ToDictionary(kv => kv.Key, kv => kv.Value.shape),
            };
            StateDictFile.Write(full, state);
            File.WriteAllText(ManifestPath(full), JsonSerializer.Serialize(manifest, Json));
        }

        /// <summary>Reads and checks the manifest of the compacted model saved at <paramref name="path"/>.</summary>
        /// <param name="path">The weights file (the manifest is <see cref="ManifestPath"/>).</param>
        /// <exception cref="FileNotFoundException">The manifest is missing.</exception>
        /// <exception cref="InvalidDataException">The manifest is not a compacted-model manifest of this version.</exception>
        public static CompactedModelManifest ReadManifest(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The path of the weights file is empty.", nameof(path));
            var manifestPath = ManifestPath(Path.GetFullPath(path));
            if (!File.Exists(manifestPath))
                throw new FileNotFoundException(
                    $"The manifest '{manifestPath}' of the compacted model '{path}' is missing. CompactedModelFile.Save writes it beside the weights " +
                    "and Load needs it to rebuild the layer widths: copy both files together, or save the model again.", manifestPath);
            CompactedModelManifest? manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<CompactedModelManifest>(File.ReadAllText(manifestPath), Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException(
                    $"The manifest '{manifestPath}' is not valid JSON ({e.Message}). It was damaged or written by something else; save the model again.", e);
            }
            if (manifest is null || manifest.Format != FormatName)
                throw new InvalidDataException(
                    $"'{manifestPath}' is not a compacted-model manifest (its \"format\" is '{manifest?.Format}', expected '{FormatName}'). " +
                    "Pass the path of a weights file written by CompactedModelFile.Save.");
            if (manifest.Version != FormatVersion)
                throw new InvalidDataException(
                    $"'{manifestPath}' has format version {manifest.Version}; this PruneDsl reads version {FormatVersion}. Save the model again with this version.");
            if (manifest.Widths is null || manifest.Tensors is null)
                throw new InvalidDataException($"'{manifestPath}' lacks its \"widths\" or \"tensors\" entry; save the model again.");
            return manifest;
        }

        /// <summary>
        /// Loads a compacted model saved by <see cref="Save"/>: constructs <typeparamref name="TModel"/>, shrinks it to the
        /// recorded widths and loads every tensor (on the CPU; move it with <c>.to(device)</c> afterwards).
        /// </summary>
        /// <typeparam name="TModel">The model class that was saved.</typeparam>
        /// <param name="path">The weights file given to <see cref="Save"/>.</param>
        /// <exception cref="FileNotFoundException">The weights or the manifest are missing.</exception>
        /// <exception cref="InvalidDataException">The files are damaged, belong to another model class, or their tensors
        /// do not match the model's names and shapes.</exception>
        public static TModel Load<TModel>(string path) where TModel : nn.Module, ICompactableModel, new()
        {
            var manifest = ReadManifest(path);
            var full = Path.GetFullPath(path);
            var expectedType = typeof(TModel).FullName ?? typeof(TModel).Name;
            if (manifest.ModelType != expectedType)
                throw new InvalidDataException(
                    $"'{path}' holds a compacted '{manifest.ModelType}', not a '{expectedType}'. Load it with CompactedModelFile.Load<{manifest.ModelType}>, " +
                    "or pass the file saved from this model class.");

            var loaded = StateDictFile.Read(full, $"the compacted {manifest.ModelType}");
            try
            {
                foreach (var (name, shape) in manifest.Tensors)
                    if (loaded.TryGetValue(name, out var t) && !t.shape.SequenceEqual(shape))
                        throw new InvalidDataException(
                            $"'{path}': tensor '{name}' has shape {StateDictFile.Shape(t.shape)} but its manifest '{ManifestPath(full)}' records " +
                            $"{StateDictFile.Shape(shape)}; the two files do not belong together. Copy them from the same Save.");

                var model = new TModel();
                try
                {
                    model.ReshapeToCompacted(manifest.Widths);
                }
                catch (ArgumentException e)
                {
                    model.Dispose();
                    throw new InvalidDataException(
                        $"The widths in '{ManifestPath(full)}' do not fit a fresh '{expectedType}': {e.Message} Was the model class changed since the file was saved?", e);
                }

                try
                {
                    CopyInto(model, loaded, path);
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
                return model;
            }
            finally
            {
                foreach (var t in loaded.Values) t.Dispose();
            }
        }

        /// <summary>Copies every loaded tensor into the model's state after checking names and shapes.</summary>
        private static void CopyInto(nn.Module model, Dictionary<string, Tensor> loaded, string path)
        {
            var state = model.state_dict();
            var missing = state.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            var unexpected = loaded.Keys.Where(k => !state.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new InvalidDataException(
                    $"'{path}' does not match '{model.GetType().FullName}': missing tensors {StateDictFile.Names(missing)}; unexpected tensors " +
                    $"{StateDictFile.Names(unexpected)}. Was the model class changed since the file was saved? Save it again from the current class.");
            var wrong = state
                .Where(kv => !kv.Value.shape.SequenceEqual(loaded[kv.Key].shape))
                .Select(kv => $"'{kv.Key}' is {StateDictFile.Shape(loaded[kv.Key].shape)} in the file but {StateDictFile.Shape(kv.Value.shape)} in the model")
                .ToList();
            if (wrong.Count > 0)
                throw new InvalidDataException(
                    $"'{path}' does not fit '{model.GetType().FullName}' after reshaping to the recorded widths: {string.Join("; ", wrong)}. " +
                    "Was the model class changed since the file was saved? Save it again from the current class.");
            using var _ = no_grad();
            foreach (var (name, target) in state)
                target.copy_(loaded[name]);
        }

        /// <summary>The report must describe the model as it is now (compacted, same layer names and widths).</summary>
        private static void CheckReportMatches(nn.Module model, ICompactableModel compactable, CompactionReport report)
        {
            if (compactable is not IParticipationModel players) return;
            var names = players.ParticipationLayers.Select(l => l.Name).ToList();
            var reported = report.Layers.Select(l => l.Layer).ToList();
            if (!names.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(reported.OrderBy(n => n, StringComparer.Ordinal)))
                throw new ArgumentException(
                    $"The compaction report names the layers {StateDictFile.Names(reported)}, but '{model.GetType().FullName}' gates " +
                    $"{StateDictFile.Names(names)}. Pass the report that this model's Compact() returned.", nameof(report));
            foreach (var layer in players.ParticipationLayers)
            {
                var width = report.Widths[layer.Name];
                if (layer.Count != width || layer.Groups.Count != width)
                    throw new ArgumentException(
                        $"Layer '{layer.Name}' of '{model.GetType().FullName}' has {layer.Groups.Count} neurons (or channels) but the compaction report says {width}. " +
                        "Call Compact() before saving and pass the report it returned.", nameof(report));
            }
        }
    }
}
