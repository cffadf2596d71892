using System.Collections.Generic;
using System.Globalization;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Rules
{
    /// <summary>
    /// The nearest valid N:M pattern to a malformed <c>[Sparsity]</c> string (docs/diagnostics/PD0018.md): the first two
    /// whole numbers in the text are read as N and M (any separator: "2-4", "2/4", "2:4:8"; a lone two-digit number "24"
    /// as its two digits); N &gt; M is read as swapped; M is kept and N is clamped into [1, M - 1]. Text with no usable
    /// numbers, or with M &lt; 2, becomes 2:4, the pattern sparse tensor cores take.
    /// </summary>
    internal static class SparsityRepair
    {
        public static SparsityPattern Default { get; } = new SparsityPattern(2, 4);

        public static SparsityPattern Nearest(string? text)
        {
            if (text is null) return Default;
            var runs = new List<string>();
            var current = new System.Text.StringBuilder();
            foreach (var c in text)
            {
                if (c >= '0' && c <= '9') current.Append(c);
                else if (current.Length > 0) { runs.Add(current.ToString()); current.Clear(); }
            }
            if (current.Length > 0) runs.Add(current.ToString());

            int n, m;
            if (runs.Count >= 2)
            {
                if (!TryInt(runs[0], out n) || !TryInt(runs[1], out m)) return Default;
            }
            else if (runs.Count == 1 && runs[0].Length == 2)
            {
                n = runs[0][0] - '0';
                m = runs[0][1] - '0';
            }
            else
            {
                return Default;
            }

            if (n > m) (n, m) = (m, n);
            if (m < 2) return Default;
            if (n < 1) n = 1;
            if (n > m - 1) n = m - 1;
            return new SparsityPattern(n, m);
        }

        private static bool TryInt(string digits, out int value) =>
            int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
