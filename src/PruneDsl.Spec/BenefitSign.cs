namespace PruneDsl
{
    /// <summary>
    /// How the game reads the benefit term <c>B_i = alpha * s_i * &lt;grad_theta_i L, theta_i&gt;</c> of docs/equations.md section 1.
    /// </summary>
    /// <remarks>
    /// <para>What is computed: the signal <c>g_i = &lt;grad_theta_i L, theta_i&gt;</c> with the gradient on the raw weights
    /// theta_i (the neuron's fan-in row and bias), from the backward pass the weights train on. The gate multiplies the
    /// neuron's output by <c>s_i</c>, so that gradient carries the factor <c>s_i</c> and <c>g_i = s_i dL/ds_i</c>, the
    /// loss's marginal in <c>log s_i</c>; it is not <c>dL/ds_i</c> itself. Each reading below is applied to <c>g_i</c>, and
    /// the participation ascends <c>alpha b_i</c> minus the cost gradients (Eq. 13).</para>
    /// <para>Why it vanishes at 0: <c>g_i = 0</c> whenever <c>s_i = 0</c>, whatever the loss, so under every reading a
    /// pruned group's benefit is 0 and only the costs act on it: pruning is absorbing. Whether a pruned group would gain
    /// by re-entering is measured separately, from the true marginal <c>dL/ds_i</c> with the same reading
    /// (<c>Game.EquilibriumCertificate</c>; README.md reports what it finds on MNIST).</para>
    /// <para>The sign: raising <c>s_i</c> raises the loss (to first order) exactly when <c>dL/ds_i &gt; 0</c>, which has the
    /// sign of <c>g_i</c>, so ascent on the literal term favours the groups that hurt. The paper reads the term as a
    /// "contribution"; <see cref="LossAligned"/> is the reading that matches that intent (a first-order Taylor estimate,
    /// in <c>log s_i</c>, of the loss a group saves). README.md reports what each reading does on MNIST.</para>
    /// </remarks>
#if PRUNEDSL_RUNTIME
    public
#endif
    enum BenefitSign
    {
        /// <summary><c>b_i = -g_i = -s_i dL/ds_i</c>: the first-order loss decrease the group provides (default).</summary>
        LossAligned = 0,

        /// <summary><c>b_i = +g_i = s_i dL/ds_i</c>: the paper's equations taken literally.</summary>
        Literal = 1,

        /// <summary><c>b_i = |g_i| = s_i |dL/ds_i|</c>: the magnitude of the group's first-order effect.</summary>
        Magnitude = 2,
    }
}
