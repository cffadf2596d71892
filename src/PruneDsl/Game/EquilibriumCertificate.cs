using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// How far a run ended from an equilibrium: for every group, the utility its best response (Eq. 14) would gain over
    /// its current participation with every other participation held fixed. A layer whose largest gain is at most
    /// epsilon ended at an epsilon-equilibrium of its game.
    /// </summary>
    /// <param name="Layers">One line per gated layer.</param>
    public sealed record EquilibriumCertificate(IReadOnlyList<LayerCertificate> Layers)
    {
        /// <summary>The largest gain over all layers.</summary>
        public double MaxGain => Layers.Count == 0 ? 0 : Layers.Max(l => l.MaxGain);

        /// <summary>
        /// Computes the certificate from the gradients currently on the model's layers (the caller averages them over
        /// enough batches first, e.g. <see cref="Training.GameTrainer"/> does).
        /// </summary>
        /// <param name="model">The gated model.</param>
        public static EquilibriumCertificate FromCurrentGradients(IParticipationModel model)
        {
            var lines = new List<LayerCertificate>();
            foreach (var layer in model.ParticipationLayers)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var cost = layer.Cost;
                var benefit = GameEquations.Benefit(layer.GroupInner(), cost.Benefit);
                var normSquared = layer.GroupNormSquared();
                var competition = cost.Eta != 0 ? layer.CompetitionTerm(normSquared) : null;
                var best = GameEquations.BestResponse(benefit, normSquared, competition, cost);
                var gain = GameEquations.Utility(best, benefit, normSquared, competition, cost)
                    - GameEquations.Utility(layer.Participation, benefit, normSquared, competition, cost);
                gain = gain.clamp_min(0); // the best response is optimal up to rounding
                var movers = best.sub(layer.Participation).abs().gt(cost.Epsilon).sum().item<long>();
                lines.Add(new LayerCertificate(layer.Name, gain.max().item<float>(), gain.mean().item<float>(), (int)movers));
            }
            return new EquilibriumCertificate(lines);
        }
    }

    /// <summary>The certificate of one layer.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="MaxGain">The largest utility gain of a best response.</param>
    /// <param name="MeanGain">The mean gain over the layer's groups.</param>
    /// <param name="GroupsThatWouldMove">Groups whose best response differs from their participation by more than epsilon.</param>
    public sealed record LayerCertificate(string Layer, double MaxGain, double MeanGain, int GroupsThatWouldMove);
}
