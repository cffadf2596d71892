using System.Collections.Generic;
using System.Globalization;

namespace PruneDsl.Spec
{
    /// <summary>
    /// How long training runs, counted in participation updates: one <c>StepParticipations()</c> call per optimizer step
    /// (Algorithm 1, docs/equations.md section 1), so <see cref="Updates"/> = <see cref="Epochs"/> x <see cref="StepsPerEpoch"/>. What
    /// <c>[TrainingLength]</c> declares; the analyzers check the cost settings against it.
    /// </summary>
    /// <param name="Epochs">Passes over the training data; at least 1.</param>
    /// <param name="StepsPerEpoch">Participation updates per epoch (batches per epoch when s is updated every batch); at least 1.</param>
#if PRUNEDSL_RUNTIME
    public
#endif
    readonly record struct TrainingSchedule(int Epochs, int StepsPerEpoch)
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
}
