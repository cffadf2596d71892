using System.Collections.Generic;

namespace PruneDsl
{
    /// <summary>
    /// How a layer is pruned in one shot and repaired from a layer-wise Hessian of calibration inputs, without a
    /// fine-tune (docs/references/model-pruning-deep-dive.md, "Optimal Brain Surgeon: Second-Order Pruning").
    /// </summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum ReconstructionMethod
    {
        /// <summary>No pruning by reconstruction (with <c>Bits</c> &gt; 0: GPTQ quantization only).</summary>
        None = 0,

        /// <summary>
        /// SparseGPT (Frantar and Alistarh 2023): per-weight masks (unstructured or N:M) chosen block by block, with the
        /// OBS update of the columns not yet processed.
        /// </summary>
        SparseGpt = 1,

        /// <summary>
        /// Optimal Brain Surgeon for neurons: removing output neurons of this layer removes input columns of the next
        /// layer, whose remaining columns (and bias) get the closed-form OBS update.
        /// </summary>
        Obs = 2,
    }
}

namespace PruneDsl.Spec
{
    /// <summary>Defaults of the <see cref="ReconstructionSpec"/> settings; one home for attribute, generator, analyzers and runtime.</summary>
#if PRUNEDSL_RUNTIME
    public
#endif
    static class ReconstructionDefaults
    {
        /// <summary>The method.</summary>
        public const ReconstructionMethod Method = ReconstructionMethod.SparseGpt;

        /// <summary>SparseGPT unstructured: the fraction of weights removed; OBS: the fraction of neurons removed.</summary>
        public const double Sparsity = 0.5;

        /// <summary>Columns per SparseGPT/GPTQ block (the paper's B = 128).</summary>
        public const int BlockSize = 128;

        /// <summary>Dampening: <c>lambda = d * mean(diag H)</c> is added to the diagonal of H (SparseGPT/GPTQ use 0.01).</summary>
        public const double Dampening = 0.01;

        /// <summary>Calibration batches run through the model for each layer's Hessian.</summary>
        public const int CalibrationBatches = 8;

        /// <summary>Bits of the quantized weights: 0 (not quantized), 4 or 8.</summary>
        public const int Bits = 0;

        /// <summary>Columns per quantization scale: 0 for one scale per output channel (row).</summary>
        public const int GroupSize = 0;
    }

