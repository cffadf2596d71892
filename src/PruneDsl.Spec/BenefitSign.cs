namespace PruneDsl
{
    /// <summary>
    /// How the game reads the benefit term <c>B_i = alpha * s_i * &lt;grad_theta_i L, theta_i&gt;</c> of docs/equations.md section 1.
    /// </summary>
    /// <remarks>
    /// With effective weights <c>s_i * theta_i</c> the chain rule gives <c>dL/ds_i = &lt;grad L, theta_i&gt;</c>, so ascent on the
    /// literal term raises a participation exactly when raising it increases the loss. The paper reads the term as a
    /// "contribution"; <see cref="LossAligned"/> is the reading that matches that intent (a first-order Taylor estimate of
    /// the loss a group saves). README.md reports what each reading does on MNIST.
    /// </remarks>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum BenefitSign
    {
        /// <summary><c>-alpha &lt;grad L, theta_i&gt;</c>: the first-order loss decrease the group provides (default).</summary>
        LossAligned = 0,

        /// <summary><c>+alpha &lt;grad L, theta_i&gt;</c>: the paper's equations taken literally.</summary>
        Literal = 1,

        /// <summary><c>alpha |&lt;grad L, theta_i&gt;|</c>: the magnitude of the group's first-order effect.</summary>
        Magnitude = 2,
    }
}
