using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace PruneDsl.Export
{
    /// <summary>
    /// <c>manifest.json</c> of a <see cref="SafetensorsExport"/> folder: the files, every tensor, the Linear layers in
    /// order with their shapes, kept widths and N:M storage, and a PyTorch recipe for the MLP. Names are snake_case.
    /// </summary>
    public sealed class ExportManifest
    {
        /// <summary>Always <see cref="SafetensorsExport.FormatName"/>.</summary>
        [JsonPropertyName("format")] public string Format { get; set; } = "";

        /// <summary>The format version, <see cref="SafetensorsExport.FormatVersion"/>.</summary>
        [JsonPropertyName("version")] public int Version { get; set; }

        /// <summary>The exported module's class.</summary>
        [JsonPropertyName("model_type")] public string ModelType { get; set; } = "";

        /// <summary>The files, relative to the folder.</summary>
        [JsonPropertyName("files")] public ExportFiles Files { get; set; } = new();

        /// <summary>Every tensor of every file, by name.</summary>
        [JsonPropertyName("tensors")] public Dictionary<string, ExportTensor> Tensors { get; set; } = new();

        /// <summary>The Linear layers (and N:M layers) in module order.</summary>
        [JsonPropertyName("layers")] public List<ExportLayer> Layers { get; set; } = new();

        /// <summary>State-dict entries of model.safetensors that belong to no layer (e.g. participation buffers, all 1 after compaction).</summary>
        [JsonPropertyName("other_tensors")] public List<string> OtherTensors { get; set; } = new();

        /// <summary>Totals of the compaction, when a report was given.</summary>
        [JsonPropertyName("compaction")] public ExportCompaction? Compaction { get; set; }

        /// <summary>How the N:M compressed tensors are laid out (present when some layer is N:M).</summary>
        [JsonPropertyName("nm_layout")] public Dictionary<string, string>? NmLayout { get; set; }

        /// <summary>How the quantized layers are stored (present when some layer is quantized).</summary>
        [JsonPropertyName("quantized_layout")] public Dictionary<string, string>? QuantizedLayout { get; set; }

        /// <summary>How to rebuild the model in PyTorch when its layers form an MLP chain; null otherwise.</summary>
        [JsonPropertyName("pytorch")] public ExportPyTorch? PyTorch { get; set; }
    }

    /// <summary>The files of an export, relative to its folder; null when not written.</summary>
    public sealed class ExportFiles
    {
        /// <summary>The state dict: every parameter and buffer under its TorchSharp state-dict name.</summary>
        [JsonPropertyName("weights")] public string Weights { get; set; } = "";

        /// <summary>The N:M compressed weights (values, indices or 2:4 metadata), or null.</summary>
        [JsonPropertyName("nm")] public string? Nm { get; set; }

        /// <summary>The N:M keep-masks, or null.</summary>
        [JsonPropertyName("masks")] public string? Masks { get; set; }

        /// <summary>The quantized weights (codes, scales, positions), or null.</summary>
        [JsonPropertyName("quantized")] public string? Quantized { get; set; }
    }

    /// <summary>One tensor of an export.</summary>
    public sealed class ExportTensor
    {
        /// <summary>The file it is in.</summary>
        [JsonPropertyName("file")] public string File { get; set; } = "";

        /// <summary>The safetensors dtype (F32, U8, I16, BOOL, ...).</summary>
        [JsonPropertyName("dtype")] public string DType { get; set; } = "";

        /// <summary>The shape.</summary>
        [JsonPropertyName("shape")] public long[] Shape { get; set; } = System.Array.Empty<long>();
    }

    /// <summary>One Linear layer of an export.</summary>
    public sealed class ExportLayer
    {
        /// <summary>The module name (state-dict prefix), e.g. <c>fc1</c>.</summary>
        [JsonPropertyName("name")] public string Name { get; set; } = "";

        /// <summary>"linear" or "nm_linear" (an NmLinear, or a Linear exported with an N:M mask).</summary>
        [JsonPropertyName("kind")] public string Kind { get; set; } = "";

        /// <summary>The dense weight's tensor name in model.safetensors (<c>[out_features, in_features]</c>).</summary>
        [JsonPropertyName("weight")] public string Weight { get; set; } = "";

        /// <summary>The bias's tensor name, or null.</summary>
        [JsonPropertyName("bias")] public string? Bias { get; set; }

        /// <summary>Input features.</summary>
        [JsonPropertyName("in_features")] public long InFeatures { get; set; }

        /// <summary>Output features.</summary>
        [JsonPropertyName("out_features")] public long OutFeatures { get; set; }

        /// <summary>What compaction did to this layer's outputs, when it was a gated layer.</summary>
        [JsonPropertyName("kept")] public ExportKept? Kept { get; set; }

        /// <summary>The N:M storage, for N:M layers.</summary>
        [JsonPropertyName("nm")] public ExportNm? Nm { get; set; }

        /// <summary>The quantized storage, for quantized layers.</summary>
        [JsonPropertyName("quantized")] public ExportQuantized? Quantized { get; set; }
    }

    /// <summary>Kept output neurons of a compacted layer.</summary>
    public sealed class ExportKept
    {
        /// <summary>Neurons before compaction.</summary>
        [JsonPropertyName("before")] public int Before { get; set; }

        /// <summary>Neurons kept.</summary>
        [JsonPropertyName("after")] public int After { get; set; }

        /// <summary>The layer whose input columns were removed with them.</summary>
        [JsonPropertyName("next")] public string? Next { get; set; }
    }

    /// <summary>The N:M storage of one layer (layout in <see cref="ExportManifest.NmLayout"/>).</summary>
    public sealed class ExportNm
    {
        /// <summary>The pattern, e.g. "2:4".</summary>
        [JsonPropertyName("pattern")] public string Pattern { get; set; } = "";

        /// <summary>Weights kept per group.</summary>
        [JsonPropertyName("n")] public int N { get; set; }

        /// <summary>Group size along the inputs.</summary>
        [JsonPropertyName("m")] public int M { get; set; }

        /// <summary>Groups per row, in_features / M.</summary>
        [JsonPropertyName("groups_per_row")] public int GroupsPerRow { get; set; }

        /// <summary>Stored values per row, groups_per_row * N.</summary>
        [JsonPropertyName("values_per_row")] public int ValuesPerRow { get; set; }

        /// <summary>Tensor name of the values, F32 <c>[out, values_per_row]</c>.</summary>
        [JsonPropertyName("values")] public string Values { get; set; } = "";

        /// <summary>Tensor name of the in-group positions, U8 <c>[out, values_per_row]</c> (patterns other than 2:4), or null.</summary>
        [JsonPropertyName("indices")] public string? Indices { get; set; }

        /// <summary>Tensor name of the packed 2:4 metadata, I16 <c>[out, metadata_words_per_row]</c> (2:4 only), or null.</summary>
        [JsonPropertyName("metadata")] public string? Metadata { get; set; }

        /// <summary>16-bit metadata words per row (2:4), else 0.</summary>
        [JsonPropertyName("metadata_words_per_row")] public int MetadataWordsPerRow { get; set; }

        /// <summary>Tensor name of the keep-mask, BOOL <c>[out, in]</c>, or null.</summary>
        [JsonPropertyName("mask")] public string? Mask { get; set; }
    }

    /// <summary>Compaction totals.</summary>
    public sealed class ExportCompaction
    {
        /// <summary>Parameters before compaction.</summary>
        [JsonPropertyName("parameters_before")] public long ParametersBefore { get; set; }

        /// <summary>Parameters after compaction.</summary>
        [JsonPropertyName("parameters_after")] public long ParametersAfter { get; set; }

        /// <summary>Kept neurons per gated layer.</summary>
        [JsonPropertyName("widths")] public Dictionary<string, int> Widths { get; set; } = new();
    }

    /// <summary>How to rebuild the exported MLP in PyTorch.</summary>
    public sealed class ExportPyTorch
    {
        /// <summary>Always "mlp": Linear layers applied in <see cref="Layers"/> order with <see cref="Activation"/> between them.</summary>
        [JsonPropertyName("architecture")] public string Architecture { get; set; } = "mlp";

        /// <summary>The layer names in the order the forward applies them.</summary>
        [JsonPropertyName("layers")] public List<string> Layers { get; set; } = new();

        /// <summary>The activation between layers (none after the last), a <c>torch.nn.functional</c> name, as declared by the exporter's caller.</summary>
        [JsonPropertyName("activation")] public string Activation { get; set; } = "";

        /// <summary>Input features of the first layer.</summary>
        [JsonPropertyName("input_features")] public long InputFeatures { get; set; }

        /// <summary>Output features of the last layer.</summary>
        [JsonPropertyName("output_features")] public long OutputFeatures { get; set; }

        /// <summary>Python lines that rebuild and run the model (needs only torch and a safetensors reader).</summary>
        [JsonPropertyName("recipe")] public List<string> Recipe { get; set; } = new();
    }
}
