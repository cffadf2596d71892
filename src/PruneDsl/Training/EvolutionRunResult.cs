using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Evolution;
using PruneDsl.Thresholds;

namespace PruneDsl.Training
{
    /// <summary>The two phases of an evolution run.</summary>
    public enum EvolutionPhase
    {
        /// <summary>Weights train while the masses evolve every step.</summary>
        Selection,

        /// <summary>The pruned network's weights train with the masses frozen and extinct neurons held at zero.</summary>
        FineTune,
    }

    /// <summary>What one epoch did.</summary>
    /// <param name="Phase">Selection or fine-tune.</param>
    /// <param name="Epoch">1-based epoch over the whole run (fine-tune epochs continue the count).</param>
    /// <param name="TrainLoss">Mean training loss over its batches.</param>
    /// <param name="TestAccuracy">Held-out accuracy of the gated model at the end of the epoch.</param>
    /// <param name="Layers">Per evolving layer.</param>
    /// <param name="Elapsed">Wall time since the start of the run.</param>
    public sealed record EvolutionEpochReport(EvolutionPhase Phase, int Epoch, double TrainLoss, double TestAccuracy, IReadOnlyList<PopulationState> Layers, TimeSpan Elapsed);

    /// <summary>The accuracy of the trained (not fine-tuned) model at one pruning level.</summary>
    /// <param name="Sparsity">The fraction of populations asked to be removed.</param>
    /// <param name="Scope">Per layer or global.</param>
    /// <param name="Accuracy">Held-out accuracy with the extinct populations removed.</param>
    /// <param name="KeptPerLayer">Surviving populations by layer name.</param>
    public sealed record PruningProbe(double Sparsity, ThresholdScope Scope, double Accuracy, IReadOnlyDictionary<string, int> KeptPerLayer);

    /// <summary>What an evolution run produced.</summary>
    /// <param name="Epochs">One report per selection epoch, then one per fine-tune epoch.</param>
    /// <param name="DenseAccuracy">Held-out accuracy at the end of selection, every population present.</param>
    /// <param name="Sweep">The accuracy at each requested extra pruning level (no fine-tune).</param>
    /// <param name="Scope">How the final pruning ranked the masses.</param>
    /// <param name="PrunedAccuracy">Held-out accuracy after hard pruning, before any fine-tune.</param>
    /// <param name="FineTunedAccuracy">Held-out accuracy after the fine-tune; null when there was none.</param>
    /// <param name="Layers">Per evolving layer after hard pruning (and fine-tune).</param>
    /// <param name="SelectionTime">Wall time of the selection phase.</param>
    /// <param name="FineTuneTime">Wall time of the fine-tune.</param>
    /// <param name="WallTime">Total wall time, evaluation included.</param>
    /// <param name="History">Everything the run recorded, for plots and reports (see <see cref="RunHistory"/>).</param>
    public sealed record EvolutionRunResult(
        IReadOnlyList<EvolutionEpochReport> Epochs,
        double DenseAccuracy,
        IReadOnlyList<PruningProbe> Sweep,
        ThresholdScope Scope,
        double PrunedAccuracy,
        double? FineTunedAccuracy,
        IReadOnlyList<PopulationState> Layers,
        TimeSpan SelectionTime,
        TimeSpan FineTuneTime,
        TimeSpan WallTime,
        RunHistory History)
    {
        /// <summary>All populations of all evolving layers.</summary>
        public int TotalGroups => Layers.Sum(l => l.Groups);

        /// <summary>Extinct populations over all evolving layers.</summary>
        public int PrunedGroups => Layers.Sum(l => l.Extinct);

        /// <summary>The fraction of populations removed.</summary>
        public double Sparsity => TotalGroups == 0 ? 0 : (double)PrunedGroups / TotalGroups;

        /// <summary>The accuracy of the final model: after the fine-tune when there was one, else after pruning.</summary>
        public double FinalAccuracy => FineTunedAccuracy ?? PrunedAccuracy;
    }
}
