using System.Globalization;
using System.Text;

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
