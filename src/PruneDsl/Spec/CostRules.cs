using System;
using System.Collections.Generic;
using System.Globalization;

namespace PruneDsl.Spec
{
    /// <summary>How the costs of a <see cref="CostSpec"/> can bring a participation below Epsilon.</summary>
    public enum PruneMechanism
    {
        /// <summary>No cost term can: with Gamma = Eta = 0 and too little L2 pull over the training, nothing is pruned.</summary>
        None = 0,

        /// <summary>
        /// Only by thresholding: Gamma = Eta = 0, so the best response (Eq. 14) stays above 0 for a positive benefit, but
        /// the L2 term pulls participations down for at least one time constant during training.
        /// </summary>
        L2Threshold = 1,

        /// <summary>Gamma &gt; 0 or Eta &gt; 0: Eq. 15 has a positive right side, so a participation can reach exactly 0.</summary>
        ExactZero = 2,
    }

    /// <summary>What the explicit participation step (Eq. 17) does to the quadratic part of the utility.</summary>
    public enum StepStability
    {
        /// <summary><c>r = lr_s * 2 * Beta * ||theta_i||^2 &lt; 1</c>: the distance to the best response shrinks monotonically.</summary>
        Stable = 0,

        /// <summary><c>1 &lt;= r &lt; 2</c>: every step jumps past the best response; participations oscillate around it.</summary>
        Overshoots = 1,

        /// <summary><c>r &gt;= 2</c>: the distance to the best response does not shrink; the projection makes s jump between 0 and 1.</summary>
        Diverges = 2,
    }

