using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>
    /// The checks on the data a run is given, made before any training step (trainers), before any batch is observed
    /// (<c>CriterionPruner.Calibrate</c>) or before any accuracy is counted (<see cref="Evaluation"/>): one place for their
    /// rules and messages. <see cref="LabeledData"/> itself already refuses mismatched input and label counts, labels that
    /// are not int64 and inputs that are not floating point.
    /// </summary>
    internal static class DataChecks
    {
        /// <summary>Throws when <paramref name="data"/> is null or has no examples.</summary>
        public static void EnsureNotEmpty(LabeledData data, string parameter, string what, string who)
        {
            if (data is null) throw new ArgumentNullException(parameter, $"{who}: the {what} is null.");
            if (data.Count == 0)
                throw new ArgumentException($"{who}: the {what} is empty (0 examples); pass at least one example.", parameter);
        }

        /// <summary>Throws when <paramref name="other"/>'s examples are not shaped like <paramref name="reference"/>'s.</summary>
        public static void EnsureSameExampleShape(LabeledData reference, string referenceName, LabeledData other, string otherName, string who)
        {
            var a = reference.Inputs.shape.Skip(1).ToArray();
            var b = other.Inputs.shape.Skip(1).ToArray();
            if (!a.SequenceEqual(b))
                throw new ArgumentException(
                    $"{who}: every {otherName} example has shape {Shape(b)} but every {referenceName} example has shape {Shape(a)}; " +
                    $"give both the same input width (same features, in the same order).", otherName);
        }

        /// <summary>
        /// Throws when a label of <paramref name="data"/> lies outside [0, <paramref name="classes"/>), naming the first
        /// offending example.
        /// </summary>
        public static void EnsureLabelsInRange(LabeledData data, long classes, string what, string who)
        {
            using var _ = no_grad();
            using var labels = data.Labels.cpu();
            using var bad = labels.lt(0).logical_or_(labels.ge(classes));
            if (!bad.any().ToBoolean()) return;
            using var at = bad.nonzero();
            var index = at[0, 0].ToInt64();
            var value = labels[index].ToInt64();
            using var count = bad.sum();
            throw new ArgumentException(
                $"{who}: the {what} has {count.ToInt64()} label(s) outside [0, {classes}) (the model has {classes} outputs); " +
                $"the first is {value} at example {index}. Labels must be class indices 0..{classes - 1}: check the label encoding, or the width of the model's last layer.",
                what);
        }

        /// <summary>
        /// Rethrows a libtorch error of the first forward pass as an <see cref="ArgumentException"/> that says which data,
        /// its shape, and what the model's first Linear layer takes.
        /// </summary>
        public static ArgumentException ForwardFailed(nn.Module model, LabeledData data, string what, string who, Exception e)
        {
            var first = model.named_modules().FirstOrDefault(m => m.module is Linear);
            var hint = first.module is Linear linear
                ? $" Its first Linear layer '{first.name}' takes {linear.in_features} input features."
                : "";
            return new ArgumentException(
                $"{who}: the model '{model.GetType().Name}' cannot run the {what}: each example has shape {Shape(data.Inputs.shape.Skip(1).ToArray())} " +
                $"(inputs {Shape(data.Inputs.shape)}).{hint} libtorch said: {FirstLine(e.Message)} " +
                "Reshape or select the inputs to the width the model was built for, or build the model for this data.", what, e);
        }

        /// <summary>Whether <paramref name="e"/> is an error libtorch raised (a shape or type mismatch, an index out of range).</summary>
        public static bool IsTorchError(Exception e) => e is System.Runtime.InteropServices.ExternalException;

        private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

        private static string FirstLine(string message)
        {
            var line = message.Split('\n')[0].Trim();
            return line.EndsWith('.') ? line : line + ".";
        }
    }
}
