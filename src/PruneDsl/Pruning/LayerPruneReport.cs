using PruneDsl.Thresholds;

namespace PruneDsl.Pruning
{
    /// <summary>What <c>[Prune]</c> decided for one gated layer.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Criterion">The criterion that scored its groups.</param>
    /// <param name="Threshold">The threshold as declared.</param>
    /// <param name="ThresholdName">The threshold actually applied, e.g. <c>emp(beta=1)</c> or <c>participation&gt;=epsilon</c>.</param>
    /// <param name="Count">N, the number of groups.</param>
    /// <param name="Kept">How many groups are kept.</param>
    /// <param name="EffectiveSampleSize">For EMP: <c>N_eff</c>; otherwise null.</param>
    /// <param name="RetainedMass">For EMP: <c>s_eff</c>, the kept share of the normalized scores; otherwise null.</param>
    /// <param name="LowerBound">For EMP: the corrected Theorem 4.2 lower bound on <c>s_eff</c> (checked); otherwise null.</param>
    /// <param name="Decision">The keep decision recorded on the layer.</param>
    public sealed record LayerPruneReport(
        string Layer,
        Criterion Criterion,
        PruneThreshold Threshold,
        string ThresholdName,
        int Count,
        int Kept,
        double? EffectiveSampleSize,
        double? RetainedMass,
        double? LowerBound,
        KeepDecision Decision)
    {
        /// <summary>How many groups are pruned.</summary>
        public int Pruned => Count - Kept;
    }

    /// <summary>One gated layer and the <c>[Prune]</c> settings that apply to it.</summary>
    /// <param name="Gate">The layer's participations or masses.</param>
    /// <param name="Spec">Its criterion and threshold.</param>
    public sealed record PruneTarget(PruneDsl.Game.IGroupGate Gate, PruneDsl.Spec.PruneSpec Spec);
}
