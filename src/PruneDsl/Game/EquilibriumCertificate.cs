using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// How far a run ended from an equilibrium, measured two ways.
    /// <list type="bullet">
    /// <item>Under the game's own benefit (<c>s_i dL/ds_i</c>, see <see cref="GameEquations"/>): for every group, the
    /// utility its best response (Eq. 14) would gain over its current participation with every other participation held
    /// fixed. A layer whose largest gain is at most epsilon ended at an epsilon-equilibrium of the game as implemented.
    /// That benefit is 0 at <c>s_i = 0</c>, so under it a pruned group's best response is always its 0.</item>
    /// <item>For the pruned groups, from the true marginal <c>dL/ds_i</c> (the gradient through the gate, which does not
    /// vanish at 0): the right-derivative of the group's utility at 0, <c>alpha b(dL/ds_i) - gamma - eta c_i</c> with the
    /// layer's <see cref="BenefitSign"/> reading (<see cref="GameEquations.SlopeAtZero"/>). A positive slope means the
    /// group would gain by re-entering: its 0 is an equilibrium only because the game's benefit cannot see it. The marginal
    /// is taken at the current participations: for the groups the game drove to 0, just above 0 (s = 1e-12, where autograd
    /// gives the right-derivative at 0; at exactly 0 a following ReLU, whose derivative at 0 autograd takes as 0, would
    /// report 0 whatever the loss); for a group between 0 and epsilon, at its value.</item>
    /// </list>
    /// </summary>
    /// <param name="Layers">One line per gated layer.</param>
    public sealed record EquilibriumCertificate(IReadOnlyList<LayerCertificate> Layers)
    {
        /// <summary>The largest gain under the game's own benefit, over all layers.</summary>
        public double MaxGain => Layers.Count == 0 ? 0 : Layers.Max(l => l.MaxGain);

        /// <summary>Pruned groups over all layers (those the certificate tested for re-entry).</summary>
        public int PrunedGroups => Layers.Sum(l => l.PrunedGroups);

        /// <summary>Pruned groups, over all layers, whose utility slope at 0 under the true marginal is positive.</summary>
        public int PrunedThatWouldReenter => Layers.Sum(l => l.PrunedThatWouldReenter);

        /// <summary>The largest utility slope at 0 of a pruned group over all layers (NaN when nothing is pruned).</summary>
        public double MaxReentrySlope => Layers.Where(l => l.PrunedGroups > 0).Select(l => l.MaxReentrySlope).DefaultIfEmpty(double.NaN).Max();

        /// <summary>The largest utility gain of a pruned group's best response under the true marginal (0 when none would re-enter).</summary>
        public double MaxReentryGain => Layers.Count == 0 ? 0 : Layers.Max(l => l.MaxReentryGain);

        /// <summary>
        /// Measures the certificate: runs <paramref name="backwardPasses"/> with every gate measuring the true marginal
        /// <c>dL/ds_i</c> (the participations go through a leaf copy that requires grad for these passes only, with the
        /// groups at 0 lifted to 1e-12, which changes the outputs only by rounding), then computes
        /// both parts from the gradients the passes leave on the weights and on the gates.
        /// </summary>
        /// <param name="model">The gated model.</param>
        /// <param name="backwardPasses">
        /// Runs the model (forward with its gates, then <c>loss.backward()</c>) on the batches to certify over, accumulating
        /// their average: scale each batch's loss by 1/batches. The weight gradients must be zero before it runs (e.g.
        /// <see cref="Training.GameTrainer"/> zeroes them) and are left for the caller to zero.
        /// </param>
        public static EquilibriumCertificate Measure(IParticipationModel model, Action backwardPasses)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (backwardPasses is null) throw new ArgumentNullException(nameof(backwardPasses));
            var layers = model.ParticipationLayers;
            var marginals = new List<Tensor>();
            var started = new List<ParticipationLayer>();
            try
            {
                foreach (var layer in layers)
                {
                    layer.StartMarginal();
                    started.Add(layer);
                }
                backwardPasses();
                foreach (var layer in layers) marginals.Add(layer.Marginal().DetachFromDisposeScope());
            }
            finally
            {
                foreach (var layer in started) layer.StopMarginal();
            }
            try
            {
                return new EquilibriumCertificate(layers.Select((layer, i) => Certify(layer, marginals[i])).ToList());
            }
            finally
            {
                foreach (var m in marginals) m.Dispose();
            }
        }

        private static LayerCertificate Certify(ParticipationLayer layer, Tensor marginal)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var cost = layer.Cost;
            var s = layer.Participation;
            var normSquared = layer.GroupNormSquared();
            var competition = cost.Eta != 0 ? layer.CompetitionTerm(normSquared) : null;

            // The game as implemented: benefit from s_i dL/ds_i.
            var benefit = GameEquations.Benefit(layer.GroupInner(), cost.Benefit);
            var best = GameEquations.BestResponse(benefit, normSquared, competition, cost);
            var gain = GameEquations.Utility(best, benefit, normSquared, competition, cost)
                - GameEquations.Utility(s, benefit, normSquared, competition, cost);
            gain = gain.clamp_min(0); // the best response is optimal up to rounding
            var movers = best.sub(s).abs().gt(cost.Epsilon).sum().item<long>();

            // The pruned groups under the true marginal: slope of U_i at 0, and the gain of the best response over 0
            // (U_i(0) = 0).
            var pruned = layer.PrunedMask();
            var prunedCount = (int)pruned.sum().item<long>();
            var trueBenefit = GameEquations.Benefit(marginal.to(s.dtype), cost.Benefit);
            var slope = GameEquations.SlopeAtZero(trueBenefit, competition, cost);
            var entry = GameEquations.BestResponse(trueBenefit, normSquared, competition, cost);
            var entryGain = GameEquations.Utility(entry, trueBenefit, normSquared, competition, cost).clamp_min(0);
            var reenter = pruned.logical_and(slope.gt(0));
            var reenterCount = (int)reenter.sum().item<long>();
            var maxSlope = prunedCount == 0 ? double.NaN : slope.masked_select(pruned).max().to(float64).item<double>();
            var maxEntryGain = reenterCount == 0 ? 0 : entryGain.masked_select(reenter).max().to(float64).item<double>();

            return new LayerCertificate(layer.Name, gain.max().to(float64).item<double>(), gain.mean().to(float64).item<double>(), (int)movers,
                prunedCount, reenterCount, maxSlope, maxEntryGain);
        }
    }

    /// <summary>The certificate of one layer.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="MaxGain">The largest utility gain of a best response under the game's own benefit.</param>
    /// <param name="MeanGain">The mean of that gain over the layer's groups.</param>
    /// <param name="GroupsThatWouldMove">Groups whose best response (game's benefit) differs from their participation by more than epsilon.</param>
    /// <param name="PrunedGroups">Groups below epsilon (or pruned by a recorded keep decision): those tested for re-entry.</param>
    /// <param name="PrunedThatWouldReenter">
    /// Pruned groups whose utility slope at 0 under the true marginal <c>dL/ds_i</c> is positive: they would gain by
    /// re-entering.
    /// </param>
    /// <param name="MaxReentrySlope">
    /// The largest of those slopes over the pruned groups (negative when none would re-enter: the margin by which the
    /// costs keep them out); NaN when the layer has no pruned group.
    /// </param>
    /// <param name="MaxReentryGain">
    /// The largest utility gain of a pruned group's best response under the true marginal, over staying at 0 (0 when none
    /// would re-enter).
    /// </param>
    public sealed record LayerCertificate(string Layer, double MaxGain, double MeanGain, int GroupsThatWouldMove,
        int PrunedGroups, int PrunedThatWouldReenter, double MaxReentrySlope, double MaxReentryGain);
}
