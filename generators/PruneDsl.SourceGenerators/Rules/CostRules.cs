using System;
using System.Collections.Generic;
using System.Globalization;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Rules
{
    /// <summary>What the costs of one group do over a training of T participation updates (docs/diagnostics/PD0011.md).</summary>
    internal enum PruneOutcome
    {
        /// <summary>The costs single groups out: one with too little benefit reaches Epsilon within T, the others hold.</summary>
        Selective = 0,

        /// <summary>Gamma = Eta = 0 and the L2 relaxation leaves a group with no benefit above Epsilon: nothing is pruned.</summary>
        CannotPrune = 1,

        /// <summary>Gamma &gt; 0, but <c>lr_s Gamma T &lt; 1</c> and a group with no benefit still ends above Epsilon.</summary>
        L1BudgetTooSmall = 2,

        /// <summary>
        /// The cost pull outweighs every benefit, so every participation drifts down together; the drift ends above
        /// Epsilon: nothing is pruned.
        /// </summary>
        UniformDrift = 3,

        /// <summary>The cost pull outweighs every benefit and takes every participation below Epsilon: the layer dies.</summary>
        Collapse = 4,
    }

    /// <summary>What the explicit participation step (Eq. 17) does to the quadratic part of the utility.</summary>
    internal enum StepStability
    {
        /// <summary><c>r = lr_s * 2 * Beta * ||theta_i||^2 &lt; 1</c>: the distance to the best response shrinks monotonically.</summary>
        Stable = 0,

        /// <summary><c>1 &lt;= r &lt; 2</c>: every step jumps past the best response; participations oscillate around it.</summary>
        Overshoots = 1,

        /// <summary><c>r &gt;= 2</c>: the distance to the best response does not shrink; the projection makes s jump between 0 and 1.</summary>
        Diverges = 2,
    }

    /// <summary>What the costs of one group do over a training (<see cref="CostRules.AssessPruning"/>).</summary>
    /// <param name="Outcome">The classification.</param>
    /// <param name="Pull">
    /// <c>Gamma + 2 Beta ||theta_i||^2</c>: how hard the costs pull a participation at s = 1, against the benefit
    /// <c>alpha b_i</c> that holds it up.
    /// </param>
    /// <param name="EndParticipation">
    /// Where the costs leave a participation after T updates: a group with no benefit at a frozen norm when the costs are
    /// selective, every group (weights held) when they are uniform.
    /// </param>
    /// <param name="L2Pull"><c>2 lr_s Beta ||theta_i||^2 T</c>: how many time constants of the L2 relaxation T spans.</param>
    /// <param name="UpdatesToEpsilon">
    /// Uniform outcomes: the updates after which every participation is below Epsilon (+infinity when it never gets
    /// there); NaN for selective ones.
    /// </param>
    internal readonly record struct PruneAssessment(PruneOutcome Outcome, double Pull, double EndParticipation, double L2Pull, double UpdatesToEpsilon)
    {
        /// <summary>Whether the costs outweigh every benefit (<see cref="PruneOutcome.UniformDrift"/>, <see cref="PruneOutcome.Collapse"/>).</summary>
        public bool IsUniform => Outcome is PruneOutcome.UniformDrift or PruneOutcome.Collapse;
    }

    /// <summary>A change of [Cost] settings a diagnostic suggests; null members stay as they are.</summary>
    /// <param name="Beta">The Beta to set, or null.</param>
    /// <param name="Gamma">The Gamma to set, or null.</param>
    /// <param name="LearningRate">The LearningRate to set, or null.</param>
    internal sealed record CostSuggestion(double? Beta, double? Gamma, double? LearningRate)
    {
        /// <summary>The settings to write, in order (Beta, Gamma, LearningRate), as property name and value.</summary>
        public IReadOnlyList<KeyValuePair<string, double>> Settings
        {
            get
            {
                var settings = new List<KeyValuePair<string, double>>();
                if (Beta is { } beta) settings.Add(new KeyValuePair<string, double>(nameof(CostSpec.Beta), beta));
                if (Gamma is { } gamma) settings.Add(new KeyValuePair<string, double>(nameof(CostSpec.Gamma), gamma));
                if (LearningRate is { } rate) settings.Add(new KeyValuePair<string, double>(nameof(CostSpec.LearningRate), rate));
                return settings;
            }
        }

        /// <summary>The settings with the suggestion applied.</summary>
        /// <param name="cost">The settings now.</param>
        public CostSpec ApplyTo(CostSpec cost) => cost with
        {
            Beta = Beta ?? cost.Beta,
            Gamma = Gamma ?? cost.Gamma,
            LearningRate = LearningRate ?? cost.LearningRate,
        };
    }

    /// <summary>
    /// What the competition term does for one layer of N groups of width d (docs/equations.md section 1, docs/diagnostics/PD0015.md).
    /// </summary>
    /// <param name="UniqueEquilibriumGuaranteed">
    /// <c>Eta &lt; 2 * Beta</c> (or Eta = 0): the potential stays strictly concave, whatever the weights, so the equilibrium is unique.
    /// </param>
    /// <param name="GramSingular">N &gt; d: the Gram matrix of the groups is singular, for any weights.</param>
    /// <param name="InitEtaLimit">
    /// The Eta below which the potential is still strictly concave for the random Gram matrix of TorchSharp's default init
    /// (Marchenko-Pastur: <c>2 Beta / (2 sqrt(q) - q)</c>, q = N/d); 2 Beta when N &gt;= d (no slack).
    /// </param>
    /// <param name="MultiplyAddsPerUpdate">
    /// <c>2 * N * d</c>: the cost of <c>Theta (Theta^T s) - ||theta_i||^2 s_i</c> per participation update (O(N d), not O(N^2 d)).
    /// </param>
    internal readonly record struct CompetitionAssessment(
        bool UniqueEquilibriumGuaranteed, bool GramSingular, double InitEtaLimit, long MultiplyAddsPerUpdate);

    /// <summary>
    /// The rules about cost settings that can be decided before training: do the costs single groups out, prune nothing
    /// or collapse the layer; is the participation step stable; is the L1 budget big enough; what does competition
    /// cost; which settings would prune. Pure functions of numbers, used by the analyzer (the runtime needs none of them).
    /// The derivations are on the pages of docs/diagnostics/ (PD0011-PD0016, PD0024).
    /// </summary>
    internal static class CostRules
    {
        /// <summary>
        /// The largest benefit <c>|&lt;grad L, theta_i&gt;|</c> a group earns under a mean-reduced loss, as a bound on the scale:
        /// measured 2e-4 (median) and 9e-4 (90th percentile) for the first layer of the paper's MLP at initialisation and
        /// after one epoch (docs/equations.md, section 1). A cost pull <c>Gamma + 2 Beta ||theta_i||^2</c> above
        /// <c>alpha</c> times this outweighs every group's benefit. The bound sits between the pulls measured to select
        /// (Gamma up to 1e-3 with Beta = 0, README "Choosing the default") and those measured to decay every participation
        /// alike (0.03 and up: the paper's four rows).
        /// </summary>
        public const double BenefitCeiling = 1e-2;

        /// <summary>The smallest <c>E||theta_i||^2</c> of a freshly initialised TorchSharp Linear, over every fan-in: 1/3.</summary>
        public const double MinInitNormSquared = 1.0 / 3.0;

        /// <summary>The largest <c>E||theta_i||^2</c> of a freshly initialised TorchSharp Linear, over every fan-in: 2/3 (fan-in 1 with a bias).</summary>
        public const double MaxInitNormSquared = 2.0 / 3.0;

        /// <summary>
        /// <c>E||theta_i||^2</c> of one group (fan-in row and bias) of a TorchSharp <c>Linear</c> right after construction.
        /// TorchSharp initialises both weight and bias from <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> (kaiming_uniform with
        /// a = sqrt(5)), whose second moment is <c>1 / (3 fan_in)</c>; a group holds fan_in weights and one bias, so
        /// <c>E||theta_i||^2 = (fan_in + 1) / (3 fan_in)</c>, or exactly 1/3 without a bias.
        /// </summary>
        /// <param name="fanIn">The layer's input width (in_features); at least 1.</param>
        /// <param name="hasBias">Whether the layer has a bias (TorchSharp's default: true).</param>
        public static double ExpectedInitNormSquared(long fanIn, bool hasBias = true)
        {
            if (fanIn < 1)
                throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "A Linear layer's fan-in (in_features) must be at least 1.");
            return (hasBias ? fanIn + 1.0 : fanIn) / (3.0 * fanIn);
        }

        /// <summary>
        /// The step ratio <c>r = lr_s * 2 * Beta * ||theta_i||^2</c>: with the benefit held fixed, one step of Eq. 17 multiplies
        /// the distance to the best response by <c>1 - r</c>.
        /// </summary>
        /// <param name="cost">The settings (LearningRate and Beta are used).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        public static double StepRatio(CostSpec cost, double normSquared)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            return cost.LearningRate * 2.0 * cost.Beta * normSquared;
        }

        /// <summary>Classifies a step ratio from <see cref="StepRatio"/>: below 1 stable, from 1 overshooting, from 2 diverging.</summary>
        /// <param name="ratio"><c>lr_s * 2 * Beta * ||theta_i||^2</c>.</param>
        public static StepStability ClassifyStep(double ratio) =>
            ratio >= 2.0 ? StepStability.Diverges : ratio >= 1.0 ? StepStability.Overshoots : StepStability.Stable;

        /// <summary>
        /// The largest learning rate with a step ratio of 1 (<c>1 / (2 Beta ||theta_i||^2)</c>): any rate below it is stable.
        /// +infinity when Beta or the norm is 0.
        /// </summary>
        /// <param name="cost">The settings (Beta is used).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        public static double StableLearningRateLimit(CostSpec cost, double normSquared)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            var curvature = 2.0 * cost.Beta * normSquared;
            return curvature > 0 ? 1.0 / curvature : double.PositiveInfinity;
        }

        /// <summary>The L1 budget <c>lr_s * Gamma * T</c>: the most the L1 term alone can lower a participation in T updates.</summary>
        /// <param name="cost">The settings (LearningRate and Gamma are used).</param>
        /// <param name="updates">T, the number of participation updates.</param>
        public static double L1Budget(CostSpec cost, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            return cost.LearningRate * cost.Gamma * updates;
        }

        /// <summary>
        /// The participation, after <paramref name="updates"/> steps of Eq. 17 from s = 1, of a group whose benefit is 0 and
        /// whose competition sum is 0: only the L2 and L1 costs act. The recurrence
        /// <c>s &lt;- max(0, (1 - r) s - lr_s Gamma)</c> (r from <see cref="StepRatio"/>) has the closed form
        /// <c>s_T = (1 + g/r)(1 - r)^T - g/r</c> with <c>g = lr_s Gamma</c> (<c>1 - g T</c> when r = 0), clipped at 0; with
        /// r &gt;= 1 the first step already lands on 0. A group with a non-negative benefit never ends below this value
        /// while its norm stays at <paramref name="normSquared"/>.
        /// </summary>
        /// <param name="cost">The settings (LearningRate, Beta and Gamma are used).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="updates">T, the number of participation updates.</param>
        public static double ZeroBenefitParticipation(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            if (updates <= 0) return 1.0;
            var r = StepRatio(cost, normSquared);
            var g = cost.LearningRate * cost.Gamma;
            if (r >= 1.0) return 0.0;
            if (r <= 0.0) return Math.Max(0.0, 1.0 - g * updates);
            var q = PowerOfComplement(r, updates);
            var s = (1.0 + g / r) * q - g / r;
            return Math.Max(0.0, Math.Min(1.0, s));
        }

        /// <summary>
        /// The cost pull at s = 1, <c>Gamma + 2 Beta ||theta_i||^2</c>: by Eq. 13 a participation rises only where
        /// <c>alpha b_i</c> exceeds it (Eta's term has no sign of its own and is left out).
        /// </summary>
        /// <param name="cost">The settings (Beta and Gamma are used).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        public static double Pull(CostSpec cost, double normSquared)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            return cost.Gamma + 2.0 * cost.Beta * normSquared;
        }

        /// <summary>
        /// Updates after which a participation that the weight optimizer keeps useful falls from 1 to <paramref name="target"/>
        /// when the costs outweigh its benefit. The optimizer holds the effective weight <c>s_i theta_i</c> (the loss needs
        /// it), so <c>||theta_i||^2 = ||theta_i(0)||^2 / s_i^2</c> and Eq. 17 becomes <c>ds/dt = -(g + r / s)</c> with
        /// <c>g = lr_s Gamma</c> and <c>r</c> the step ratio at s = 1 (<see cref="StepRatio"/>), whose solution is
        /// <c>t(s) = (1/g) ((1 - s) - (r/g) ln((g + r) / (g s + r)))</c>: <c>(1 - s^2) / (2 r)</c> for Gamma = 0 (the L2 term
        /// then reaches 0 at half a time constant, <c>r T = 1/2</c>), <c>(1 - s) / g</c> for Beta = 0. +infinity when
        /// neither term acts. Continuous time: valid while one update moves s little.
        /// </summary>
        /// <param name="cost">The settings (LearningRate, Beta and Gamma are used).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c> at s = 1.</param>
        /// <param name="target">The participation to reach, in [0, 1].</param>
        public static double HeldWeightUpdatesTo(CostSpec cost, double normSquared, double target)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            var s = Math.Max(0.0, Math.Min(1.0, target));
            var g = cost.LearningRate * cost.Gamma;
            var r = StepRatio(cost, normSquared);
            if (s >= 1.0) return 0.0;
            if (!(g > 0) && !(r > 0)) return double.PositiveInfinity;
            if (!(g > 0)) return (1.0 - s * s) / (2.0 * r);
            if (!(r > 0)) return (1.0 - s) / g;
            var x = g / r;
            if (x < 1e-3)
            {
                // The closed form cancels when g << r; its series in g/r instead (u / (g u + r) = (u / r)(1 - x u + x^2 u^2 ...)).
                return ((1.0 - s * s) / 2.0 - x * (1.0 - s * s * s) / 3.0 + x * x * (1.0 - s * s * s * s) / 4.0) / r;
            }
            return ((1.0 - s) - r / g * Math.Log((g + r) / (g * s + r))) / g;
        }

        /// <summary>
        /// Where a participation the weight optimizer keeps useful ends after <paramref name="updates"/> updates when the costs
        /// outweigh its benefit (<see cref="HeldWeightUpdatesTo"/> solved for s; 0 once it gets there).
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c> at s = 1.</param>
        /// <param name="updates">T.</param>
        public static double HeldWeightParticipation(CostSpec cost, double normSquared, long updates)
        {
            if (updates <= 0) return 1.0;
            if (HeldWeightUpdatesTo(cost, normSquared, 0.0) <= updates) return 0.0;
            double lo = 0.0, hi = 1.0;
            for (var i = 0; i < 100; i++)
            {
                var mid = (lo + hi) / 2.0;
                if (HeldWeightUpdatesTo(cost, normSquared, mid) > updates) lo = mid;
                else hi = mid;
            }
            return (lo + hi) / 2.0;
        }

        /// <summary>
        /// What the costs do over <paramref name="updates"/> participation updates.
        /// <list type="bullet">
        /// <item>The pull <see cref="Pull"/> above <c>alpha</c> <see cref="BenefitCeiling"/>: no group's benefit can hold its
        /// participation, so all decay alike while the weight optimizer grows the weights to keep them useful
        /// (<see cref="HeldWeightUpdatesTo"/>). If they reach Epsilon within T, every group is pruned and the network dies
        /// (<see cref="PruneOutcome.Collapse"/>: the paper's Very High Beta, Extreme Beta and L1+L2 rows); if not, nothing
        /// is (<see cref="PruneOutcome.UniformDrift"/>: L1 Strong, which ends near s = 0.04).</item>
        /// <item>Below it the costs select: groups with a benefit above the pull hold, the others fall. A group with no
        /// benefit has no reason to keep its weights, so its norm stays put (<see cref="ZeroBenefitParticipation"/>).
        /// With Gamma &gt; 0 it falls to exactly 0 (Eq. 15) if the budget allows (<see cref="L1BudgetTooSmall"/>); with
        /// Eta &gt; 0 competition can zero it; with neither, only the L2 relaxation can take it below Epsilon, which needs
        /// an L2 pull <c>2 lr_s Beta ||theta_i||^2 T</c> of at least one time constant (or an end point already below
        /// Epsilon), else <see cref="PruneOutcome.CannotPrune"/>.</item>
        /// </list>
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c> at initialisation (see <see cref="ExpectedInitNormSquared"/>).</param>
        /// <param name="updates">T, the number of participation updates.</param>
        public static PruneAssessment AssessPruning(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            var pull = Pull(cost, normSquared);
            var l2Pull = StepRatio(cost, normSquared) * Math.Max(0L, updates);
            if (pull > cost.Alpha * BenefitCeiling)
            {
                var toEpsilon = HeldWeightUpdatesTo(cost, normSquared, cost.Epsilon);
                var outcome = toEpsilon <= updates ? PruneOutcome.Collapse : PruneOutcome.UniformDrift;
                return new PruneAssessment(outcome, pull, HeldWeightParticipation(cost, normSquared, updates), l2Pull, toEpsilon);
            }

            var end = ZeroBenefitParticipation(cost, normSquared, updates);
            PruneOutcome selective;
            if (cost.Gamma > 0) selective = L1BudgetTooSmall(cost, normSquared, updates) ? PruneOutcome.L1BudgetTooSmall : PruneOutcome.Selective;
            else if (cost.Eta > 0 || l2Pull >= 1.0 || end < cost.Epsilon) selective = PruneOutcome.Selective;
            else selective = PruneOutcome.CannotPrune;
            return new PruneAssessment(selective, pull, end, l2Pull, double.NaN);
        }

        /// <summary>
        /// Whether the L1 budget is too small for the training: <c>lr_s Gamma T &lt; 1</c> (the L1 term alone cannot take s
        /// from 1 to 0) and, with the L2 term helping, a group with zero benefit still ends at or above Epsilon
        /// (<see cref="ZeroBenefitParticipation"/>). False when Gamma = 0.
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="updates">T, the number of participation updates.</param>
        public static bool L1BudgetTooSmall(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            if (!(cost.Gamma > 0)) return false;
            return L1Budget(cost, updates) < 1.0 && ZeroBenefitParticipation(cost, normSquared, updates) >= cost.Epsilon;
        }

        /// <summary>
        /// The smallest Gamma with which the costs alone take a group with zero benefit from s = 1 to exactly Epsilon within
        /// T updates (the other settings kept): solving <see cref="ZeroBenefitParticipation"/> = Epsilon gives
        /// <c>Gamma = r ((1 - r)^T - Epsilon) / (lr_s (1 - (1 - r)^T))</c>, or <c>(1 - Epsilon) / (lr_s T)</c> when r = 0.
        /// 0 when the L2 term alone already suffices.
        /// </summary>
        /// <param name="cost">The settings (LearningRate, Beta and Epsilon are used; Gamma is ignored).</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="updates">T, at least 1.</param>
        public static double RequiredGamma(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            if (updates < 1) throw new ArgumentOutOfRangeException(nameof(updates), updates, "The training must make at least one participation update.");
            var r = StepRatio(cost, normSquared);
            if (r >= 1.0) return 0.0;
            if (r <= 0.0) return (1.0 - cost.Epsilon) / (cost.LearningRate * updates);
            var q = PowerOfComplement(r, updates);
            if (q <= cost.Epsilon) return 0.0;
            return r * (q - cost.Epsilon) / (cost.LearningRate * (1.0 - q));
        }

        /// <summary>
        /// Settings with which the costs select within T updates (<see cref="AssessPruning"/> gives
        /// <see cref="PruneOutcome.Selective"/>), changed as little as the rules allow. The Gamma to work with is the one
        /// set when it lies below the benefits (<see cref="BenefitCeiling"/> times Alpha), else the library default
        /// <see cref="CostDefaults.Gamma"/> times Alpha; Beta becomes 0 when the L2 term would push the pull above the
        /// benefits. Then either Gamma is raised to <see cref="RequiredGamma"/> (two significant digits, rounded up), when
        /// that still lies below the benefits, or, when it would not, the LearningRate is raised (never lowered) to the
        /// smallest value with which a group with no benefit reaches Epsilon within T. The benefit does not grow with the
        /// step size while the costs' reach does: that is why the paper's lr_s = 0.001 cannot select within 9,380 updates
        /// at any Gamma, and why PruneDsl's default lr_s is 1.
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="updates">T, at least 1.</param>
        public static CostSuggestion SuggestSelective(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            var ceiling = cost.Alpha * BenefitCeiling;
            bool Fits(double gamma, double beta) => gamma + 2.0 * beta * normSquared <= ceiling;
            var baseGamma = cost.Gamma > 0 && cost.Gamma <= ceiling ? cost.Gamma : cost.Alpha * CostDefaults.Gamma;
            var beta = Fits(baseGamma, cost.Beta) ? cost.Beta : 0.0;
            var spec = cost with { Beta = beta };
            var required = RoundUpUntil(RequiredGamma(spec, normSquared, updates),
                g => ZeroBenefitParticipation(spec with { Gamma = g }, normSquared, updates) < cost.Epsilon);
            var gamma = Math.Max(required, baseGamma);
            var rate = cost.LearningRate;
            if (!Fits(gamma, beta))
            {
                // Gamma alone would outweigh the benefits: keep it below them and give it a step size that reaches.
                gamma = baseGamma;
                rate = SmallestLearningRate(spec with { Gamma = gamma }, normSquared, updates);
                if (beta > 0 && ClassifyStep(StepRatio(spec with { LearningRate = rate }, normSquared)) != StepStability.Stable)
                {
                    // The step size the budget needs would make the L2 step overshoot: drop the L2 term.
                    beta = 0.0;
                    rate = SmallestLearningRate(cost with { Beta = 0.0, Gamma = gamma }, normSquared, updates);
                }
            }
            return new CostSuggestion(
                beta != cost.Beta ? beta : null,
                gamma != cost.Gamma ? gamma : null,
                rate != cost.LearningRate ? rate : null);
        }

        /// <summary>
        /// The smallest LearningRate, at least the one set and rounded up to two significant digits, with which a group with
        /// no benefit ends below Epsilon within T (<see cref="ZeroBenefitParticipation"/> falls as the rate grows).
        /// </summary>
        private static double SmallestLearningRate(CostSpec cost, double normSquared, long updates)
        {
            bool Prunes(double rate) => ZeroBenefitParticipation(cost with { LearningRate = rate }, normSquared, updates) < cost.Epsilon;
            if (Prunes(cost.LearningRate)) return cost.LearningRate;
            double lo = cost.LearningRate, hi = cost.LearningRate;
            for (var i = 0; i < 200 && !Prunes(hi); i++) hi *= 2.0;
            for (var i = 0; i < 200; i++)
            {
                var mid = (lo + hi) / 2.0;
                if (Prunes(mid)) hi = mid;
                else lo = mid;
            }
            return RoundUpUntil(hi, Prunes);
        }

        /// <summary>A value rounded up to two significant digits, stepped up further until <paramref name="enough"/> holds (a few tries).</summary>
        private static double RoundUpUntil(double value, Func<double, bool> enough)
        {
            var rounded = RoundUpSignificant(value, 2);
            for (var i = 0; i < 8 && rounded > 0 && !enough(rounded); i++)
                rounded = RoundUpSignificant(rounded * 1.0101, 2);
            return rounded;
        }

        /// <summary>
        /// What the competition term does for a layer of <paramref name="groups"/> groups of width <paramref name="groupWidth"/>.
        /// The game is a potential game: <c>Phi(s) = sum_i (alpha b_i - Gamma) s_i - Beta sum_i ||theta_i||^2 s_i^2 - (Eta/2)
        /// sum_{i != j} s_i s_j &lt;theta_i, theta_j&gt;</c> has <c>dPhi/ds_i = dU_i/ds_i</c>, and its negative Hessian is
        /// <c>(2 Beta - Eta) D + Eta G</c> (G the Gram matrix, D its diagonal). G is positive semi-definite, so Eta &lt; 2 Beta
        /// keeps Phi strictly concave and the equilibrium unique for any weights.
        /// </summary>
        /// <param name="cost">The settings (Beta and Eta are used).</param>
        /// <param name="groups">N, the layer's output count.</param>
        /// <param name="groupWidth">d, fan-in plus one for a bias.</param>
        public static CompetitionAssessment AssessCompetition(CostSpec cost, long groups, long groupWidth)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "A layer has at least one group.");
            if (groupWidth < 1) throw new ArgumentOutOfRangeException(nameof(groupWidth), groupWidth, "A group has at least one parameter.");
            var unique = !(cost.Eta > 0) || cost.Eta < 2.0 * cost.Beta;
            var singular = groups > groupWidth;
            var q = (double)groups / groupWidth;
            var limit = singular || q >= 1.0 ? 2.0 * cost.Beta : 2.0 * cost.Beta / (2.0 * Math.Sqrt(q) - q);
            return new CompetitionAssessment(unique, singular, limit, 2L * groups * groupWidth);
        }

        /// <summary>Rounds a positive value up to <paramref name="digits"/> significant digits (0.0753 -&gt; 0.076 for 2).</summary>
        /// <param name="value">The value; 0 or less gives 0.</param>
        /// <param name="digits">Significant digits, 1 to 15.</param>
        public static double RoundUpSignificant(double value, int digits)
        {
            if (digits < 1 || digits > 15)
                throw new ArgumentOutOfRangeException(nameof(digits), digits, "Use 1 to 15 significant digits.");
            if (!(value > 0) || double.IsInfinity(value)) return value > 0 ? value : 0.0;
            var exponent = (int)Math.Floor(Math.Log10(value)) - digits + 1;
            var mantissa = Math.Ceiling(value / Math.Pow(10, exponent) - 1e-9);
            // Parse the decimal text so that the result is the double nearest to the short decimal (0.076, not 0.07600000000000001).
            return double.Parse(
                mantissa.ToString("0", CultureInfo.InvariantCulture) + "E" + exponent.ToString(CultureInfo.InvariantCulture),
                NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        /// <summary><c>(1 - r)^T</c> for 0 &lt; r &lt; 1 without losing tiny r to rounding.</summary>
        private static double PowerOfComplement(double r, long updates)
        {
            // log(1 - r) by its series for small r (Math.Log1P is not in netstandard2.0).
            var log = r < 1e-4 ? -(r + r * r / 2.0 + r * r * r / 3.0) : Math.Log(1.0 - r);
            return Math.Exp(log * updates);
        }
    }
}
