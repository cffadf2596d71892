using System.Collections.Generic;

namespace PruneDsl.Sparsity
{
    /// <summary>
    /// Implemented by the source generator for every model with <c>[Sparsity("N:M")]</c> fields: the N:M masks that keep
    /// those layers sparse during training. Trainers call <see cref="NmMaskedLinear.BeforeOptimizerStep"/> and
    /// <see cref="NmMaskedLinear.AfterOptimizerStep"/> around every optimizer step.
    /// </summary>
    public interface ISparseModel
    {
        /// <summary>The masked layers, in declaration order.</summary>
        IReadOnlyList<NmMaskedLinear> SparseLayers { get; }
    }
}
