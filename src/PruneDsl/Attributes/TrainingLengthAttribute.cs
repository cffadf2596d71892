using System;
using PruneDsl.Spec;

namespace PruneDsl
{
    /// <summary>
    /// Declares how long the model will be trained, in participation updates (one <c>StepParticipations()</c> per
    /// optimizer step, as in Algorithm 1): <c>Epochs * StepsPerEpoch</c>. The analyzers use it to check that the cost
    /// settings can prune within the training (PD0011, PD0012); without it they assume the paper's 20 epochs x 469 steps.
    /// It has no effect at run time.
    /// </summary>
    /// <example>
    /// <code>
    /// [TrainingLength(Epochs = 20, StepsPerEpoch = 469)] // MNIST, 60,000 examples, batch 128
    /// [Cost(Beta = 0.05, Gamma = 0.05)]
    /// public partial class Mlp : Module&lt;Tensor, Tensor&gt; { ... }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class TrainingLengthAttribute : Attribute
    {
        /// <summary>Passes over the training data; at least 1.</summary>
        public int Epochs { get; set; }

        /// <summary>
        /// Participation updates per epoch; at least 1. With an update every batch this is the number of batches per epoch,
        /// <c>ceil(examples / batch size)</c>.
        /// </summary>
        public int StepsPerEpoch { get; set; }

        /// <summary>The declared length as a <see cref="TrainingSchedule"/> (validate it with <see cref="TrainingSchedule.Validate"/>).</summary>
        public TrainingSchedule Schedule => new TrainingSchedule(Epochs, StepsPerEpoch);
    }
}
