using System;
using PruneDsl.Game;
using PruneDsl.Graph;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// First-order Taylor importance (Molchanov et al.): the loss change when a neuron's group <c>theta_i</c> (fan-in
    /// row and bias) is removed is approximately <c>|&lt;grad_theta_i L, theta_i&gt;|</c>. The score is the mean over the
    /// observed batches of that per-batch absolute value: taking the absolute value per batch keeps batches whose inner
    /// products have opposite signs from cancelling. The bias term counts when the bias has a gradient. For a channel space
    /// the per-batch quantity is <see cref="ChannelGroups.Inner"/>, <c>s_c dL/ds_c</c> summed over the gate sites: the
    /// first-order loss change of removing channel c (for one Linear the same number).
    /// </summary>
    public sealed class TaylorCriterion : IAccumulatingCriterion
    {
        private readonly Dictionary<Linear, State> _states = LinearGroups.NewStateTable<State>();
        private readonly Dictionary<ChannelGroups, State> _groupStates = new(ReferenceEqualityComparer.Instance);

        /// <inheritdoc />
        public string Name => "taylor-fo";

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
            LinearGroups.Weight(layer, Name);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var inner = GroupGradients.Inner(layer, Name, ObserveCaller);
            Accumulate(_states, layer, inner);
        }

        private const string ObserveCaller = "Observe (call it after loss.backward(), before the optimizer zeroes the gradients)";

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
            using var scope = NewDisposeScope();
            Accumulate(_groupStates, groups, groups.Inner(ObserveCaller));
        }

        /// <inheritdoc />
        public long ObservedBatches(ChannelGroups groups) =>
            groups?.SingleLinear is { } linear ? ObservedBatches(linear) : groups is not null && _groupStates.TryGetValue(groups, out var s) ? s.Batches : 0;

        /// <inheritdoc />
        public Tensor Score(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear) return Score(linear);
            if (!_groupStates.TryGetValue(groups, out var state))
                throw new InvalidOperationException(
                    $"{Name}: no batch was observed for the channel space '{groups.Name}'. Call Observe(groups) after loss.backward() on at least one batch before scoring.");
            using var _ = no_grad();
            return state.Sum / (double)state.Batches;
        }

        private void Accumulate<TKey>(Dictionary<TKey, State> states, TKey key, Tensor inner) where TKey : notnull
        {
            var magnitude = inner.to(ScalarType.Float64).abs_();
            if (states.TryGetValue(key, out var state))
            {
                if (state.Sum.shape[0] != magnitude.shape[0])
                    throw new InvalidOperationException($"{Name}: the layer's output size changed from {state.Sum.shape[0]} to {magnitude.shape[0]} since the last Observe; call Reset() first.");
                state.Sum.add_(magnitude);
                state.Batches++;
            }
            else
            {
                states[key] = new State(magnitude.DetachFromDisposeScope());
            }
        }

        /// <inheritdoc />
        public long ObservedBatches(Linear layer) => layer is not null && _states.TryGetValue(layer, out var s) ? s.Batches : 0;

        /// <inheritdoc />
        /// <remarks>The mean over observed batches of <c>|&lt;grad_theta_i L, theta_i&gt;|</c>.</remarks>
        public Tensor Score(Linear layer)
        {
            LinearGroups.Weight(layer, Name);
            if (!_states.TryGetValue(layer, out var state))
                throw new InvalidOperationException(
                    $"{Name}: no batch was observed for this layer. Call Observe(layer) after loss.backward() on at least one batch before scoring.");
            using var _ = no_grad();
            return state.Sum / (double)state.Batches;
        }

        /// <inheritdoc />
        public void Reset()
        {
            foreach (var s in _states.Values) s.Sum.Dispose();
            foreach (var s in _groupStates.Values) s.Sum.Dispose();
            _states.Clear();
            _groupStates.Clear();
        }

        private sealed class State
        {
            public State(Tensor sum)
            {
                Sum = sum;
                Batches = 1;
            }

            public Tensor Sum { get; }

            public long Batches { get; set; }
        }
    }
}
