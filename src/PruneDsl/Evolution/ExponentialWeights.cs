using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// Exponential weights (multiplicative weights, the discrete replicator; docs/equations.md section 2):
    /// <c>m_i &lt;- m_i exp(lr f_i) / Z</c> with Z chosen so the masses have mean 1, i.e.
    /// <c>m &lt;- N softmax(log m + lr f)</c>.
    /// </summary>
    /// <remarks>
    /// Computed in log space (softmax subtracts the maximum), so large <c>lr f</c> neither overflows nor underflows the
    /// whole layer; a zero mass has <c>log m = -inf</c> and stays zero. Adding a constant to every fitness changes nothing,
    /// and to first order in lr the step equals the replicator's <c>m_i (1 + lr (f_i - f_bar))</c>.
    /// </remarks>
    public sealed class ExponentialWeights : ISelectionDynamic
    {
        /// <inheritdoc />
        public string Name => "exponential-weights";

        /// <inheritdoc />
        public void Update(Tensor mass, Tensor fitness, double learningRate)
        {
            MassNormalization.EnsureShapes(mass, fitness, learningRate, Name);
            using var _ = no_grad();
            using (NewDisposeScope())
            {
                var logits = mass.log().add_(fitness, alpha: learningRate);
                var share = logits.softmax(0);
                mass.copy_(share.mul_(mass.shape[0]));
            }
            MassNormalization.RescaleToMeanOne(mass);
        }
    }
}
