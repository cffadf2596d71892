using System;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Game;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using static TorchSharp.torch;

namespace PruneDsl.Pruning
{
    /// <summary>
    /// Scores a gated layer's groups with a <see cref="PruneSpec"/>'s criterion, decides the keep set with its threshold
    /// (EMP with its bound check, or a target sparsity), and records it on the layer so that <see cref="IGroupGate.HardPrune"/>
    /// and compaction honour it. Accumulating criteria are scored by <see cref="CriterionPruner"/>, which observes batches.
    /// </summary>
    public static class CriterionPruning
    {
        /// <summary>
        /// The scores of <paramref name="gate"/>'s groups under <paramref name="spec"/>'s criterion, one per group.
        /// <see cref="Criterion.Gate"/> and the magnitude criteria need nothing else; Taylor, Fisher and Wanda take the
        /// <paramref name="observed"/> criterion that watched the batches.
        /// </summary>
        /// <param name="gate">The gated layer.</param>
        /// <param name="spec">Its settings.</param>
        /// <param name="observed">For accumulating criteria: the criterion instance that observed this layer.</param>
        public static double[] Score(IGroupGate gate, PruneSpec spec, IImportanceCriterion? observed = null)
        {
            if (gate is null) throw new ArgumentNullException(nameof(gate));
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            spec.EnsureValid(gate.Name);
            switch (spec.Criterion)
            {
                case Criterion.Gate:
                    return ScoreRanking.ToArray(gate.Gate);
                case Criterion.MagnitudeL1:
                    return ScoreWith(MagnitudeCriterion.L1, gate);
                case Criterion.MagnitudeL2:
                    return ScoreWith(MagnitudeCriterion.L2, gate);
                default:
                    if (observed is null)
                        throw new InvalidOperationException(
                            $"Layer '{gate.Name}': the {spec.Criterion} criterion accumulates over batches; use CriterionPruner (Observe() after loss.backward() on a few batches, then Apply()) or its Run overload that takes calibration data.");
                    return ScoreWith(observed, gate);
            }
        }

        /// <summary>
        /// Decides the keep set of <paramref name="gate"/> from <paramref name="scores"/> with <paramref name="spec"/>'s
        /// threshold, records it on the layer (<c>Keep</c>) and reports it. <see cref="PruneThreshold.Default"/> is the method's
        /// own rule: <c>s_i &gt;= Epsilon</c> for the game (Gate criterion only), the layer's TargetSparsity for evolution.
        /// </summary>
        /// <param name="gate">A <see cref="ParticipationLayer"/> or <see cref="PopulationLayer"/>.</param>
        /// <param name="spec">Its settings.</param>
        /// <param name="scores">One score per group, from <see cref="Score"/>.</param>
        public static LayerPruneReport Apply(IGroupGate gate, PruneSpec spec, double[] scores)
        {
            if (gate is null) throw new ArgumentNullException(nameof(gate));
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            if (scores is null) throw new ArgumentNullException(nameof(scores));
            spec.EnsureValid(gate.Name);
            if (scores.Length != gate.Count)
                throw new ArgumentException($"Layer '{gate.Name}' has {gate.Count} groups but {scores.Length} scores were given.", nameof(scores));

            KeepDecision decision;
            string thresholdName;
            switch (spec.Threshold)
            {
                case PruneThreshold.Effective:
                    var emp = new EffectiveModelPruning(spec.Beta);
                    decision = emp.Select(scores);
                    thresholdName = emp.Name;
                    break;
                case PruneThreshold.TargetSparsity:
                    var target = new TargetSparsity(spec.Sparsity);
                    decision = target.Select(scores);
                    thresholdName = target.Name;
                    break;
                default:
                    (decision, thresholdName) = DefaultDecision(gate, spec, scores);
                    break;
            }

            switch (gate)
            {
                case ParticipationLayer p: p.Keep(decision); break;
                case PopulationLayer m: m.Keep(decision); break;
                default:
                    throw new ArgumentException(
                        $"Layer '{gate.Name}' is a {gate.GetType().Name}; [Prune] applies to ParticipationLayer and PopulationLayer gates.", nameof(gate));
            }

            var e = decision as EffectiveModelPruningResult;
            return new LayerPruneReport(gate.Name, spec.Criterion, spec.Threshold, thresholdName, decision.Count, decision.KeptCount,
                e?.EffectiveSampleSize, e?.RetainedMass, e?.LowerBound, decision);
        }

        /// <summary>Scores and applies a non-accumulating criterion in one call.</summary>
        /// <param name="gate">The gated layer.</param>
        /// <param name="spec">Its settings (Gate, MagnitudeL1 or MagnitudeL2).</param>
        public static LayerPruneReport Apply(IGroupGate gate, PruneSpec spec) => Apply(gate, spec, Score(gate, spec));

        private static double[] ScoreWith(IImportanceCriterion criterion, IGroupGate gate)
        {
            using var score = criterion.Score(gate.Layer);
            return ScoreRanking.ToArray(score);
        }

        private static (KeepDecision, string) DefaultDecision(IGroupGate gate, PruneSpec spec, double[] scores)
        {
            switch (gate)
            {
                case PopulationLayer m:
                    var target = new TargetSparsity(m.Spec.TargetSparsity);
                    return (target.Select(scores), target.Name);
                case ParticipationLayer p:
                    if (spec.Criterion != Criterion.Gate)
                        throw new ArgumentException(
                            $"Layer '{gate.Name}': PruneThreshold.Default for the game keeps s_i >= Epsilon, which only means something for Criterion.Gate, not {spec.Criterion}. Use PruneThreshold.Effective or PruneThreshold.TargetSparsity.",
                            nameof(spec));
                    // The game's own rule, in the participations' dtype exactly as ParticipationLayer applies it.
                    using (var kept = p.Participation.ge(p.Cost.Epsilon))
                    using (var cpu = kept.cpu())
                        return (new KeepDecision(cpu.data<bool>().ToArray()), FormattableString.Invariant($"participation>=epsilon({p.Cost.Epsilon:R})"));
                default:
                    throw new ArgumentException(
                        $"Layer '{gate.Name}' is a {gate.GetType().Name}; PruneThreshold.Default is defined for ParticipationLayer and PopulationLayer only.", nameof(gate));
            }
        }
    }
}
