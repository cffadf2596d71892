using System;
using System.Collections.Generic;
using PruneDsl.Game;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Scores given from outside, one vector per layer: the game's participations <c>s</c> ("Pruning as a Game"), the
    /// population masses of selection dynamics, or any other per-neuron mass. The vector is read when
    /// <see cref="Score"/> is called (not copied when registered), so a participation buffer the game keeps updating is
    /// scored as it stands.
    /// </summary>
    public sealed class ParticipationCriterion : IImportanceCriterion
    {
        private readonly Dictionary<Linear, Tensor> _scores = LinearGroups.NewStateTable<Tensor>();

        /// <summary>Creates the criterion with no vectors; add them with <see cref="Set"/>.</summary>
        public ParticipationCriterion()
        {
        }

        /// <summary>Creates the criterion scoring each gated layer by its participations.</summary>
        /// <param name="layers">The game's layers (e.g. <c>IParticipationModel.ParticipationLayers</c>).</param>
        public ParticipationCriterion(IEnumerable<ParticipationLayer> layers)
        {
            if (layers is null) throw new ArgumentNullException(nameof(layers));
            foreach (var layer in layers) Set(layer.Layer, layer.Participation);
        }

        /// <inheritdoc />
        public string Name => "participation";

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
                throw new InvalidOperationException($"{Name}: no score vector was registered for this layer; call Set(layer, scores) first.");
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
