using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Graph;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language Models"): weight
    /// <c>W_ij</c> matters as <c>|W_ij| ||X_j||_2</c>, where <c>||X_j||_2</c> is the L2 norm of input feature j over every
    /// input row the layer has seen. A neuron's score is the sum over its row, <c>sum_j |W_ij| ||X_j||_2</c> (the bias,
    /// whose input is the constant 1, is not part of Wanda's score). For a channel space the same holds per filter: a
    /// Conv2d's input feature j is one (input channel, kernel row, kernel column) of its unfolded input patches (zero
    /// padding included), so channel c scores <c>sum_j |W_cj| ||X_j||_2</c> over its filter, summed over the space's
    /// producers and depthwise convs (normalizers have no input features of their own and do not count).
    /// </summary>
    /// <remarks>
    /// Inputs are gathered either by <see cref="Attach(Linear)"/> (a forward pre-hook; hooks run only through
    /// <c>module.call(x)</c>, not <c>forward(x)</c>) or by passing them to <see cref="Accumulate(Linear, Tensor)"/>. No gradients are
    /// needed, so calibration batches can run under <c>no_grad()</c>. Dispose the criterion to remove its hooks.
    /// </remarks>
    public sealed class WandaCriterion : IAccumulatingCriterion, IDisposable
    {
        private readonly Dictionary<Linear, State> _states = LinearGroups.NewStateTable<State>();
        private readonly Dictionary<Conv2d, State> _convStates = new(ReferenceEqualityComparer.Instance);

        /// <inheritdoc />
        public IDisposable Attach(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear) return Attach(linear);
            var handles = new List<IDisposable>();
            foreach (var m in groups.Members.Where(m => m.Role != ChannelRole.Normalizer))
            {
                switch (m.Module)
                {
                    case Linear l:
                        handles.Add(Attach(l));
                        break;
                    case Conv2d conv:
                        var remover = conv.register_forward_pre_hook((_, input) =>
                        {
                            Accumulate(conv, input);
                            return input;
                        });
                        var hook = new Hook(remover.remove, this);
                        _hooks.Add(hook);
                        handles.Add(hook);
                        break;
                }
            }
            return new Handles(handles);
        }

        /// <summary>
        /// Adds one batch of inputs of <paramref name="conv"/> ([N, C, H, W]): the sum of squares of every unfolded input
        /// feature (input channel, kernel row, kernel column) over every patch, in float64.
        /// </summary>
        /// <param name="conv">The convolution the inputs feed.</param>
        /// <param name="input">Its input.</param>
        public void Accumulate(Conv2d conv, Tensor input)
        {
            if (conv is null) throw new ArgumentNullException(nameof(conv));
            if (input is null || input.dim() != 4)
                throw new ArgumentException($"{Name}: a Conv2d input must be [N, C, H, W]; got [{string.Join(", ", input?.shape ?? Array.Empty<long>())}].", nameof(input));
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var k = conv.kernel_size;
            var d = conv.dilation;
            var padding = conv.padding_type switch
            {
                Padding.Same => new[] { d[0] * (k[0] - 1) / 2, d[1] * (k[1] - 1) / 2 },
                Padding.Valid => new[] { 0L, 0L },
                _ => conv.padding!,
            };
            var patches = nn.functional.unfold(input.detach().to(ScalarType.Float64), (k[0], k[1]), (d[0], d[1]), (padding[0], padding[1]), (conv.stride[0], conv.stride[1]));
            var squares = patches.square().sum(new long[] { 0, 2 });       // [C * kh * kw]
            var rows = input.shape[0] * patches.shape[2];
            if (_convStates.TryGetValue(conv, out var state))
            {
                state.SumOfSquares.add_(squares);
                state.Batches++;
                state.Rows += rows;
            }
            else
            {
                _convStates[conv] = new State(squares.DetachFromDisposeScope(), rows);
            }
        }

        /// <inheritdoc />
        public void Observe(ChannelGroups groups)
        {
            if (groups?.SingleLinear is { } linear) Observe(linear);
        }

        /// <inheritdoc />
        public long ObservedBatches(ChannelGroups groups)
        {
            if (groups is null) return 0;
            if (groups.SingleLinear is { } linear) return ObservedBatches(linear);
            return groups.Members.Where(m => m.Role != ChannelRole.Normalizer).Select(m => m.Module switch
            {
                Linear l => ObservedBatches(l),
                Conv2d c => _convStates.TryGetValue(c, out var s) ? s.Batches : 0,
                _ => 0,
            }).DefaultIfEmpty(0).Min();
        }

        /// <inheritdoc />
        public Tensor Score(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } single) return Score(single);
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            Tensor? score = null;
            foreach (var m in groups.Members.Where(m => m.Role != ChannelRole.Normalizer))
            {
                Tensor part;
                if (m.Module is Linear l) part = Score(l);
                else
                {
                    var conv = (Conv2d)m.Module;
                    if (!_convStates.TryGetValue(conv, out var state))
                        throw new InvalidOperationException(
                            $"{Name}: no inputs were recorded for '{m.Name}'. Attach(groups) and run calibration batches through model.call(x) before scoring.");
                    var w = LinearGroups.F64(conv.weight!).abs();
                    var norms = state.SumOfSquares.sqrt().to(w.device);
                    // Filter c of a groups-1 conv reads every unfolded feature; filter c of a depthwise conv reads channel c's kh*kw.
                    part = conv.groups == 1
                        ? (w.reshape(w.shape[0], -1) * norms.unsqueeze(0)).sum(1)
                        : (w.reshape(w.shape[0], -1) * norms.view(w.shape[0], -1)).sum(1);
                }
                score = score is null ? part : score.add_(part);
            }
            return score!.MoveToOuterDisposeScope();
        }
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

        /// <summary>Does nothing: Wanda records its inputs during the forward pass (see <see cref="Attach(Linear)"/>), not from gradients.</summary>
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
            foreach (var s in _convStates.Values) s.SumOfSquares.Dispose();
            _states.Clear();
            _convStates.Clear();
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

        private sealed class Handles : IDisposable
        {
            private readonly List<IDisposable> _handles;

            public Handles(List<IDisposable> handles) => _handles = handles;

            public void Dispose()
            {
                foreach (var h in _handles) h.Dispose();
            }
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
