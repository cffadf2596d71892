using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// Prunes a Linear layer in one shot and repairs what is removed from a layer-wise Hessian of calibration inputs,
    /// without a fine-tune; optionally quantizes the kept weights (GPTQ) with the same Hessian. On the class it applies to
    /// every Linear field of the declared chain; on a field it overrides the class for that layer (the settings it names).
    /// <see cref="ReconstructionMethod.SparseGpt"/> prunes weights (unstructured at <see cref="Sparsity"/>, or N:M when the
    /// field also has <c>[Sparsity("N:M")]</c>); <see cref="ReconstructionMethod.Obs"/> removes output neurons of the
    /// layer and compensates the next layer's remaining inputs. The settings are those of <see cref="ReconstructionSpec"/>
    /// and are checked by its <see cref="ReconstructionSpec.Validate()"/> (docs/references/model-pruning-deep-dive.md).
    /// </summary>
    /// <example>
    /// <code>
    /// [Reconstruct(ReconstructionMethod.SparseGpt, Bits = 4)]
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt;
    /// {
    ///     [Sparsity("2:4")] private readonly Linear fc1 = Linear(784, 512);
    ///     [Sparsity("2:4")] private readonly Linear fc2 = Linear(512, 256);
    ///     [Reconstruct(ReconstructionMethod.None)] private readonly Linear head = Linear(256, 10);
    /// }
    /// // after training: model.Reconstruct(calibrationInputs);   (generated; see the README)
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class ReconstructAttribute : Attribute
    {
        /// <summary>Selects the method.</summary>
        /// <param name="method">SparseGPT (weights), OBS (neurons) or None (quantization only, or opting a field out).</param>
        public ReconstructAttribute(ReconstructionMethod method = ReconstructionDefaults.Method) => Method = method;

        /// <summary>The method.</summary>
        public ReconstructionMethod Method { get; }

        /// <summary>SparseGPT unstructured: fraction of weights removed; OBS: fraction of neurons removed. In [0, 1).</summary>
        public double Sparsity { get; set; } = ReconstructionDefaults.Sparsity;

        /// <summary>Columns per SparseGPT/GPTQ block; a multiple of M under an N:M pattern.</summary>
        public int BlockSize { get; set; } = ReconstructionDefaults.BlockSize;

        /// <summary>d in <c>lambda = d * mean(diag H)</c>, added to the Hessian's diagonal; greater than 0.</summary>
        public double Dampening { get; set; } = ReconstructionDefaults.Dampening;

        /// <summary>Calibration batches run through the model for each layer's Hessian; at least 1.</summary>
        public int CalibrationBatches { get; set; } = ReconstructionDefaults.CalibrationBatches;

        /// <summary>0 (not quantized), 4 or 8: symmetric integer weights, one scale per output channel or per group.</summary>
        public int Bits { get; set; } = ReconstructionDefaults.Bits;

        /// <summary>0 (one scale per output channel) or the columns per scale (divides BlockSize or is a multiple of it).</summary>
        public int GroupSize { get; set; } = ReconstructionDefaults.GroupSize;
    }
}
