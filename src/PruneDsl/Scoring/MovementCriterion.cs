using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>How <see cref="MovementCriterion"/> turns a weight's movement into a score.</summary>
    public enum MovementScore
    {
        /// <summary>
        /// Sanh et al. (2020): <c>sum over the group of (theta - theta_0) * theta</c>. Positive when the weights moved
        /// away from zero (kept), negative when they moved toward it (pruned first). Under plain SGD,
        /// <c>theta_T - theta_0 = -lr sum_t grad_t</c>, so this is lr times Sanh's accumulated score
        /// <c>-sum_t grad_t * theta</c> with theta taken at the end. Signed: EMP shifts such scores itself.
        /// </summary>
        AwayFromZero,

        /// <summary><c>sum over the group of |theta - theta_0|</c>: how far the weights moved, in either direction.</summary>
        Magnitude,
    }

    /// <summary>
    /// Movement importance (Sanh et al. 2020; docs/equations.md section 4): scores each neuron's group (fan-in row and bias)
    /// by how its weights changed since a reference snapshot taken with <see cref="Snapshot"/> (e.g. the pretrained
    /// weights before fine-tuning). See <see cref="MovementScore"/> for the two readings; the default is
    /// <see cref="MovementScore.AwayFromZero"/>.
    /// </summary>
    public sealed class MovementCriterion : IImportanceCriterion
    {
        private readonly Dictionary<Linear, (Tensor Weight, Tensor? Bias)> _snapshots = LinearGroups.NewStateTable<(Tensor, Tensor?)>();

        /// <summary>Creates the criterion.</summary>
        /// <param name="mode">How movement becomes a score.</param>
        public MovementCriterion(MovementScore mode = MovementScore.AwayFromZero)
        {
            if (mode != MovementScore.AwayFromZero && mode != MovementScore.Magnitude)
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown MovementScore.");
            Mode = mode;
        }

        /// <summary>How movement becomes a score.</summary>
        public MovementScore Mode { get; }

        /// <inheritdoc />
        public string Name => Mode == MovementScore.AwayFromZero ? "movement" : "movement-magnitude";

        /// <summary>
        /// Records <paramref name="layer"/>'s current weight and bias (float64 copies) as the reference
        /// <c>theta_0</c>, replacing any earlier snapshot of that layer.
        /// </summary>
        /// <param name="layer">The layer.</param>
        public void Snapshot(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            using var _ = no_grad();
            var w0 = LinearGroups.F64(weight).clone();
            var b0 = layer.bias is null ? null : LinearGroups.F64(layer.bias).clone();
            if (_snapshots.TryGetValue(layer, out var old))
            {
                old.Weight.Dispose();
                old.Bias?.Dispose();
            }
            _snapshots[layer] = (w0, b0);
        }

        /// <summary>Whether <paramref name="layer"/> has a reference snapshot.</summary>
        /// <param name="layer">The layer.</param>
        public bool HasSnapshot(Linear layer) => layer is not null && _snapshots.ContainsKey(layer);

        /// <inheritdoc />
        public Tensor Score(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            if (!_snapshots.TryGetValue(layer, out var snapshot))
                throw new InvalidOperationException($"{Name}: this layer has no reference snapshot; call Snapshot(layer) before training, then Score after.");
            if (!snapshot.Weight.shape.AsSpan().SequenceEqual(weight.shape))
                throw new InvalidOperationException(
                    $"{Name}: the layer's weight shape [{string.Join(", ", weight.shape)}] differs from its snapshot's [{string.Join(", ", snapshot.Weight.shape)}]; take a new Snapshot.");
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var w = LinearGroups.F64(weight);
            var b = layer.bias is not null && snapshot.Bias is not null ? LinearGroups.F64(layer.bias) : null;
            var dw = w - snapshot.Weight;
            var db = b is null ? null : b - snapshot.Bias!;
            var score = Mode == MovementScore.AwayFromZero
                ? LinearGroups.RowSum(dw * w, db is null ? null : db * b!)
                : LinearGroups.RowSum(dw.abs(), db?.abs());
            return score.MoveToOuterDisposeScope();
        }

        /// <summary>Forgets every snapshot.</summary>
        public void Reset()
        {
            foreach (var s in _snapshots.Values)
            {
                s.Weight.Dispose();
                s.Bias?.Dispose();
            }
            _snapshots.Clear();
        }
    }
}
