using System;
using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// The normalisation every dynamic ends its step with: masses on the layer's simplex scaled by its size N, i.e.
    /// <c>sum_i m_i = N</c> (mean 1), so that an average gate stays 1.
    /// </summary>
    public static class MassNormalization
    {
        /// <summary>Rescales <paramref name="mass"/> in place to mean 1. Throws when its sum is not a finite positive number.</summary>
        /// <param name="mass">Non-negative masses, shape [N].</param>
        public static void RescaleToMeanOne(Tensor mass)
        {
            if (mass is null) throw new ArgumentNullException(nameof(mass));
            using var _ = no_grad();
            var sum = mass.sum().to(ScalarType.Float64).item<double>();
            if (!(sum > 0) || double.IsInfinity(sum))
                throw new InvalidOperationException(
                    $"The population masses sum to {sum}; they must have a finite positive total to be rescaled to mean 1. " +
                    "A selection step produced non-finite or all-zero masses: lower the [SelectionDynamics] LearningRate or check the loss for divergence.");
            mass.mul_(mass.shape[0] / sum);
        }

        /// <summary>Throws unless <paramref name="mass"/> and <paramref name="fitness"/> are vectors of the same length.</summary>
        /// <param name="mass">The masses.</param>
        /// <param name="fitness">The fitness.</param>
        /// <param name="learningRate">The step size.</param>
        /// <param name="who">The dynamic, for the message.</param>
        internal static void EnsureShapes(Tensor mass, Tensor fitness, double learningRate, string who)
        {
            if (mass is null) throw new ArgumentNullException(nameof(mass));
            if (fitness is null) throw new ArgumentNullException(nameof(fitness));
            if (mass.dim() != 1 || fitness.dim() != 1 || mass.shape[0] != fitness.shape[0])
                throw new ArgumentException(
                    $"{who}: masses and fitness must be vectors of the same length; got [{string.Join(", ", mass.shape)}] and [{string.Join(", ", fitness.shape)}].");
            if (!(learningRate > 0) || double.IsInfinity(learningRate))
                throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"{who}: the learning rate must be a finite number greater than 0.");
        }
    }
}
