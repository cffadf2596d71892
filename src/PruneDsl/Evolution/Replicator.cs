using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// The replicator dynamic (docs/equations.md section 2), one explicit Euler step of <c>dm_i/dt = m_i (f_i - f_bar)</c> with
    /// the layer's mass-weighted mean fitness <c>f_bar = sum_j m_j f_j / sum_j m_j</c>:
    /// <c>m_i &lt;- max(0, m_i (1 + lr (f_i - f_bar)))</c>, then rescaled to mean 1.
    /// </summary>
    /// <remarks>
    /// The continuous dynamic keeps <c>sum_i m_i</c> constant; the Euler step does too unless a mass would go negative
    /// (<c>lr (f_i - f_bar) &lt; -1</c>), which the clamp turns into extinction, and the rescale restores mean 1. At least
    /// one population has <c>f_i &gt;= f_bar</c>, so the masses can never all vanish.
    /// </remarks>
    public sealed class Replicator : ISelectionDynamic
    {
        /// <inheritdoc />
        public string Name => "replicator";

        /// <summary>The mass-weighted mean fitness <c>f_bar = sum_j m_j f_j / sum_j m_j</c> (a 0-d tensor).</summary>
        /// <param name="mass">m, shape [N].</param>
        /// <param name="fitness">f, shape [N].</param>
        public static Tensor MeanFitness(Tensor mass, Tensor fitness)
        {
            using var weighted = (mass * fitness).sum();
            using var total = mass.sum();
            return weighted / total;
        }

        /// <inheritdoc />
        public void Update(Tensor mass, Tensor fitness, double learningRate)
        {
            MassNormalization.EnsureShapes(mass, fitness, learningRate, Name);
            using var _ = no_grad();
            using (NewDisposeScope())
            {
                var mean = MeanFitness(mass, fitness);
                var growth = (fitness - mean).mul_(learningRate).add_(1).clamp_min_(0);
                mass.mul_(growth);
            }
            MassNormalization.RescaleToMeanOne(mass);
        }
    }
}
