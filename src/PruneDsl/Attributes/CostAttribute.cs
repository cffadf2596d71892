using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// The game's cost settings (docs/equations.md section 1). On a model class it sets the defaults of every
    /// <see cref="ParticipationGroupAttribute"/> field; on a field it overrides only the properties it names.
    /// </summary>
    /// <example>
    /// <code>
    /// [Cost(Beta = 0.05, Gamma = 0.05)]
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt;
    /// {
    ///     [ParticipationGroup, Cost(Gamma = 0.2)] private readonly Linear fc1 = Linear(784, 512);
    /// }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class CostAttribute : Attribute
    {
        /// <summary>Weight of the benefit term <c>alpha s_i &lt;grad L, theta_i&gt;</c>; must be greater than 0.</summary>
        public double Alpha { get; set; } = CostDefaults.Alpha;

        /// <summary>Weight of the L2 cost <c>beta ||theta_i||^2 s_i^2</c>; at least 0.</summary>
        public double Beta { get; set; } = CostDefaults.Beta;

        /// <summary>Weight of the L1 cost <c>gamma |s_i|</c>; at least 0. The term that drives participations to exactly 0.</summary>
        public double Gamma { get; set; } = CostDefaults.Gamma;

        /// <summary>Weight of the competition cost <c>eta s_i sum_{j != i} s_j &lt;theta_i, theta_j&gt;</c>; at least 0.</summary>
        public double Eta { get; set; } = CostDefaults.Eta;

        /// <summary>Step size of the projected gradient ascent on participations; greater than 0.</summary>
        public double LearningRate { get; set; } = CostDefaults.LearningRate;

        /// <summary>Participation below which a group is pruned after training; in (0, 1).</summary>
        public double Epsilon { get; set; } = CostDefaults.Epsilon;

        /// <summary>How the benefit term is read; see <see cref="BenefitSign"/>.</summary>
        public BenefitSign Benefit { get; set; } = CostDefaults.Benefit;
    }
}
