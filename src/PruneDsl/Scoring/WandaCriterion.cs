using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language Models"): weight
    /// <c>W_ij</c> matters as <c>|W_ij| ||X_j||_2</c>, where <c>||X_j||_2</c> is the L2 norm of input feature j over every
    /// input row the layer has seen. A neuron's score is the sum over its row, <c>sum_j |W_ij| ||X_j||_2</c> (the bias,
    /// whose input is the constant 1, is not part of Wanda's score).
    /// </summary>
    /// <remarks>
    /// Inputs are gathered either by <see cref="Attach"/> (a forward pre-hook; hooks run only through
    /// <c>module.call(x)</c>, not <c>forward(x)</c>) or by passing them to <see cref="Accumulate"/>. No gradients are
    /// needed, so calibration batches can run under <c>no_grad()</c>. Dispose the criterion to remove its hooks.
    /// </remarks>
    public sealed class WandaCriterion : IAccumulatingCriterion, IDisposable
    {
        private readonly Dictionary<Linear, State> _states = LinearGroups.NewStateTable<State>();
        private readonly List<Hook> _hooks = new List<Hook>();

        /// <inheritdoc />
        public string Name => "wanda";

        /// <summary>
        /// Installs a forward pre-hook on <paramref name="layer"/> that accumulates every input it is called with.
        /// Dispose the returned handle (or this criterion) to remove the hook.
        /// </summary>
        /// <param name="layer">The layer whose inputs to record.</param>
        public IDisposable Attach(Linear layer)
        {
            LinearGroups.Weight(layer, Name);
            var remover = layer.register_forward_pre_hook((module, input) =>
            {
                Accumulate(layer, input);
                return input;
            });
            var hook = new Hook(remover.remove, this);
            _hooks.Add(hook);
            return hook;
        }

        /// <summary>
        /// Adds one batch of inputs of <paramref name="layer"/>: any shape whose last dimension is in_features (all
        /// leading dimensions are rows). Accumulates the per-feature sum of squares in float64.
        /// </summary>
        /// <param name="layer">The layer the inputs feed.</param>
        /// <param name="input">The inputs, shape [..., in_features].</param>
        public void Accumulate(Linear layer, Tensor input)
        {
            var weight = LinearGroups.Weight(layer, Name);
            if (input is null) throw new ArgumentNullException(nameof(input));
            var features = weight.shape[1];
            if (input.dim() < 1 || input.shape[input.dim() - 1] != features)
                throw new ArgumentException(
                    $"{Name}: the input's last dimension must be the layer's in_features ({features}); got shape [{string.Join(", ", input.shape)}].",
                    nameof(input));
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var rows = input.detach().reshape(-1, features).to(ScalarType.Float64);
            var squares = rows.square().sum(dim: 0); // named: a literal 0 would bind to sum(ScalarType)
            if (_states.TryGetValue(layer, out var state))
            {
                state.SumOfSquares.add_(squares.to(state.SumOfSquares.device));
                state.Batches++;
                state.Rows += rows.shape[0];
            }
            else
            {
                _states[layer] = new State(squares.DetachFromDisposeScope(), rows.shape[0]);
            }
        }

        /// <summary>Does nothing: Wanda records its inputs during the forward pass (see <see cref="Attach"/>), not from gradients.</summary>
        /// <param name="layer">The layer.</param>
        public void Observe(Linear layer) => LinearGroups.Weight(layer, Name);

        /// <summary>How many batches of inputs have been accumulated for <paramref name="layer"/>.</summary>
        /// <param name="layer">The layer.</param>
        public long ObservedBatches(Linear layer) => layer is not null && _states.TryGetValue(layer, out var s) ? s.Batches : 0;

        /// <summary>How many input rows (tokens, samples) have been accumulated for <paramref name="layer"/>.</summary>
        /// <param name="layer">The layer.</param>
        public long ObservedRows(Linear layer) => layer is not null && _states.TryGetValue(layer, out var s) ? s.Rows : 0;

        /// <summary><c>||X_j||_2</c> for every input feature of <paramref name="layer"/>, shape [in_features], float64.</summary>
        /// <param name="layer">A layer with accumulated inputs.</param>
        public Tensor InputNorms(Linear layer)
        {
            LinearGroups.Weight(layer, Name);
            if (!_states.TryGetValue(layer, out var state))
                throw new InvalidOperationException(
                    $"{Name}: no inputs were recorded for this layer. Attach(layer) and run calibration batches through model.call(x), or pass them to Accumulate, before scoring.");
            using var _ = no_grad();
            return state.SumOfSquares.sqrt();
        }

        /// <inheritdoc />
        public Tensor Score(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var norms = InputNorms(layer).to(weight.device);
            var score = (LinearGroups.F64(weight).abs() * norms.unsqueeze(0)).sum(1);
            return score.MoveToOuterDisposeScope();
        }

        /// <summary>Forgets every accumulated input (installed hooks stay).</summary>
        public void Reset()
        {
            foreach (var s in _states.Values) s.SumOfSquares.Dispose();
            _states.Clear();
        }

        /// <summary>Removes every hook this criterion installed and forgets the accumulated inputs.</summary>
        public void Dispose()
        {
            foreach (var hook in _hooks.ToArray()) hook.Dispose();
            Reset();
        }

        private sealed class State
        {
            public State(Tensor sumOfSquares, long rows)
            {
                SumOfSquares = sumOfSquares;
                Rows = rows;
                Batches = 1;
            }

            public Tensor SumOfSquares { get; }

            public long Batches { get; set; }

            public long Rows { get; set; }
        }

        private sealed class Hook : IDisposable
        {
            private readonly Action _remove;
            private readonly WandaCriterion _owner;
            private bool _removed;

            public Hook(Action remove, WandaCriterion owner)
            {
                _remove = remove;
                _owner = owner;
            }

            public void Dispose()
            {
                if (_removed) return;
                _removed = true;
                _remove();
                _owner._hooks.Remove(this);
            }
        }
    }
}