    /// <summary>
    /// The one-shot reconstruction settings of one layer (the <c>[Reconstruct]</c> attribute, merged class then field):
    /// which method prunes it, the calibration and Hessian settings, and the optional quantization of the kept weights.
    /// The generator bakes one into the generated code per layer; the analyzers report <see cref="Validate()"/>'s problems;
    /// the runtime (<c>PruneDsl.Reconstruction.OneShot</c>) calls <see cref="EnsureValid"/> before it runs.
    /// </summary>
    /// <param name="Method">The method.</param>
    /// <param name="Sparsity">SparseGPT without <paramref name="Pattern"/>: fraction of weights removed; OBS: fraction of neurons removed. In [0, 1).</param>
    /// <param name="Pattern">SparseGPT N:M pattern (e.g. "2:4"; the generator takes it from the field's <c>[Sparsity]</c>), or null for unstructured.</param>
    /// <param name="BlockSize">Columns per block, at least 1 and a multiple of M under an N:M pattern.</param>
    /// <param name="Dampening">d in <c>lambda = d * mean(diag H)</c>; finite and greater than 0.</param>
    /// <param name="CalibrationBatches">Calibration batches per layer, at least 1.</param>
    /// <param name="Bits">0 (no quantization), 4 or 8 (symmetric integers, GPTQ with the same Hessian).</param>
    /// <param name="GroupSize">0 (one scale per output channel) or the columns per scale; divides BlockSize or is a multiple of it.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    sealed record ReconstructionSpec(
        ReconstructionMethod Method = ReconstructionDefaults.Method,
        double Sparsity = ReconstructionDefaults.Sparsity,
        string? Pattern = null,
        int BlockSize = ReconstructionDefaults.BlockSize,
        double Dampening = ReconstructionDefaults.Dampening,
        int CalibrationBatches = ReconstructionDefaults.CalibrationBatches,
        int Bits = ReconstructionDefaults.Bits,
        int GroupSize = ReconstructionDefaults.GroupSize)
    {
        /// <summary>The settings with every value at its default (SparseGPT, 50% unstructured, not quantized).</summary>
        public static ReconstructionSpec Default { get; } = new ReconstructionSpec();

        /// <summary>Whether the kept weights are quantized (<see cref="Bits"/> is 4 or 8).</summary>
        public bool Quantizes => Bits != 0;

        /// <summary>
        /// One <see cref="SpecProblem"/> per invalid value (empty when valid), without knowing the layer. A
        /// <see cref="Pattern"/> that does not parse is reported with the value NaN (the <c>[Sparsity]</c> diagnostics say
        /// more).
        /// </summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            if (Method < ReconstructionMethod.None || Method > ReconstructionMethod.Obs)
                problems.Add(new SpecProblem(nameof(Method), (double)Method, "is not a defined ReconstructionMethod"));
            if (double.IsNaN(Sparsity) || Sparsity < 0 || Sparsity >= 1)
                problems.Add(new SpecProblem(nameof(Sparsity), Sparsity, "must lie in [0, 1)"));
            if (BlockSize < 1)
                problems.Add(new SpecProblem(nameof(BlockSize), BlockSize, "must be at least 1"));
            if (Pattern is not null)
            {
                if (!SparsityPattern.TryParse(Pattern, out var pattern, out var error))
                    problems.Add(new SpecProblem(nameof(Pattern), double.NaN, "must be an N:M pattern: " + error));
                else if (BlockSize >= 1 && BlockSize % pattern.M != 0)
                    problems.Add(new SpecProblem(nameof(BlockSize), BlockSize,
                        $"must be a multiple of M = {pattern.M} under the {pattern} pattern, so that no group of M columns straddles two blocks"));
            }
            if (double.IsNaN(Dampening) || double.IsInfinity(Dampening) || Dampening <= 0)
                problems.Add(new SpecProblem(nameof(Dampening), Dampening, "must be a finite number greater than 0 (0.01 is the usual value)"));
            if (CalibrationBatches < 1)
                problems.Add(new SpecProblem(nameof(CalibrationBatches), CalibrationBatches, "must be at least 1"));
            if (Bits != 0 && Bits != 4 && Bits != 8)
                problems.Add(new SpecProblem(nameof(Bits), Bits, "must be 0 (not quantized), 4 or 8"));
            if (GroupSize < 0)
                problems.Add(new SpecProblem(nameof(GroupSize), GroupSize, "must be 0 (one scale per output channel) or a positive number of columns"));
            else if (GroupSize > 0 && Bits == 0)
                problems.Add(new SpecProblem(nameof(GroupSize), GroupSize, "needs Bits = 4 or 8: it sets the columns per quantization scale"));
            else if (GroupSize > 0 && BlockSize >= 1 && BlockSize % GroupSize != 0 && GroupSize % BlockSize != 0)
                problems.Add(new SpecProblem(nameof(GroupSize), GroupSize,
                    $"must divide BlockSize = {BlockSize} or be a multiple of it, so that every scale is set from weights the sweep has fully updated"));
            return problems;
        }

        /// <summary>
        /// <see cref="Validate()"/> plus the checks that need the layer's input width: an N:M pattern's M and a positive
        /// <see cref="GroupSize"/> must divide it.
        /// </summary>
        /// <param name="inputWidth">The layer's in_features.</param>
        public IReadOnlyList<SpecProblem> Validate(long inputWidth)
        {
            var problems = new List<SpecProblem>(Validate());
            if (Pattern is not null && SparsityPattern.TryParse(Pattern, out var pattern, out _) && !pattern.Divides((int)System.Math.Min(inputWidth, int.MaxValue)))
                problems.Add(new SpecProblem(nameof(Pattern), double.NaN, $"{pattern} needs an input width that is a multiple of M = {pattern.M}; the layer has {inputWidth}"));
            if (GroupSize > 0 && (inputWidth <= 0 || inputWidth % GroupSize != 0))
                problems.Add(new SpecProblem(nameof(GroupSize), GroupSize, $"must divide the layer's input width {inputWidth}"));
            return problems;
        }

        /// <summary>Throws an <see cref="System.ArgumentException"/> naming every invalid value, if there is one.</summary>
        /// <param name="owner">What the settings belong to (e.g. a layer name), for the message.</param>
        /// <param name="inputWidth">The layer's in_features, or null when not known.</param>
        public void EnsureValid(string owner, long? inputWidth = null) =>
            SpecProblem.ThrowIfAny(inputWidth is long w ? Validate(w) : Validate(), "reconstruction settings", owner, "[Reconstruct] attribute (or the ReconstructionSpec)");
    }
}
