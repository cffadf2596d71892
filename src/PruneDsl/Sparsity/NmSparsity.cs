using System;
using PruneDsl.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Sparsity
{
    /// <summary>
    /// N:M magnitude masks for a weight of shape <c>[out, in]</c>: in every group of M consecutive input weights of a row
    /// (columns <c>g*M .. g*M+M-1</c>) the N weights of largest magnitude are kept and the rest are zeroed.
    /// </summary>
    /// <remarks>
    /// Ties are broken deterministically: among weights of equal magnitude the one with the lower in-group index is
    /// kept (a stable descending sort of <c>|w|</c>). <c>NaN</c> counts as larger than every number (libtorch's sort
    /// order), so a NaN weight is kept and stays visible. <c>-0</c> and <c>+0</c> have equal magnitude.
    /// </remarks>
    public static class NmSparsity
    {
        /// <summary>
        /// Throws an <see cref="ArgumentException"/> naming the layer, the pattern and the width unless
        /// <paramref name="pattern"/> is a valid N:M pattern (1 &lt;= N &lt; M, the rule of <see cref="SparsityPattern"/>)
        /// whose M divides <paramref name="inputWidth"/>.
        /// </summary>
        /// <param name="layerName">The layer's name, used in the message (e.g. <c>fc1</c>).</param>
        /// <param name="pattern">The pattern to check.</param>
        /// <param name="inputWidth">The layer's fan-in (the weight's second dimension).</param>
        public static void Validate(string layerName, SparsityPattern pattern, long inputWidth)
        {
            // One home for the N:M rule: the Spec parser. Round-trip the pattern through it to reuse its message.
            if (!SparsityPattern.TryParse(pattern.ToString(), out _, out var error))
                throw new ArgumentException(
                    $"N:M sparsity on layer '{layerName}' (input width {inputWidth}) has an invalid pattern {pattern}: {error}. " +
                    "Use a pattern with 1 <= N < M, e.g. 2:4.", nameof(pattern));
            if (inputWidth <= 0 || inputWidth > int.MaxValue || !pattern.Divides((int)inputWidth))
                throw new ArgumentException(
                    $"N:M sparsity on layer '{layerName}': pattern {pattern} needs an input width that is a positive multiple of " +
                    $"M = {pattern.M}, but the width is {inputWidth}. Pick an M that divides {inputWidth} or change the layer's in_features.",
                    nameof(inputWidth));
        }

        /// <summary>
        /// Computes the N:M keep-mask of <paramref name="weight"/>: a bool tensor of the same shape and device, true where
        /// the weight is among the N largest magnitudes of its group of M consecutive inputs. The weight is not modified.
        /// </summary>
        /// <param name="weight">A 2-D weight <c>[out, in]</c> (any floating dtype, any device).</param>
        /// <param name="pattern">The N:M pattern.</param>
        /// <param name="layerName">The layer's name, used in error messages.</param>
        /// <returns>A new bool tensor <c>[out, in]</c> with exactly N true entries per group; the caller disposes it.</returns>
        public static Tensor ComputeMask(Tensor weight, SparsityPattern pattern, string layerName = "weight")
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (weight.dim() != 2)
                throw new ArgumentException(
                    $"N:M sparsity on layer '{layerName}': the weight must be 2-D [out, in], but its shape is [{string.Join(", ", weight.shape)}].",
                    nameof(weight));
            long rows = weight.shape[0], width = weight.shape[1];
            Validate(layerName, pattern, width);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var magnitude = weight.detach().abs().reshape(rows, width / pattern.M, pattern.M);
            // Stable descending sort: equal magnitudes keep their order, so the lower in-group index wins a tie.
            var (_, order) = magnitude.sort(dim: -1, descending: true, stable: true);
            var keep = order.narrow(-1, 0, pattern.N);
            var mask = zeros(rows, width / pattern.M, pattern.M, dtype: ScalarType.Bool, device: weight.device);
            mask.scatter_(-1, keep, ones_like(keep, dtype: ScalarType.Bool));
            return mask.reshape(rows, width).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Zeroes, in place and without recording gradients, the entries of <paramref name="weight"/> where
        /// <paramref name="mask"/> is false (they become <c>+0</c>).
        /// </summary>
        /// <param name="weight">The weight to mask (a parameter is fine; autograd does not see the change).</param>
        /// <param name="mask">A bool tensor of the same shape, true where the weight is kept.</param>
        public static void ApplyMask(Tensor weight, Tensor mask)
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (mask is null) throw new ArgumentNullException(nameof(mask));
            if (!weight.shape.AsSpan().SequenceEqual(mask.shape))
                throw new ArgumentException(
                    $"The mask's shape [{string.Join(", ", mask.shape)}] differs from the weight's [{string.Join(", ", weight.shape)}].",
                    nameof(mask));
            using var _ = no_grad();
            using var pruned = mask.logical_not();
            weight.masked_fill_(pruned, 0);
        }

        /// <summary>
        /// Computes the N:M mask of <paramref name="weight"/> and applies it in place (see <see cref="ComputeMask"/>).
        /// </summary>
        /// <param name="weight">A 2-D weight <c>[out, in]</c>.</param>
        /// <param name="pattern">The N:M pattern.</param>
        /// <param name="layerName">The layer's name, used in error messages.</param>
        /// <returns>The mask that was applied; the caller disposes it.</returns>
        public static Tensor Prune(Tensor weight, SparsityPattern pattern, string layerName = "weight")
        {
            var mask = ComputeMask(weight, pattern, layerName);
            ApplyMask(weight, mask);
            return mask;
        }
    }
}
