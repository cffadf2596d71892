using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace PruneDsl.Export
{
    /// <summary>
    /// The JSON file that travels with a compacted model's weights (<see cref="CompactedModelFile"/>): which model class,
    /// the kept width of every gated layer (what <c>ReshapeToCompacted</c> needs), and the shape of every tensor.
    /// </summary>
    public sealed class CompactedModelManifest
    {
        /// <summary>Always <see cref="CompactedModelFile.FormatName"/>.</summary>
        [JsonPropertyName("format")] public string Format { get; set; } = "";

        /// <summary>The format version, <see cref="CompactedModelFile.FormatVersion"/>.</summary>
        [JsonPropertyName("version")] public int Version { get; set; }

        /// <summary>The model class's full name, e.g. <c>MnistGame.DefaultMlp</c>.</summary>
        [JsonPropertyName("model_type")] public string ModelType { get; set; } = "";

        /// <summary>The weights file's name, relative to the manifest's folder.</summary>
        [JsonPropertyName("weights")] public string Weights { get; set; } = "";

        /// <summary>Kept output neurons per gated layer, by field name.</summary>
        [JsonPropertyName("widths")] public Dictionary<string, int> Widths { get; set; } = new();

        /// <summary>What compaction did to each gated layer.</summary>
        [JsonPropertyName("layers")] public List<CompactedLayerEntry> Layers { get; set; } = new();

        /// <summary>Parameter count before compaction.</summary>
        [JsonPropertyName("parameters_before")] public long ParametersBefore { get; set; }

        /// <summary>Parameter count after compaction.</summary>
        [JsonPropertyName("parameters_after")] public long ParametersAfter { get; set; }

        /// <summary>Every tensor of the weights file with its shape, by state-dict name.</summary>
        [JsonPropertyName("tensors")] public Dictionary<string, long[]> Tensors { get; set; } = new();
    }

    /// <summary>One gated layer of a <see cref="CompactedModelManifest"/>.</summary>
    public sealed class CompactedLayerEntry
    {
        /// <summary>The layer's field name.</summary>
        [JsonPropertyName("name")] public string Name { get; set; } = "";

        /// <summary>Output neurons before compaction.</summary>
        [JsonPropertyName("before")] public int Before { get; set; }

        /// <summary>Output neurons after compaction.</summary>
        [JsonPropertyName("after")] public int After { get; set; }

        /// <summary>The layer whose input columns were removed, if any.</summary>
        [JsonPropertyName("next")] public string? Next { get; set; }
    }
}
