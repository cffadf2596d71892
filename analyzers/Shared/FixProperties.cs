namespace PruneDsl.Analyzers
{
    /// <summary>
    /// Keys of <c>Diagnostic.Properties</c> through which the analyzers hand their computed fix values to the code fixes
    /// (analyzers/PruneDsl.CodeFixes), so that the fixes never recompute a rule.
    /// </summary>
    internal static class FixProperties
    {
        /// <summary>The Gamma to set (invariant culture, a valid C# literal), on PD0011 and PD0012.</summary>
        public const string Gamma = "PruneDsl.Gamma";

        /// <summary>The nearest valid N:M pattern, on PD0018.</summary>
        public const string Pattern = "PruneDsl.Pattern";
    }
}
