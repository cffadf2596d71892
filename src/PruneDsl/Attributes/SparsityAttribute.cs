using System;

namespace PruneDsl
{
    /// <summary>
    /// Declares N:M semi-structured sparsity on a <c>Linear</c> field: in every group of M consecutive input weights at
    /// most N are nonzero (e.g. <c>"2:4"</c>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class SparsityAttribute : Attribute
    {
        /// <summary>Declares the pattern.</summary>
        /// <param name="pattern">"N:M" with 1 &lt;= N &lt; M, e.g. "2:4".</param>
        public SparsityAttribute(string pattern) => Pattern = pattern;

        /// <summary>The pattern as written, e.g. "2:4".</summary>
        public string Pattern { get; }
    }
}
