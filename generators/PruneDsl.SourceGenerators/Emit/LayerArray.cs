using System.Collections.Generic;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Emit
{
    /// <summary>
    /// What the game, evolution and N:M halves of a model each emit for their layers: the array field, its assignment in
    /// RegisterComponents, and the property that exposes it (throwing the runtime's "not attached" error before).
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

        /// <summary>
        /// The gated layers of one kind: the interface property over the field, one property per layer (its gate), and the
        /// step that steps them all.
        /// </summary>
        /// <param name="w">The writer.</param>
        /// <param name="type">The layer type.</param>
        /// <param name="property">The interface property, e.g. ParticipationLayers.</param>
        /// <param name="field">The array field.</param>
        /// <param name="className">The model class, for the not-attached error.</param>
        /// <param name="groups">The layers, in array order.</param>
        /// <param name="players">What one layer's gate holds, e.g. "players" / "one participation per output neuron".</param>
        /// <param name="step">The step method, e.g. StepParticipations.</param>
        public static void EmitGates(SourceWriter w, string type, string property, string field, string className,
            IReadOnlyList<GroupLayerModel> groups, (string Noun, string Each) players, string step)
        {
            EmitProperty(w, type, property, field, className);
            for (var i = 0; i < groups.Count; i++)
            {
                w.Member();
                w.Line("/// <summary>The " + players.Noun + " of <c>" + groups[i].FieldName + "</c>: " + players.Each + ".</summary>");
                w.Line("public " + type + " " + groups[i].GateProperty + " => " + property + "[" + i + "];");
            }
            w.Member();
            w.Line("/// <inheritdoc />");
            w.Open("public void " + step + "()");
            foreach (var group in groups)
                w.Line(group.GateProperty + ".Step();");
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
