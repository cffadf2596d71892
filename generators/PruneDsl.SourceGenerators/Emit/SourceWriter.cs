using System.Text;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// A tiny indenting writer: generated code should read like code a careful person wrote by hand. Every member starts
    /// with <see cref="Member"/>, which puts exactly one blank line between members and none after an opening brace.
    /// </summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _builder = new();
        private int _indent;
        private bool _atBlockStart = true;

        /// <summary>One line at the current indentation (an empty line for no text).</summary>
        public SourceWriter Line(string text = "")
        {
            if (text.Length == 0) _builder.Append('\n');
            else _builder.Append(' ', _indent * 4).Append(text).Append('\n');
            _atBlockStart = false;
            return this;
        }

        /// <summary>Starts a member (or a type): a blank line unless it is the first thing in its block.</summary>
        public SourceWriter Member()
        {
            if (!_atBlockStart) _builder.Append('\n');
            _atBlockStart = true;
            return this;
        }

        /// <summary>A line followed by an opening brace; what follows is indented.</summary>
        public SourceWriter Open(string text)
        {
            Line(text);
            Line("{");
            _indent++;
            _atBlockStart = true;
            return this;
        }

        /// <summary>The closing brace of the innermost open block.</summary>
        public SourceWriter Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
            return this;
        }

        public override string ToString() => _builder.ToString();
    }
}
