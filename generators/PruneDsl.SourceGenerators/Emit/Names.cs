using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>Naming and literal helpers shared by the emitters.</summary>
    internal static class Names
    {
        /// <summary><c>fc1</c> -> <c>Fc1</c>, <c>_hidden_layer</c> -> <c>HiddenLayer</c>.</summary>
        public static string Pascal(string fieldName)
        {
            var builder = new StringBuilder();
            var upper = true;
            foreach (var c in fieldName)
            {
                if (c == '_') { upper = true; continue; }
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return builder.Length == 0 ? "Layer" : builder.ToString();
        }

        /// <summary>
        /// A declared name as an identifier in code: a C# keyword gets the verbatim prefix (a field declared as <c>@base</c>
        /// is named <c>base</c>; the generated code must write <c>@base</c>).
        /// </summary>
        public static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>
        /// A PruneDsl enum value as code: its member, or a cast of its number when it names none (an invalid setting, which
        /// the analyzers report as PD0010; the generated code still compiles).
        /// </summary>
        public static string Enum<T>(T value) where T : struct, System.Enum
        {
            var type = "global::PruneDsl." + typeof(T).Name;
            return System.Enum.IsDefined(typeof(T), value)
                ? type + "." + value
                : "(" + type + ")(" + System.Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + ")";
        }

        /// <summary>A double as a C# literal that round-trips.</summary>
        public static string Literal(double value)
        {
            if (double.IsNaN(value)) return "double.NaN";
            if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
            if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.Contains(".") || text.Contains("E") ? text : text + ".0";
        }

        /// <summary>A C# string literal of the text (quotes, backslashes and control characters escaped).</summary>
        public static string String(string text)
        {
            var builder = new StringBuilder(text.Length + 2).Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\t': builder.Append("\\t"); break;
                    default:
                        if (char.IsControl(c)) builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else builder.Append(c);
                        break;
                }
            }
            return builder.Append('"').ToString();
        }

        /// <summary>A double for prose in comments.</summary>
        public static string Prose(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
    }
}
