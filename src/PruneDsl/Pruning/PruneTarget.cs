using System;
using PruneDsl.Evolution;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Pruning
{
    /// <summary>
    /// One layer for a <see cref="CriterionPruner"/>: whose output neurons (groups) are pruned, the criterion that scores
    /// them and the threshold that decides how many survive. A plain Linear layer is pruned by zeroing the pruned rows and
    /// biases; a gated layer (the game's <see cref="ParticipationLayer"/>, evolution's <see cref="PopulationLayer"/>)
    /// records the decision, which <see cref="IGroupGate.HardPrune"/> and compaction then honour.
    /// </summary>
    public sealed class PruneTarget
    {
        /// <summary>A plain Linear layer, pruned by zeroing the weight rows and biases of its pruned neurons.</summary>
        /// <param name="name">The name it is reported under, unique among the targets pruned together (e.g. <c>fc1</c>).</param>
        /// <param name="layer">The layer.</param>
        /// <param name="criterion">How its neurons are scored.</param>
        /// <param name="threshold">How many (and which) are kept.</param>
        public PruneTarget(string name, Linear layer, IImportanceCriterion criterion, IPruningThreshold threshold)
            : this(name ?? throw new ArgumentNullException(nameof(name)), ChannelGroups.ForLinear(name, layer ?? throw new ArgumentNullException(nameof(layer))), null, criterion, threshold, ownsCriterion: false)
        {
        }

        /// <summary>
        /// The channels of an ungated channel space (e.g. <c>model.ChannelPlan.Space("conv1").Groups</c>), pruned by zeroing
        /// slice c of every member tensor of a pruned channel; compaction then needs a gate, so give the space one to shrink it.
        /// </summary>
        /// <param name="name">The name it is reported under.</param>
        /// <param name="groups">The space's groups.</param>
        /// <param name="criterion">How its channels are scored.</param>
        /// <param name="threshold">How many (and which) are kept.</param>
        public PruneTarget(string name, ChannelGroups groups, IImportanceCriterion criterion, IPruningThreshold threshold)
            : this(name ?? throw new ArgumentNullException(nameof(name)), groups ?? throw new ArgumentNullException(nameof(groups)), null, criterion, threshold, ownsCriterion: false)
        {
        }

        /// <summary>A gated layer, pruned by recording the decision on its gate.</summary>
        /// <param name="gate">A <see cref="ParticipationLayer"/> or <see cref="PopulationLayer"/>.</param>
        /// <param name="criterion">How its groups are scored.</param>
        /// <param name="threshold">How many (and which) are kept.</param>
        public PruneTarget(IGroupGate gate, IImportanceCriterion criterion, IPruningThreshold threshold)
            : this(RequireGate(gate).Name, gate.Groups, gate, criterion, threshold, ownsCriterion: false)
        {
        }

        /// <summary>
        /// A gated layer with its <c>[Prune]</c> settings: the one place where a <see cref="PruneDsl.Criterion"/> becomes
        /// its criterion class and a <see cref="PruneDsl.PruneThreshold"/> its threshold. <see cref="PruneThreshold.Default"/>
        /// is the method's own rule: <c>s_i &gt;= Epsilon</c> for the game (with <see cref="PruneDsl.Criterion.Gate"/>
        /// only), the layer's <c>TargetSparsity</c> for evolution.
        /// </summary>
        /// <param name="gate">A <see cref="ParticipationLayer"/> or <see cref="PopulationLayer"/>.</param>
        /// <param name="spec">Its criterion and threshold.</param>
        public PruneTarget(IGroupGate gate, PruneSpec spec)
            : this(RequireGate(gate).Name, gate.Groups, gate, CriterionFor(gate, spec), ThresholdFor(gate, spec), ownsCriterion: true)
        {
        }

        private PruneTarget(string name, ChannelGroups groups, IGroupGate? gate, IImportanceCriterion criterion, IPruningThreshold threshold, bool ownsCriterion)
        {
            Name = name;
            Groups = groups;
            Gate = gate;
            Criterion = criterion ?? throw new ArgumentNullException(nameof(criterion));
            Threshold = threshold ?? throw new ArgumentNullException(nameof(threshold));
            OwnsCriterion = ownsCriterion;
        }

        /// <summary>The name the layer is reported under.</summary>
        public string Name { get; }

        /// <summary>
        /// The layer whose output neurons are the groups; throws <see cref="InvalidOperationException"/> for a channel space
        /// that is not one Linear's rows (use <see cref="Groups"/>).
        /// </summary>
        public Linear Layer => Groups.SingleLinear ?? throw new InvalidOperationException($"'{Name}' prunes a channel space, not one Linear layer; read Groups.");

        /// <summary>The groups (a Linear's rows, or a channel space's channels).</summary>
        public ChannelGroups Groups { get; }

        /// <summary>The layer's gate, or null for a plain layer.</summary>
        public IGroupGate? Gate { get; }

        /// <summary>How the groups are scored.</summary>
        public IImportanceCriterion Criterion { get; }

        /// <summary>How many (and which) groups are kept.</summary>
        public IPruningThreshold Threshold { get; }

        /// <summary>Whether the criterion was made here from a <see cref="PruneSpec"/> (the pruner then frees it).</summary>
        internal bool OwnsCriterion { get; }

        private static IGroupGate RequireGate(IGroupGate gate)
        {
            if (gate is null) throw new ArgumentNullException(nameof(gate));
            if (gate is not ParticipationLayer && gate is not PopulationLayer)
                throw new ArgumentException(
                    $"Layer '{gate.Name}' is a {gate.GetType().Name}; gated pruning records its decision on a ParticipationLayer or a PopulationLayer.", nameof(gate));
            return gate;
        }

        private static IImportanceCriterion CriterionFor(IGroupGate gate, PruneSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            spec.EnsureValid(gate.Name);
            return spec.Criterion switch
            {
                PruneDsl.Criterion.Gate => new GateCriterion(new[] { gate }),
                PruneDsl.Criterion.MagnitudeL1 => MagnitudeCriterion.L1,
                PruneDsl.Criterion.MagnitudeL2 => MagnitudeCriterion.L2,
                PruneDsl.Criterion.Taylor => new TaylorCriterion(),
                PruneDsl.Criterion.Fisher => new FisherCriterion(),
                _ => new WandaCriterion(),
            };
        }

        private static IPruningThreshold ThresholdFor(IGroupGate gate, PruneSpec spec)
        {
            switch (spec.Threshold)
            {
                case PruneThreshold.Effective:
                    return new EffectiveModelPruning(spec.Beta);
                case PruneThreshold.TargetSparsity:
                    return new TargetSparsity(spec.Sparsity);
            }
            if (gate is PopulationLayer population) return new TargetSparsity(population.Spec.TargetSparsity);
            var game = (ParticipationLayer)gate;
            if (spec.Criterion != PruneDsl.Criterion.Gate)
                throw new ArgumentException(
                    $"Layer '{gate.Name}': PruneThreshold.Default for the game keeps s_i >= Epsilon, which only means something for Criterion.Gate, not {spec.Criterion}. Use PruneThreshold.Effective or PruneThreshold.TargetSparsity.",
                    nameof(spec));
            // The game's own rule in the participations' precision, exactly as ParticipationLayer compares them: a float32
            // s_i >= Epsilon holds exactly when (double)s_i >= (double)(float)Epsilon.
            var epsilon = game.Cost.Epsilon;
            using var inPrecision = tensor(epsilon, dtype: game.Participation.dtype);
            using var asDouble = inPrecision.to(ScalarType.Float64);
            return new MinimumScore(asDouble.item<double>(), FormattableString.Invariant($"participation>=epsilon({epsilon:R})"));
        }
    }
}
