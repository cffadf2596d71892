using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Checkpoints
{
    /// <summary>One entry of a model's state dict as a checkpoint records it.</summary>
    /// <param name="Name">The state dict key, e.g. <c>fc1.weight</c> or <c>fc1_participation</c>.</param>
    /// <param name="DType">The scalar type, e.g. <c>Float32</c>.</param>
    /// <param name="Shape">The shape.</param>
    public sealed record TensorSignature(string Name, string DType, long[] Shape)
    {
        /// <summary>The shape as text, e.g. <c>[512, 784]</c>.</summary>
        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    }

    /// <summary>
    /// What identifies a model for a checkpoint: its class and the name, type and shape of every parameter and buffer
    /// (participations, masses and N:M masks are buffers). Two models with equal fingerprints can exchange state.
    /// </summary>
    /// <param name="ModelClass">The model's full class name.</param>
    /// <param name="Tensors">Its state dict entries, in state dict order.</param>
    public sealed record ModelFingerprint(string ModelClass, IReadOnlyList<TensorSignature> Tensors)
    {
        /// <summary>The fingerprint of <paramref name="model"/> as it is now.</summary>
        /// <param name="model">The model.</param>
        public static ModelFingerprint Of(nn.Module model)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            return new ModelFingerprint(model.GetType().FullName ?? model.GetType().Name,
                model.state_dict().Select(kv => new TensorSignature(kv.Key, kv.Value.dtype.ToString(), kv.Value.shape)).ToList());
        }

        /// <summary>
        /// Every difference between a saved fingerprint (this) and <paramref name="model"/>'s, in words (empty when they
        /// match): another class, missing or extra tensors, other types or shapes.
        /// </summary>
        /// <param name="model">The fingerprint of the model to load into.</param>
        public IReadOnlyList<string> Differences(ModelFingerprint model)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            var problems = new List<string>();
            if (ModelClass != model.ModelClass)
                problems.Add($"it was saved from a '{ModelClass}', not a '{model.ModelClass}'");
            var saved = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            var live = model.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            var missing = model.Tensors.Where(t => !saved.ContainsKey(t.Name)).Select(t => t.Name).ToList();
            var extra = Tensors.Where(t => !live.ContainsKey(t.Name)).Select(t => t.Name).ToList();
            if (missing.Count > 0) problems.Add($"it lacks the model's tensors {string.Join(", ", missing)}");
            if (extra.Count > 0) problems.Add($"it has tensors the model lacks: {string.Join(", ", extra)}");
            foreach (var t in model.Tensors)
            {
                if (!saved.TryGetValue(t.Name, out var s)) continue;
                if (!s.Shape.SequenceEqual(t.Shape))
                    problems.Add($"tensor '{t.Name}' has shape {s.ShapeText} in the file but {t.ShapeText} in the model");
                else if (s.DType != t.DType)
                    problems.Add($"tensor '{t.Name}' is {s.DType} in the file but {t.DType} in the model");
            }
            return problems;
        }
    }
}
