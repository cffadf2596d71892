using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace PruneDsl.Thresholds
{
    /// <summary>Which components of one score vector are kept.</summary>
    public record KeepDecision
    {
        private readonly bool[] _mask;
        private readonly int[] _kept;

        /// <summary>Creates a decision from a keep mask (copied).</summary>
        /// <param name="keepMask">One entry per component; true = kept.</param>
        public KeepDecision(IReadOnlyList<bool> keepMask)
        {
            if (keepMask is null) throw new ArgumentNullException(nameof(keepMask));
            _mask = new bool[keepMask.Count];
            var kept = new List<int>();
            for (var i = 0; i < _mask.Length; i++)
            {
                _mask[i] = keepMask[i];
                if (_mask[i]) kept.Add(i);
            }
            _kept = kept.ToArray();
        }

        /// <summary>N, the number of components decided on.</summary>
        public int Count => _mask.Length;

        /// <summary>One entry per component, true where the component is kept.</summary>
        public IReadOnlyList<bool> KeepMask => Array.AsReadOnly(_mask);

        /// <summary>The indices of the kept components, ascending.</summary>
        public IReadOnlyList<int> KeptIndices => Array.AsReadOnly(_kept);

        /// <summary>How many components are kept.</summary>
        public int KeptCount => _kept.Length;

        /// <summary>How many components are pruned.</summary>
        public int PrunedCount => _mask.Length - _kept.Length;

        /// <summary>The fraction of components pruned, in [0, 1].</summary>
        public double Sparsity => _mask.Length == 0 ? 0 : (double)PrunedCount / _mask.Length;

        /// <summary>Two decisions are equal when they are of the same type and keep the same components.</summary>
        /// <param name="other">The other decision.</param>
        public virtual bool Equals(KeepDecision? other) =>
            other is not null && EqualityContract == other.EqualityContract && _mask.AsSpan().SequenceEqual(other._mask);

        /// <inheritdoc />
        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(EqualityContract);
            foreach (var k in _mask) hash.Add(k);
            return hash.ToHashCode();
        }

        /// <summary>The keep mask as a boolean tensor of shape [N].</summary>
        /// <param name="device">Where to create it (CPU when null).</param>
        public Tensor ToTensor(Device? device = null) => tensor(_mask, dtype: ScalarType.Bool, device: device);
    }
}