    /// <summary>
    /// How long training runs, counted in participation updates: one <c>StepParticipations()</c> call per optimizer step
    /// (Algorithm 1), so <see cref="Updates"/> = <see cref="Epochs"/> x <see cref="StepsPerEpoch"/>.
    /// </summary>
    /// <param name="Epochs">Passes over the training data; at least 1.</param>
    /// <param name="StepsPerEpoch">Participation updates per epoch (batches per epoch when s is updated every batch); at least 1.</param>
    public readonly record struct TrainingSchedule(int Epochs, int StepsPerEpoch)
    {
        /// <summary>The paper's experiment: 20 epochs of MNIST's 60,000 examples at batch 128, i.e. 469 steps per epoch.</summary>
        public static TrainingSchedule Paper => new TrainingSchedule(20, 469);

        /// <summary>Total participation updates, <c>Epochs * StepsPerEpoch</c>.</summary>
        public long Updates => (long)Epochs * StepsPerEpoch;

        /// <summary>One <see cref="SpecProblem"/> per value out of range (empty when the schedule is valid).</summary>
        public IReadOnlyList<SpecProblem> Validate()
        {
            var problems = new List<SpecProblem>();
            if (Epochs < 1) problems.Add(new SpecProblem(nameof(Epochs), Epochs, "must be at least 1"));
            if (StepsPerEpoch < 1) problems.Add(new SpecProblem(nameof(StepsPerEpoch), StepsPerEpoch, "must be at least 1"));
            return problems;
        }

        /// <inheritdoc />
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} epochs x {1} steps = {2} updates", Epochs, StepsPerEpoch, Updates);
    }

    /// <summary>
    /// Whether a cost setting can prune at all, and how far it can get within a training run (docs/equations.md section 1,
    /// docs/diagnostics/PD0011.md and PD0012.md have the derivations).
    /// </summary>
    /// <param name="Mechanism">Which cost term can take participations below Epsilon.</param>
    /// <param name="L2Pull">
    /// <c>2 * lr_s * Beta * ||theta_i||^2 * T</c>: how many time constants of the L2 relaxation the training spans.
    /// </param>
    /// <param name="TimeConstant">
    /// <c>1 / (2 * lr_s * Beta * ||theta_i||^2)</c> updates (+infinity when Beta = 0).
    /// </param>
    public readonly record struct PruneAssessment(PruneMechanism Mechanism, double L2Pull, double TimeConstant)
    {
        /// <summary>Whether any group can end below Epsilon.</summary>
        public bool CanPrune => Mechanism != PruneMechanism.None;
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
    public readonly record struct CompetitionAssessment(
        bool UniqueEquilibriumGuaranteed, bool GramSingular, double InitEtaLimit, long MultiplyAddsPerUpdate);

    /// <summary>
    /// The rules about cost settings that can be decided before training: can a setting prune, is the participation step
    /// stable, is the L1 budget big enough, what does competition cost. Pure functions of numbers (netstandard2.0, no
    /// Roslyn, no TorchSharp): the analyzers call them at compile time and the runtime can call them before a run.
    /// </summary>
    public static class CostRules
    {
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
        /// Can the setting prune at all within <paramref name="updates"/> participation updates?
        /// <list type="bullet">
        /// <item>Gamma &gt; 0 or Eta &gt; 0: Eq. 15 has a positive right side, so a group whose benefit stays below it is
        /// driven to exactly 0 (<see cref="PruneMechanism.ExactZero"/>; whether it gets there in time is
        /// <see cref="L1Budget"/>'s question).</item>
        /// <item>Gamma = Eta = 0: the best response <c>alpha b_i / (2 Beta ||theta_i||^2)</c> is interior for every positive
        /// benefit, so groups can only fall below Epsilon by the L2 relaxation, whose time constant is
        /// <c>1 / (2 lr_s Beta ||theta_i||^2)</c> updates. If training spans less than one time constant (L2 pull &lt; 1)
        /// the costs move no participation below 1/e, and the benefit term (about lr_s * 1e-3 per update) cannot carry
        /// it the rest of the way: <see cref="PruneMechanism.None"/>, unless Epsilon is so large that the L2 relaxation
        /// alone crosses it. The paper's sweep agrees: pulls of 0.0003 to 0.63 (Beta 1e-4 to 0.1) pruned nothing, 3.1
        /// (Beta 0.5) pruned 95%.</item>
        /// </list>
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c> (see <see cref="ExpectedInitNormSquared"/>).</param>
        /// <param name="updates">T, the number of participation updates.</param>
        public static PruneAssessment AssessPruning(CostSpec cost, double normSquared, long updates)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            var rate = StepRatio(cost, normSquared);
            var timeConstant = rate > 0 ? 1.0 / rate : double.PositiveInfinity;
            var pull = rate * Math.Max(0L, updates);
            PruneMechanism mechanism;
            if (cost.Gamma > 0 || cost.Eta > 0) mechanism = PruneMechanism.ExactZero;
            else if (pull >= 1.0 || ZeroBenefitParticipation(cost, normSquared, updates) < cost.Epsilon) mechanism = PruneMechanism.L2Threshold;
            else mechanism = PruneMechanism.None;
            return new PruneAssessment(mechanism, pull, timeConstant);
        }

        /// <summary>
        /// Whether the L1 budget is too small for the training: <c>lr_s Gamma T &lt; 1</c> (the L1 term alone cannot take s
        /// from 1 to 0) and, with the L2 term helping, a group with zero benefit still ends at or above Epsilon
        /// (<see cref="ZeroBenefitParticipation"/>). False when Gamma = 0 (that case is <see cref="AssessPruning"/>'s).
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
        /// The Gamma a code fix suggests: <see cref="RequiredGamma"/> rounded up to two significant digits (so that a group
        /// with zero benefit ends strictly below Epsilon), and never below <paramref name="floor"/>.
        /// </summary>
        /// <param name="cost">The settings.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="updates">T, at least 1.</param>
        /// <param name="floor">The smallest value to suggest (e.g. a lower Gamma that is known to work).</param>
        public static double SuggestGamma(CostSpec cost, double normSquared, long updates, double floor = 0.0)
        {
            var required = RequiredGamma(cost, normSquared, updates);
            var gamma = RoundUpSignificant(Math.Max(required, floor), 2);
            // Rounding up keeps the end point below Epsilon except when the required value is already round; then step once.
            for (var i = 0; i < 8 && ZeroBenefitParticipation(cost with { Gamma = gamma }, normSquared, updates) >= cost.Epsilon; i++)
                gamma = RoundUpSignificant(gamma * 1.0101, 2);
            return gamma;
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

        /// <summary>
        /// Applies one named <c>[Cost]</c> setting (the attribute's property name and its constant value) to a spec: the
        /// merge rule "class-level [Cost] first, then the field's named settings". Unknown names and values of the wrong
        /// kind leave the spec unchanged.
        /// </summary>
        /// <param name="cost">The spec so far.</param>
        /// <param name="property">The attribute property, e.g. <c>Beta</c>.</param>
        /// <param name="value">Its constant value (a number, or the underlying integer of a <see cref="BenefitSign"/>).</param>
        public static CostSpec WithSetting(CostSpec cost, string property, object? value)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            if (property == nameof(CostSpec.Benefit))
                return value is int sign ? cost with { Benefit = (BenefitSign)sign } : cost;
            if (!TryToDouble(value, out var d)) return cost;
            switch (property)
            {
                case nameof(CostSpec.Alpha): return cost with { Alpha = d };
                case nameof(CostSpec.Beta): return cost with { Beta = d };
                case nameof(CostSpec.Gamma): return cost with { Gamma = d };
                case nameof(CostSpec.Eta): return cost with { Eta = d };
                case nameof(CostSpec.LearningRate): return cost with { LearningRate = d };
                case nameof(CostSpec.Epsilon): return cost with { Epsilon = d };
                default: return cost;
            }
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

        /// <summary>An attribute argument's constant as a double (any numeric type); false for anything else.</summary>
        /// <param name="value">The constant.</param>
        /// <param name="result">Its value.</param>
        public static bool TryToDouble(object? value, out double result)
        {
            switch (value)
            {
                case double d: result = d; return true;
                case float f: result = f; return true;
                case int i: result = i; return true;
                case long l: result = l; return true;
                case short s: result = s; return true;
                case byte b: result = b; return true;
                case decimal m: result = (double)m; return true;
                default: result = 0; return false;
            }
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
