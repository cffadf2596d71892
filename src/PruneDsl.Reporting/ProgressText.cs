using System;
using System.Globalization;
using System.Linq;
using PruneDsl.Training;

namespace PruneDsl.Reporting
{
    /// <summary>
    /// The words of a progress line, shared by the live bar and the plain lines: epoch, step, loss, accuracy, kept groups
    /// per layer and the time left. Pure functions of the reports, so tests can check them.
    /// </summary>
    public static class ProgressText
    {
        /// <summary>
        /// E.g. <c>epoch 3/20  step 1,234/9,380  eta 1:23  loss 0.1234  test 97.12%  kept fc1 37/512 fc2 24/256</c> (the time
        /// left early, so a narrow terminal cuts the layers rather than it);
        /// evaluation, certificate and pruning phases say so instead of the step.
        /// </summary>
        /// <param name="p">Where the run stands.</param>
        public static string Describe(TrainingProgress p)
        {
            if (p is null) throw new ArgumentNullException(nameof(p));
            var c = CultureInfo.InvariantCulture;
            var phase = p.Phase switch
            {
                TrainingPhase.Training => "",
                TrainingPhase.FineTune => "fine-tune ",
                TrainingPhase.Evaluation => "evaluating ",
                TrainingPhase.Certificate => "certifying ",
                TrainingPhase.Pruning => "pruning ",
                _ => p.Phase.ToString().ToLowerInvariant() + " ",
            };
            var parts = new System.Collections.Generic.List<string>
            {
                string.Create(c, $"{phase}epoch {p.Epoch}/{p.Epochs}"),
                string.Create(c, $"step {p.Step:N0}/{p.TotalSteps:N0}"),
            };
            if (p.Remaining is TimeSpan left) parts.Add("eta " + Duration(left));
            if (!double.IsNaN(p.Loss)) parts.Add(string.Create(c, $"loss {p.Loss:F4}"));
            if (p.TestAccuracy is double accuracy) parts.Add("test " + Percent(accuracy));
            if (p.Kept.Count > 0) parts.Add("kept " + string.Join(" ", p.Kept.Select(k => string.Create(c, $"{k.Layer} {k.Kept}/{k.Groups}"))));
            return string.Join("  ", parts);
        }

        /// <summary>E.g. <c>evaluation 3/10  eta 0:02</c>, or <c>compaction 1/2 (fc1)</c>.</summary>
        /// <param name="p">Where the work stands.</param>
        public static string Describe(WorkProgress p)
        {
            if (p is null) throw new ArgumentNullException(nameof(p));
            var text = string.Create(CultureInfo.InvariantCulture, $"{p.Work} {p.Done:N0}/{p.Total:N0}");
            if (p.Detail is not null) text += $" ({p.Detail})";
            if (p.Remaining is TimeSpan left && p.Done < p.Total) text += "  eta " + Duration(left);
            return text;
        }

        /// <summary>A fraction as a percentage, e.g. <c>97.12%</c> (invariant digits, no space).</summary>
        /// <param name="fraction">The fraction, e.g. 0.9712.</param>
        /// <param name="digits">Decimals.</param>
        public static string Percent(double fraction, int digits = 2) =>
            (100 * fraction).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

        /// <summary>A duration as <c>m:ss</c>, or <c>h:mm:ss</c> from an hour on.</summary>
        /// <param name="span">The duration.</param>
        public static string Duration(TimeSpan span)
        {
            if (span < TimeSpan.Zero) span = TimeSpan.Zero;
            return span.TotalHours >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}")
                : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}:{span.Seconds:00}");
        }
    }
}
