using System.Collections.Generic;
using System.Linq;

namespace PruneDsl.SourceGenerators.Diagnostics
{
    /// <summary>
    /// Keys of <c>Diagnostic.Properties</c> through which the analyzers hand their computed fix values to the code fixes
    /// (analyzers/PruneDsl.CodeFixers), so that the fixes never recompute a rule.
    /// </summary>
    internal static class FixProperties
    {
        /// <summary>
        /// The [Cost] settings to write, as <c>Name=literal</c> pairs separated by <c>;</c> in the order they are to be
        /// written (invariant culture, valid C# literals), on PD0011, PD0012 and PD0024.
        /// </summary>
        public const string CostSettings = "PruneDsl.CostSettings";

        /// <summary>The nearest valid N:M pattern, on PD0018.</summary>
        public const string Pattern = "PruneDsl.Pattern";

        /// <summary>Writes settings for <see cref="CostSettings"/>.</summary>
        /// <param name="settings">Property name and literal, in order.</param>
        public static string Encode(IEnumerable<KeyValuePair<string, string>> settings) =>
            string.Join(";", settings.Select(s => s.Key + "=" + s.Value));

        /// <summary>Reads the value of <see cref="CostSettings"/>; empty for anything malformed.</summary>
        /// <param name="text">The property value.</param>
        public static IReadOnlyList<KeyValuePair<string, string>> Decode(string? text)
        {
            var settings = new List<KeyValuePair<string, string>>();
            if (string.IsNullOrEmpty(text)) return settings;
            foreach (var pair in text!.Split(';'))
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0 || equals == pair.Length - 1) return new List<KeyValuePair<string, string>>();
                settings.Add(new KeyValuePair<string, string>(pair.Substring(0, equals), pair.Substring(equals + 1)));
            }
            return settings;
        }

        /// <summary>How settings read in messages and fix titles: <c>Gamma = 0.0007, LearningRate = 0.16</c>.</summary>
        /// <param name="settings">Property name and literal, in order.</param>
        public static string Describe(IEnumerable<KeyValuePair<string, string>> settings) =>
            string.Join(", ", settings.Select(s => s.Key + " = " + s.Value));
    }
}
