using System;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// Dampening and factorizations of a layer-wise Hessian <c>H = 2 X X^T / n</c> (<see cref="HessianAccumulator"/>),
    /// in float64: <c>lambda = d * mean(diag H)</c> is added to the diagonal (SparseGPT and GPTQ use d = 0.01), then H is
    /// Cholesky-factored. A Hessian that stays singular after dampening is an error that names the layer and the fix.
    /// </summary>
    public static class LayerHessian
    {
        /// <summary><c>lambda = d * mean(diag H)</c>.</summary>
        /// <param name="hessian">H, square.</param>
        /// <param name="dampening">d, finite and greater than 0.</param>
        public static double Lambda(Tensor hessian, double dampening)
        {
            CheckSquare(hessian, "layer");
            using var diagonal = hessian.diagonal();
            using var mean = diagonal.to(ScalarType.Float64).mean();
            return dampening * mean.item<double>();
        }

        /// <summary><c>H + lambda I</c> with <c>lambda = d * mean(diag H)</c>: a new float64 tensor.</summary>
        /// <param name="hessian">H, square.</param>
        /// <param name="dampening">d, finite and greater than 0.</param>
        public static Tensor Damped(Tensor hessian, double dampening)
        {
            CheckSquare(hessian, "layer");
            if (double.IsNaN(dampening) || double.IsInfinity(dampening) || dampening <= 0)
                throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "The dampening d must be a finite number greater than 0 (0.01 is the usual value).");
            var lambda = Lambda(hessian, dampening);
            var damped = hessian.to(ScalarType.Float64).clone();
            damped.diagonal().add_(lambda);
            return damped;
        }

        /// <summary>
        /// The inverse of the damped Hessian, <c>(H + lambda I)^-1</c>, from its Cholesky factor: a new float64 tensor.
        /// </summary>
        /// <param name="hessian">H (undamped).</param>
        /// <param name="dampening">d.</param>
        /// <param name="layerName">The layer, for the error message.</param>
        /// <param name="rows">Calibration rows behind H, for the error message.</param>
        /// <exception cref="InvalidOperationException">H + lambda I is not positive definite.</exception>
        public static Tensor Inverse(Tensor hessian, double dampening, string layerName, long rows)
        {
            // Each intermediate [k, k] matrix is freed as soon as the next exists, so at most two are alive at a time.
            Tensor lower;
            using (var damped = Damped(hessian, dampening)) lower = Cholesky(damped, dampening, layerName, rows, "H + lambda I");
            using (lower) return cholesky_inverse(lower);
        }

        /// <summary>
        /// The upper Cholesky factor U of the inverse damped Hessian, <c>U^T U = (H + lambda I)^-1</c>: a new float64
        /// tensor. Row j of U, scaled by <c>U_jj</c>, is row j of the inverse Hessian of the columns j.. once the columns
        /// before j are fixed, which is what SparseGPT's and GPTQ's column sweep needs (one factorization instead of one
        /// inverse per column).
        /// </summary>
        /// <param name="hessian">H (undamped).</param>
        /// <param name="dampening">d.</param>
        /// <param name="layerName">The layer, for the error message.</param>
        /// <param name="rows">Calibration rows behind H, for the error message.</param>
        /// <exception cref="InvalidOperationException">H + lambda I, or its inverse, is not positive definite.</exception>
        public static Tensor InverseCholeskyUpper(Tensor hessian, double dampening, string layerName, long rows)
        {
            Tensor lowerOfInverse;
            using (var inverse = Inverse(hessian, dampening, layerName, rows))
                lowerOfInverse = Cholesky(inverse, dampening, layerName, rows, "(H + lambda I)^-1");
            using (lowerOfInverse)
            using (var upper = lowerOfInverse.t())
                return upper.contiguous();
        }

        private static Tensor Cholesky(Tensor matrix, double dampening, string layerName, long rows, string what)
        {
            var (lower, info) = linalg.cholesky_ex(matrix);
            using (info)
            {
                using var info64 = info.to(ScalarType.Int64);
                var failedAt = info64.item<long>();
                using var bad = lower.isnan().any();
                if (failedAt == 0 && !bad.item<bool>()) return lower;
                lower.Dispose();
                var n = matrix.shape[0];
                throw new InvalidOperationException(
                    $"Layer '{layerName}': the layer-wise Hessian ({n} x {n}, from {rows} calibration rows) stays singular after dampening with d = {dampening}: " +
                    $"the Cholesky factorization of {what} failed" + (failedAt > 0 ? $" at column {failedAt - 1}" : " (NaN)") + ". " +
                    (rows < n ? $"There are fewer calibration rows ({rows}) than inputs ({n}): run more calibration batches, or " : "Run more or more varied calibration batches, or ") +
                    "raise the dampening (e.g. Dampening = 0.1). A NaN or infinite calibration input also causes this.");
            }
        }

        private static void CheckSquare(Tensor hessian, string layerName)
        {
            if (hessian is null) throw new ArgumentNullException(nameof(hessian));
            if (hessian.dim() != 2 || hessian.shape[0] != hessian.shape[1])
                throw new ArgumentException($"Layer '{layerName}': a Hessian must be square, got shape [{string.Join(", ", hessian.shape)}].", nameof(hessian));
        }
    }
}
