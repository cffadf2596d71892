using System;
using static TorchSharp.torch;

namespace PruneDsl.Training
{
    /// <summary>Inputs and class labels held in memory: inputs [N, features] float32, labels [N] int64.</summary>
    public sealed class LabeledData
    {
        /// <summary>Wraps two tensors after checking that their shapes and types fit together.</summary>
        /// <param name="inputs">[N, ...] floating-point inputs.</param>
        /// <param name="labels">[N] int64 class indices.</param>
        public LabeledData(Tensor inputs, Tensor labels)
        {
            if (inputs is null) throw new ArgumentNullException(nameof(inputs));
            if (labels is null) throw new ArgumentNullException(nameof(labels));
            if (labels.dim() != 1)
                throw new ArgumentException($"Labels must be a vector [N]; got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
            if (inputs.shape[0] != labels.shape[0])
                throw new ArgumentException(
                    $"Inputs and labels disagree on the number of examples: {inputs.shape[0]} inputs, {labels.shape[0]} labels.", nameof(labels));
            if (labels.dtype != ScalarType.Int64)
                throw new ArgumentException($"Labels must be int64 class indices; got {labels.dtype}.", nameof(labels));
            if (!inputs.is_floating_point())
                throw new ArgumentException($"Inputs must be floating point; got {inputs.dtype}.", nameof(inputs));
            Inputs = inputs;
            Labels = labels;
        }

        /// <summary>The inputs.</summary>
        public Tensor Inputs { get; }

        /// <summary>The labels.</summary>
        public Tensor Labels { get; }

        /// <summary>Number of examples.</summary>
        public long Count => Labels.shape[0];

        /// <summary>The first <paramref name="count"/> examples (a view; no copy).</summary>
        /// <param name="count">How many; at most <see cref="Count"/>.</param>
        public LabeledData Take(long count) => new(Inputs[..(int)Math.Min(count, Count)], Labels[..(int)Math.Min(count, Count)]);
    }
}
