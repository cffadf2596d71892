using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Optimal Brain Damage with a diagonal Fisher (docs/equations.md section 4): the loss change of removing weight q is
    /// <c>theta_q^2 H_qq / 2</c>, with the Hessian diagonal replaced by the empirical Fisher
    /// <c>F_q = mean over observed batches of (dL/dtheta_q)^2</c> (squared mini-batch gradients). A neuron's score is
    /// the sum over its group (fan-in row and bias): <c>sum_j theta_ij^2 F_ij / 2 + b_i^2 F_b_i / 2</c>. A channel's group
    /// is slice c of every member tensor of its space (producer filters and biases, normalizer affine entries, depthwise
    /// filters), each with its own Fisher diagonal.
    /// </summary>
    public sealed class FisherCriterion : IAccumulatingCriterion
    {
        private readonly Dictionary<Linear, State> _states = LinearGroups.NewStateTable<State>();
        private readonly Dictionary<ChannelGroups, Tensor[]> _groupSums = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<ChannelGroups, long> _groupBatches = new(ReferenceEqualityComparer.Instance);

        /// <inheritdoc />
        public IDisposable Attach(ChannelGroups groups) => groups?.SingleLinear is { } linear ? Attach(linear) : LinearGroups.NoHook;

        /// <inheritdoc />
        public void Observe(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear)
            {
                Observe(linear);
                return;
            }
            using var _ = no_grad();
            var tensors = groups.Tensors().Select(t => t.Tensor).ToArray();
            var squares = tensors.Select(t => t.grad is { } g ? LinearGroups.F64(g).square() : zeros(t.shape, dtype: ScalarType.Float64, device: t.device)).ToArray();
            if (_groupSums.TryGetValue(groups, out var sums))
            {
                for (var i = 0; i < sums.Length; i++)
                {
                    if (!sums[i].shape.AsSpan().SequenceEqual(squares[i].shape))
                        throw new InvalidOperationException($"{Name}: the shapes of channel space '{groups.Name}' changed since the last Observe; call Reset() first.");
                    sums[i].add_(squares[i]);
                    squares[i].Dispose();
                }
                _groupBatches[groups]++;
            }
            else
            {
                if (tensors.All(t => t.grad is null))
                    throw new InvalidOperationException(
                        $"{Name}: channel space '{groups.Name}' has no gradient. Call Observe after loss.backward() and before the optimizer zeroes the gradients.");
                _groupSums[groups] = squares;
                _groupBatches[groups] = 1;
            }
        }

        /// <inheritdoc />
        public long ObservedBatches(ChannelGroups groups) =>
            groups?.SingleLinear is { } linear ? ObservedBatches(linear) : groups is not null && _groupBatches.TryGetValue(groups, out var n) ? n : 0;

        /// <inheritdoc />
        public Tensor Score(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear) return Score(linear);
            if (!_groupSums.TryGetValue(groups, out var sums))
                throw new InvalidOperationException(
                    $"{Name}: no batch was observed for the channel space '{groups.Name}'. Call Observe(groups) after loss.backward() on at least one batch before scoring.");
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var n = (double)_groupBatches[groups];
            Tensor? score = null;
            var i = 0;
            foreach (var (_, t, _) in groups.Tensors())
            {
                var part = ChannelScoring.RowSums(LinearGroups.F64(t).square() * sums[i++] / (2 * n));
                score = score is null ? part : score.add_(part);
            }
            return score!.MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        public string Name => "obd-fisher";

        /// <inheritdoc />
        /// <remarks>Gradients need no hook: returns a handle that does nothing.</remarks>
        public IDisposable Attach(Linear layer)
        {
            LinearGroups.Weight(layer, Name);
            return LinearGroups.NoHook;
        }

        /// <inheritdoc />
        public void Observe(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            var grad = weight.grad ?? throw new InvalidOperationException(
                $"{Name}: the layer's weight has no gradient. Call Observe after loss.backward() and before the optimizer zeroes the gradients.");
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var gw = LinearGroups.F64(grad).square();
            var bias = layer.bias;
            Tensor? gb = bias is null ? null
                : bias.grad is not null ? LinearGroups.F64(bias.grad).square()
                : zeros(bias.shape[0], dtype: ScalarType.Float64, device: bias.device);
            if (_states.TryGetValue(layer, out var state))
            {
                if (!state.WeightSum.shape.AsSpan().SequenceEqual(gw.shape))
                    throw new InvalidOperationException($"{Name}: the layer's weight shape changed since the last Observe; call Reset() first.");
                state.WeightSum.add_(gw);
                if (state.BiasSum is not null && gb is not null) state.BiasSum.add_(gb);
                state.Batches++;
            }
            else
            {
                _states[layer] = new State(gw.DetachFromDisposeScope(), gb?.DetachFromDisposeScope());
            }
        }

        /// <inheritdoc />
        public long ObservedBatches(Linear layer) => layer is not null && _states.TryGetValue(layer, out var s) ? s.Batches : 0;

        /// <summary>
        /// The diagonal Fisher of <paramref name="layer"/>'s weight, <c>F = mean over batches of grad^2</c>, shape
        /// [out, in], float64 (a new tensor).
        /// </summary>
        /// <param name="layer">An observed layer.</param>
        public Tensor WeightFisher(Linear layer)
        {
            var state = Get(layer);
            using var _ = no_grad();
            return state.WeightSum / (double)state.Batches;
        }

        /// <inheritdoc />
        public Tensor Score(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            var state = Get(layer);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var n = (double)state.Batches;
            var perWeight = LinearGroups.F64(weight).square() * state.WeightSum / (2 * n);
            Tensor? perBias = layer.bias is not null && state.BiasSum is not null
                ? LinearGroups.F64(layer.bias).square() * state.BiasSum / (2 * n)
                : null;
            return LinearGroups.RowSum(perWeight, perBias).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        public void Reset()
        {
            foreach (var s in _states.Values)
            {
                s.WeightSum.Dispose();
                s.BiasSum?.Dispose();
            }
            foreach (var t in _groupSums.Values.SelectMany(x => x)) t.Dispose();
            _states.Clear();
            _groupSums.Clear();
            _groupBatches.Clear();
        }

        private State Get(Linear layer)
        {
            LinearGroups.Weight(layer, Name);
            return _states.TryGetValue(layer, out var state)
                ? state
                : throw new InvalidOperationException(
                    $"{Name}: no batch was observed for this layer. Call Observe(layer) after loss.backward() on at least one batch before scoring.");
        }

        private sealed class State
        {
            public State(Tensor weightSum, Tensor? biasSum)
            {
                WeightSum = weightSum;
                BiasSum = biasSum;
                Batches = 1;
            }

            public Tensor WeightSum { get; }

            public Tensor? BiasSum { get; }

            public long Batches { get; set; }
        }
    }
}
