using System.Collections.Generic;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// What the N:M half of a model emits for its layers: the array field, its assignment in RegisterComponents, and the
    /// property that exposes it (throwing the runtime's "not attached" error before).
    /// </summary>
    internal static class LayerArray
    {
        /// <summary><c>private T[]? _field;</c></summary>
        public static void EmitField(SourceWriter w, string type, string field)
        {
            w.Member();
            w.Line("private " + type + "[]? " + field + ";");
        }

        /// <summary><c>if (_field is null) { _field = new T[] { ... }; }</c>, one element per line: attach once.</summary>
        public static void EmitAssignment(SourceWriter w, string type, string field, IEnumerable<string> elements)
        {
            w.Open("if (" + field + " is null)");
            w.Line(field + " = new " + type + "[]");
            w.Line("{");
            foreach (var element in elements) w.Line("    " + element + ",");
            w.Line("};");
            w.Close();
        }

        /// <summary>The interface property over the field.</summary>
        public static void EmitProperty(SourceWriter w, string type, string property, string field, string className)
        {
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Line("public global::System.Collections.Generic.IReadOnlyList<" + type + "> " + property + " =>");
            w.Line("    " + field + " ?? throw global::PruneDsl.Game.ParticipationLayer.NotAttached(\"" + className + "\");");
        }
    }
}
