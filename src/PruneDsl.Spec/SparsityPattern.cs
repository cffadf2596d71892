using System;
using System.Globalization;

namespace PruneDsl.Spec
{
    /// <summary>
    /// An N:M semi-structured sparsity pattern: in every group of <see cref="M"/> consecutive input weights at most
    /// <see cref="N"/> are nonzero (2:4 is what NVIDIA's sparse tensor cores take).
    /// </summary>
    /// <param name="N">Weights kept per group (1 &lt;= N &lt; M).</param>
    /// <param name="M">Group size along the input dimension.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    readonly record struct SparsityPattern(int N, int M)
    {
        /// <summary>The fraction of weights the pattern removes, <c>1 - N/M</c>.</summary>
        public double Sparsity => 1.0 - (double)N / M;

        /// <summary>Parses <c>"N:M"</c>. Returns false and a message that says what is wrong for any other text.</summary>
        /// <param name="text">The pattern, e.g. <c>"2:4"</c>.</param>
        /// <param name="pattern">The parsed pattern when the text is valid.</param>
        /// <param name="error">What is wrong when it is not.</param>
        public static bool TryParse(string? text, out SparsityPattern pattern, out string error)
        {
            pattern = default;
            if (text is null || text.Trim().Length == 0)
            {
                error = "the pattern is empty; write it as \"N:M\", e.g. \"2:4\"";
                return false;
            }
            var parts = text.Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            {
                error = $"'{text}' is not of the form \"N:M\" with whole numbers N and M, e.g. \"2:4\"";
                return false;
            }
            if (n <= 0 || m <= 0)
            {
                error = $"'{text}': N and M must both be at least 1";
                return false;
            }
            if (n >= m)
            {
                error = $"'{text}': N must be smaller than M (N:M keeps N weights of every M)";
                return false;
            }
            pattern = new SparsityPattern(n, m);
            error = string.Empty;
            return true;
        }

        /// <summary>Parses <c>"N:M"</c> or throws an <see cref="ArgumentException"/> that says what is wrong.</summary>
        /// <param name="text">The pattern, e.g. <c>"2:4"</c>.</param>
        public static SparsityPattern Parse(string text)
        {
            if (!TryParse(text, out var pattern, out var error))
                throw new ArgumentException($"Invalid sparsity pattern: {error}.", nameof(text));
            return pattern;
        }

        /// <summary>Whether a layer with <paramref name="inputWidth"/> inputs can be split into groups of M.</summary>
        /// <param name="inputWidth">The layer's fan-in.</param>
        public bool Divides(int inputWidth) => Divides((long)inputWidth);

        /// <summary>Whether a layer with <paramref name="inputWidth"/> inputs can be split into groups of M (any width a layer can declare).</summary>
        /// <param name="inputWidth">The layer's fan-in.</param>
        public bool Divides(long inputWidth) => inputWidth > 0 && inputWidth % M == 0;

        /// <inheritdoc />
        public override string ToString() => $"{N}:{M}";
    }
}
