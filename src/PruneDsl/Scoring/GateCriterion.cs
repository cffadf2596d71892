using System;
using System.Collections.Generic;
using PruneDsl.Game;
using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Scores each neuron by its gate (<c>[Prune(Criterion.Gate)]</c>): the game's participations <c>s_i</c> ("Pruning as
    /// a Game"), the population masses <c>m_i</c> of selection dynamics, or any other per-neuron vector given with
    /// <see cref="Set(Linear, Tensor)"/>. The vector is read when <see cref="Score(Linear)"/> is called (not copied when registered), so
    /// a gate that training keeps updating is scored as it stands.
    /// </summary>
    public sealed class GateCriterion : IImportanceCriterion
    {
        private readonly Dictionary<Linear, Tensor> _scores = LinearGroups.NewStateTable<Tensor>();
        private readonly Dictionary<ChannelGroups, Tensor> _groupScores = new(ReferenceEqualityComparer.Instance);

        /// <summary>Creates the criterion with no vectors; add them with <see cref="Set(IGroupGate)"/> or <see cref="Set(Linear, Tensor)"/>.</summary>
        public GateCriterion()
        {
        }

        /// <summary>Creates the criterion scoring each gated layer by its gate values.</summary>
        /// <param name="gates">The gated layers (e.g. <c>IParticipationModel.ParticipationLayers</c>).</param>
        public GateCriterion(IEnumerable<IGroupGate> gates)
        {
            if (gates is null) throw new ArgumentNullException(nameof(gates));
            foreach (var gate in gates) Set(gate);
        }

        /// <inheritdoc />
        public string Name => "gate";

        /// <summary>Registers (or replaces) <paramref name="gate"/>'s layer, scored by its gate values.</summary>
        /// <param name="gate">A participation or population layer.</param>
        public void Set(IGroupGate gate)
        {
            if (gate is null) throw new ArgumentNullException(nameof(gate));
            if (gate.Groups.SingleLinear is { } linear) Set(linear, gate.Gate);
            else _groupScores[gate.Groups] = gate.Gate;
        }

        /// <inheritdoc />
        public Tensor Score(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear) return Score(linear);
            if (!_groupScores.TryGetValue(groups, out var scores))
                throw new InvalidOperationException($"{Name}: no gate was registered for the channel space '{groups.Name}'; call Set(gate) first.");
            if (scores.dim() != 1 || scores.shape[0] != groups.Count)
                throw new InvalidOperationException($"{Name}: the gate of '{groups.Name}' has shape [{string.Join(", ", scores.shape)}] but the space has {groups.Count} channels.");
            using var _ = no_grad();
            return scores.detach().to(ScalarType.Float64).clone();
        }

        /// <summary>Registers (or replaces) the score vector of <paramref name="layer"/>.</summary>
        /// <param name="layer">The layer.</param>
        /// <param name="scores">One score per output neuron, shape [out_features]; referenced, not copied.</param>
        public void Set(Linear layer, Tensor scores)
        {
            var weight = LinearGroups.Weight(layer, Name);
            if (scores is null) throw new ArgumentNullException(nameof(scores));
            CheckShape(weight, scores);
            _scores[layer] = scores;
        }

        /// <inheritdoc />
        public Tensor Score(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            if (!_scores.TryGetValue(layer, out var scores))
                throw new InvalidOperationException($"{Name}: no gate or score vector was registered for this layer; call Set(gate) or Set(layer, scores) first.");
            CheckShape(weight, scores);
            using var _ = no_grad();
            return scores.detach().to(ScalarType.Float64).to(weight.device).clone();
        }

        private void CheckShape(Tensor weight, Tensor scores)
        {
            if (scores.dim() != 1 || scores.shape[0] != weight.shape[0])
                throw new ArgumentException(
                    $"{Name}: the score vector must have shape [{weight.shape[0]}] (one per output neuron); got [{string.Join(", ", scores.shape)}].",
                    nameof(scores));
        }
    }
}
