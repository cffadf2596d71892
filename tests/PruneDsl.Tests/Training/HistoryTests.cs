using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

public class HistoryTests
{
    private static readonly LabeledData Train = TrainingData.Make(200, 1);
    private static readonly LabeledData Test = TrainingData.Make(64, 2);

    [Fact]
    public void A_game_run_records_its_epochs_trajectories_final_values_and_reports_every_step()
    {
        manual_seed(1);
        var steps = new List<TrainingProgress>();
        var options = new GameTrainingOptions { Epochs = 3, BatchSize = 32, CertificateBatches = 2, TrajectorySamplesPerEpoch = 2, TrajectoryGroupLimit = 10 };
        var result = new GameTrainer(new ResumeMlp(), options).Run(Train, Test, steps: new Sync<TrainingProgress>(steps.Add));
        var h = result.History;

        Assert.Equal(("game", "ResumeMlp", RunOutcome.Completed), (h.Method, h.Model, h.Outcome));
        Assert.Equal(new[] { 1, 2, 3 }, h.Epochs.Select(e => e.Epoch));
        Assert.Equal(result.Epochs.Select(e => e.TestAccuracy), h.Epochs.Select(e => e.TestAccuracy));
        Assert.Equal(new long[] { 7, 14, 21 }, h.Epochs.Select(e => e.Step));
        Assert.All(h.Epochs, e => Assert.Equal(new[] { "fc1", "fc2" }, e.Layers.Select(l => l.Layer)));
        Assert.All(h.Epochs.SelectMany(e => e.Layers), l => Assert.NotNull(l.ConditionNumber));
        // fc1 has 16 groups, more than the limit of 10: evenly spaced ones are kept; fc2 has 12, also capped.
        var fc1 = h.Trajectories[0];
        Assert.Equal(("fc1", "participation", 16), (fc1.Layer, fc1.Quantity, fc1.GroupCount));
        Assert.Equal(new[] { 0, 1, 3, 4, 6, 8, 9, 11, 12, 14 }, fc1.Groups);
        Assert.Equal(0.01, fc1.Threshold);
        // The initial values, then 2 samples per epoch, after batches 4 and 7 of 7.
        Assert.Equal(new[] { 0.0, 4.0 / 7, 1, 1 + 4.0 / 7, 2, 2 + 4.0 / 7, 3 }, fc1.Samples.Select(s => s.Epoch));
        Assert.All(fc1.Samples, s => Assert.Equal(10, s.Values.Count));
        Assert.All(fc1.Samples[0].Values, v => Assert.Equal(1f, v));
        Assert.Equal(new[] { 16, 12 }, h.Final.Select(f => f.Values.Count));
        Assert.Equal(result.AccuracyAfterPruning, h.Results["accuracy_after_pruning"]);

        var training = steps.Where(p => p.Phase == TrainingPhase.Training).ToList();
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), training.Select(p => p.Step));
        Assert.All(training, p => Assert.Equal((21L, 3, 7), (p.TotalSteps, p.Epochs, p.Batches)));
        Assert.Null(training[0].TestAccuracy);
        Assert.Equal(h.Epochs[0].TestAccuracy, training[7].TestAccuracy); // step 8 knows epoch 1's accuracy
        Assert.All(training, p => Assert.True(double.IsFinite(p.Loss) && p.Remaining is not null));
        Assert.Equal(TimeSpan.Zero, training[^1].Remaining);
        Assert.Equal(new[] { "fc1", "fc2" }, training[^1].Kept.Select(k => k.Layer));
        Assert.Equal(result.Epochs[^1].Layers.Select(l => l.Kept), training[^1].Kept.Select(k => k.Kept));
        Assert.Contains(steps, p => p.Phase == TrainingPhase.Evaluation);
        Assert.Contains(steps, p => p.Phase == TrainingPhase.Certificate);
    }

    [Fact]
    public void A_history_round_trips_through_json_with_its_nan_and_infinite_numbers()
    {
        manual_seed(2);
        var result = new EvolutionTrainer(new ResumeEvolvingMlp(), new EvolutionTrainingOptions { Epochs = 1, BatchSize = 64, FineTuneEpochs = 1 }).Run(Train, Test);
        var h = result.History;
        Assert.Equal(new[] { TrainingPhase.Training, TrainingPhase.FineTune }, h.Epochs.Select(e => e.Phase));
        Assert.All(h.Epochs[0].Layers, l => Assert.NotNull(l.EffectivePopulations));
        Assert.Equal("mass", h.Trajectories[0].Quantity);
        Assert.Null(h.Trajectories[0].Threshold);

        var json = h.ToJson();
        var back = RunHistory.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(h.Epochs, back.Epochs, new RecordComparer());
        Assert.Equal(h.Trajectories[1].Samples[^1].Values, back.Trajectories[1].Samples[^1].Values);

        var withInfinity = new RunHistory("game", "M", new Dictionary<string, string> { ["x"] = "1" });
        withInfinity.Add(new EpochRecord(1, TrainingPhase.Training, double.NaN, 0.5, 1, 7, new[] { new LayerRecord("fc1", 4, 0, 0, double.PositiveInfinity) }));
        var again = RunHistory.FromJson(withInfinity.ToJson());
        Assert.True(double.IsNaN(again.Epochs[0].TrainLoss));
        Assert.Equal(double.PositiveInfinity, again.Epochs[0].Layers[0].ConditionNumber);
        Assert.Equal(1.0, again.Epochs[0].Sparsity);

        Assert.Contains("not a PruneDsl run history", Assert.Throws<InvalidDataException>(() => RunHistory.FromJson(json.Replace("prunedsl.run", "other"))).Message);
        Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => RunHistory.FromJson("{")).Message);
    }

    [Fact]
    public void Collapse_epochs_are_the_first_samples_below_the_threshold_that_stay_below()
    {
        var t = new GroupTrajectory("fc1", "participation", 0.1, 3, new[] { 0, 1, 2 });
        t.Add(new TrajectorySample(0, 0, new[] { 1f, 1f, 1f }));
        t.Add(new TrajectorySample(5, 0.5, new[] { 0.05f, 0.5f, 0.05f }));
        t.Add(new TrajectorySample(10, 1, new[] { 0.02f, 0.4f, 0.2f }));
        t.Add(new TrajectorySample(15, 1.5, new[] { 0f, 0.3f, 0.01f }));
        Assert.Equal(new double?[] { 0.5, null, 1.5 }, t.CollapseEpochs());
    }

    private sealed class RecordComparer : IEqualityComparer<EpochRecord>
    {
        public bool Equals(EpochRecord? x, EpochRecord? y) =>
            x!.Epoch == y!.Epoch && x.Phase == y.Phase && x.TrainLoss.Equals(y.TrainLoss) && x.Layers.SequenceEqual(y.Layers);

        public int GetHashCode(EpochRecord obj) => obj.Epoch;
    }
}
