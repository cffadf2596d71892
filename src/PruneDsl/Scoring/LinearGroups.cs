using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>Shared pieces of the criteria: parameter access with clear errors, per-layer state, row sums, the empty hook.</summary>
    internal static class LinearGroups
    {
        public static Tensor Weight(Linear layer, string criterion)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var w = layer.weight ?? throw new ArgumentException($"{criterion}: the Linear layer has no weight.", nameof(layer));
            if (w.dim() != 2) throw new ArgumentException($"{criterion}: expected a 2-D weight [out, in], got shape [{string.Join(", ", w.shape)}].", nameof(layer));
            return w;
        }

        /// <summary><c>perWeight.sum(1) + perBias</c> (perBias may be null).</summary>
        public static Tensor RowSum(Tensor perWeight, Tensor? perBias)
        {
            var s = perWeight.sum(1);
            if (perBias is not null) s.add_(perBias);
            return s;
        }

        /// <summary>Detached float64 copy of a parameter.</summary>
        public static Tensor F64(Tensor t) => t.detach().to(ScalarType.Float64);

        public static Dictionary<Linear, T> NewStateTable<T>() => new Dictionary<Linear, T>(ReferenceEqualityComparer.Instance);

        /// <summary>What <see cref="IAccumulatingCriterion.Attach(Linear)"/> returns when observing needs no hook.</summary>
        public static IDisposable NoHook { get; } = new EmptyHandle();

        private sealed class EmptyHandle : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
