using System;
using System.Globalization;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>How numbers appear in messages: invariant culture, so a message reads the same on every machine.</summary>
    internal static class Format
    {
        /// <summary>A value the user wrote, round-trippable (0.1, -1, NaN, Infinity).</summary>
        public static string Setting(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A derived number: four significant digits, whole numbers from 1000 up without a fraction.</summary>
        public static string Number(double value)
        {
            if (double.IsNaN(value)) return "NaN";
            if (double.IsPositiveInfinity(value)) return "infinity";
            if (double.IsNegativeInfinity(value)) return "-infinity";
            var magnitude = Math.Abs(value);
            if (magnitude >= 1000 && magnitude < 1e15) return Math.Round(value).ToString("0", CultureInfo.InvariantCulture);
            return value.ToString("G4", CultureInfo.InvariantCulture);
        }

        /// <summary>Items as prose: <c>a</c>, <c>a and b</c>, <c>a, b and c</c>.</summary>
        public static string List(System.Collections.Generic.IEnumerable<string> items)
        {
            var list = new System.Collections.Generic.List<string>(items);
            return list.Count switch
            {
                0 => string.Empty,
                1 => list[0],
                _ => string.Join(", ", list.GetRange(0, list.Count - 1)) + " and " + list[list.Count - 1],
            };
        }

        /// <summary>An integer count.</summary>
        public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
