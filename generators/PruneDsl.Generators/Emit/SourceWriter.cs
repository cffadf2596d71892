using System.Text;

namespace PruneDsl.Generators.Emit
{
    /// <summary>A tiny indenting writer: generated code should read like code a careful person wrote by hand.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _builder = new();
        private int _indent;

        public SourceWriter Line(string text = "")
        {
            if (text.Length == 0) { _builder.Append('\n'); return this; }
            _builder.Append(' ', _indent * 4).Append(text).Append('\n');
            return this;
        }

        public SourceWriter Open(string text)
        {
            Line(text);
            Line("{");
            _indent++;
            return this;
        }

        public SourceWriter Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
            return this;
        }

        public override string ToString() => _builder.ToString();
    }
}
