using System;
using PruneDsl.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// The equations of "Pruning as a Game" (docs/equations.md section 1), each written once. Every tensor argument is a
    /// vector over the N groups of one layer; <c>normSquared</c> is <c>||theta_i||^2</c> and <c>competition</c> is
    /// <c>sum_{j != i} s_j &lt;theta_i, theta_j&gt;</c> (or null when Eta = 0).
    /// </summary>
    /// <remarks>
    /// What the benefit is computed from: the game uses <c>g_i = &lt;grad_theta_i L, theta_i&gt;</c> with the gradient on the
    /// raw weights theta_i (<see cref="ParticipationLayer.GroupInner"/>). The gate multiplies the neuron's output by s_i,
    /// so the raw gradient carries that factor and <c>g_i = s_i dL/ds_i</c> (the loss's marginal in <c>log s_i</c>): it is
    /// 0 at <c>s_i = 0</c>, and a pruned group's benefit cannot pull it back (pruning is absorbing).
    /// <see cref="EquilibriumCertificate"/> applies the same reading to the true marginal <c>dL/ds_i</c> to ask whether a
    /// pruned group would gain by re-entering (<see cref="SlopeAtZero"/>).
    /// </remarks>
    public static class GameEquations
    {
        /// <summary>
        /// The benefit signal <c>b_i</c> under the chosen reading of the sign (<see cref="BenefitSign"/>):
        /// <c>-g_i</c> (loss-aligned), <c>g_i</c> (literal) or <c>|g_i|</c> (magnitude).
        /// </summary>
        /// <param name="signal">
        /// <c>g_i</c> per group: <c>&lt;grad_theta_i L, theta_i&gt;</c> on the raw weights (<c>= s_i dL/ds_i</c>) for the game,
        /// or the true marginal <c>dL/ds_i</c> for the certificate's re-entry test.
        /// </param>
        /// <param name="sign">The reading.</param>
        public static Tensor Benefit(Tensor signal, BenefitSign sign) => sign switch
        {
            BenefitSign.Literal => signal.alias(),
            BenefitSign.LossAligned => signal.neg(),
            BenefitSign.Magnitude => signal.abs(),
            _ => throw new ArgumentOutOfRangeException(nameof(sign), sign, "Unknown BenefitSign."),
        };

        /// <summary>
        /// The competition sums <c>c_i = sum_{j != i} s_j &lt;theta_i, theta_j&gt;</c> with one Gram product, computed as
        /// <c>Theta (Theta^T s) - ||theta_i||^2 s_i</c>: O(N d) instead of forming the N x N Gram matrix.
        /// </summary>
        /// <param name="groups">The groups as rows, shape [N, d].</param>
        /// <param name="participation">s, shape [N].</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>, shape [N].</param>
        public static Tensor Competition(Tensor groups, Tensor participation, Tensor normSquared)
        {
            using var weighted = groups.t().mv(participation);
            using var own = normSquared * participation;
            return groups.mv(weighted).sub_(own);
        }

        /// <summary>
        /// Eq. 13: <c>dU_i/ds_i = alpha b_i - 2 beta ||theta_i||^2 s_i - gamma sign(s_i) - eta c_i</c>, with b_i held
        /// constant in s_i as in the paper.
        /// </summary>
        /// <param name="benefit">b_i from <see cref="Benefit"/>.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>; may be null when Beta = 0 (the only term that needs it).</param>
        /// <param name="participation">s.</param>
        /// <param name="competition">c_i from <see cref="Competition"/>, or null when Eta = 0.</param>
        /// <param name="cost">The constants.</param>
        public static Tensor UtilityGradient(Tensor benefit, Tensor? normSquared, Tensor participation, Tensor? competition, CostSpec cost)
        {
            var grad = benefit * cost.Alpha;
            if (cost.Beta != 0)
            {
                if (normSquared is null) throw new ArgumentNullException(nameof(normSquared), "||theta_i||^2 is needed when Beta != 0.");
                using var l2 = normSquared * participation;
                grad.add_(l2, alpha: -2 * cost.Beta);
            }
            if (cost.Gamma != 0)
            {
                using var l1 = participation.sign();
                grad.add_(l1, alpha: -cost.Gamma);
            }
            if (competition is not null && cost.Eta != 0) grad.add_(competition, alpha: -cost.Eta);
            return grad;
        }

        /// <summary>
        /// Eq. 8 as a function of the group's own participation x, everything else held fixed:
        /// <c>U_i(x) = alpha b_i x - beta ||theta_i||^2 x^2 - gamma |x| - eta c_i x</c>.
        /// </summary>
        /// <param name="x">The participation at which to evaluate.</param>
        /// <param name="benefit">b_i.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="competition">c_i, or null when Eta = 0.</param>
        /// <param name="cost">The constants.</param>
        public static Tensor Utility(Tensor x, Tensor benefit, Tensor normSquared, Tensor? competition, CostSpec cost)
        {
            var u = benefit * x * cost.Alpha;
            u.sub_(normSquared * x.square() * cost.Beta);
            u.sub_(x.abs() * cost.Gamma);
            if (competition is not null && cost.Eta != 0) u.sub_(competition * x * cost.Eta);
            return u;
        }

        /// <summary>
        /// The right-derivative of <see cref="Utility"/> at <c>x = 0</c>: <c>alpha b_i - gamma - eta c_i</c> (the L2 term's
        /// slope vanishes at 0, the L1 term's is gamma). Eq. 15 prunes a group exactly when this is at most 0; a positive
        /// value means the group gains by participating.
        /// </summary>
        /// <param name="benefit">b_i.</param>
        /// <param name="competition">c_i, or null when Eta = 0.</param>
        /// <param name="cost">The constants.</param>
        public static Tensor SlopeAtZero(Tensor benefit, Tensor? competition, CostSpec cost)
        {
            var slope = benefit * cost.Alpha - cost.Gamma;
            if (competition is not null && cost.Eta != 0) slope.sub_(competition * cost.Eta);
            return slope;
        }

        /// <summary>
        /// Eq. 14, the best response on [0, 1]:
        /// <c>s_i* = clip((alpha b_i - gamma - eta c_i) / (2 beta ||theta_i||^2), 0, 1)</c>; with no curvature
        /// (beta ||theta_i||^2 = 0) the utility is linear and the best response is 1 when its slope is positive, else 0.
        /// </summary>
        /// <param name="benefit">b_i.</param>
        /// <param name="normSquared"><c>||theta_i||^2</c>.</param>
        /// <param name="competition">c_i, or null when Eta = 0.</param>
        /// <param name="cost">The constants.</param>
        public static Tensor BestResponse(Tensor benefit, Tensor normSquared, Tensor? competition, CostSpec cost)
        {
            using var numerator = SlopeAtZero(benefit, competition, cost);
            using var curvature = normSquared * (2 * cost.Beta);
            using var interior = (numerator / curvature.clamp_min(1e-30)).clamp_(0, 1);
            using var linear = (numerator > 0).to(numerator.dtype);
            return where(curvature > 0, interior, linear);
        }

        /// <summary>
        /// Eq. 19 (docs/equations.md, section 1b), the budget's price: one step of projected dual ascent on the multiplier
        /// lambda of the constraint <c>cost(kept) &lt;= K</c>, in log space,
        /// <c>log lambda &lt;- clip(log lambda + rho clip((U - K) / K, -1, 1), log(MinPrice / c), log(MaxPrice / c))</c>, with
        /// <c>c</c> the budget's unit scale (the mean marginal cost of a group at the dense widths: 1 for groups), so that the
        /// projection bounds the Gamma of an average group, whatever the unit. The price rises while the kept set costs more
        /// than the budget, falls while it costs less, and never moves by more than a factor <c>e^rho</c> per step.
        /// </summary>
        /// <param name="logPrice">log lambda now.</param>
        /// <param name="used">U, the cost of the groups kept now.</param>
        /// <param name="target">K, the budget (at least 1).</param>
        /// <param name="step">rho.</param>
        /// <param name="scale">c, the unit scale (1 for a budget in groups).</param>
        /// <returns>log lambda after the step.</returns>
        public static double PriceStep(double logPrice, double used, double target, double step, double scale = 1)
        {
            var violation = Math.Max(-1.0, Math.Min(1.0, (used - target) / target));
            return ProjectPrice(logPrice + step * violation, scale);
        }

        /// <summary>Eq. 19's projection: log lambda clipped to <c>[log(MinPrice / c), log(MaxPrice / c)]</c>.</summary>
        /// <param name="logPrice">log lambda.</param>
        /// <param name="scale">c, the unit scale.</param>
        public static double ProjectPrice(double logPrice, double scale = 1) =>
            Math.Max(Math.Log(BudgetDefaults.MinPrice / scale), Math.Min(Math.Log(BudgetDefaults.MaxPrice / scale), logPrice));

        /// <summary>Eq. 17, in place: <c>s &lt;- Proj_[0,1](s + lr dU/ds)</c>.</summary>
        /// <param name="participation">s, updated in place.</param>
        /// <param name="utilityGradient">dU/ds.</param>
        /// <param name="learningRate">lr_s.</param>
        public static void ProjectedAscent(Tensor participation, Tensor utilityGradient, double learningRate)
        {
            using var _ = no_grad();
            participation.add_(utilityGradient, alpha: learningRate).clamp_(0, 1);
        }
    }
}
