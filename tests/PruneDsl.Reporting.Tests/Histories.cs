using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Training;

namespace PruneDsl.Reporting.Tests;

/// <summary>Run histories made by hand (through the public constructor JSON reading uses), as the trainers record them.</summary>
internal static class Histories
{
    /// <summary>
    /// A game run of 4 epochs over two layers (6 and 4 groups), 2 samples per epoch: in fc1, groups 1 and 4 fall below
    /// epsilon at epoch 1.5 and 3 and stay there; group 2 dips below and comes back.
    /// </summary>
    public static RunHistory Game(RunOutcome outcome = RunOutcome.Completed)
    {
        var fc1 = new List<TrajectorySample>();
        var fc2 = new List<TrajectorySample>();
        for (var k = 0; k <= 8; k++)
        {
            var e = k / 2.0;
            fc1.Add(new TrajectorySample(k * 10, e, new[]
            {
                1f, e >= 1.5 ? 0f : (float)(1 - e / 1.5), k == 3 ? 0.005f : 0.6f, 0.9f, e >= 3 ? 0f : (float)(1 - e / 3), 0.4f,
            }));
            fc2.Add(new TrajectorySample(k * 10, e, new[] { 1f, 0.8f, 0.7f, e >= 2 ? 0.001f : 0.5f }));
        }
        var epochs = Enumerable.Range(1, 4).Select(epoch => new EpochRecord(epoch, TrainingPhase.Training, 1.0 / epoch, 0.9 + epoch / 100.0, 10 * epoch, 20 * epoch, new[]
        {
            new LayerRecord("fc1", 6, epoch >= 3 ? 4 : epoch >= 2 ? 5 : 6, 0.5, Math.Pow(10, epoch)),
            new LayerRecord("fc2", 4, epoch >= 2 ? 3 : 4, 0.6, epoch == 2 ? double.PositiveInfinity : 20),
        })).ToList();
        var results = outcome == RunOutcome.Completed
            ? new Dictionary<string, double> { ["accuracy_after_pruning"] = 0.9755, ["sparsity"] = 0.3, ["wall_seconds"] = 164 }
            : new Dictionary<string, double>();
        return new RunHistory(RunHistory.FormatName, RunHistory.FormatVersion, "game", "TinyMlp",
            new Dictionary<string, string> { ["LearningRate"] = "0.001", ["fc1.cost"] = "{\"Gamma\":0.0007}" },
            epochs,
            new[]
            {
                new GroupTrajectory("fc1", "participation", 0.01, 6, Enumerable.Range(0, 6).ToArray(), fc1),
                new GroupTrajectory("fc2", "participation", 0.01, 4, Enumerable.Range(0, 4).ToArray(), fc2),
            },
            new[] { new LayerValues("fc1", "participation", fc1[^1].Values), new LayerValues("fc2", "participation", fc2[^1].Values) },
            new[] { new TrainingWarning(WarningKind.LossDiverging, "the loss rose", 2, 35) },
            new[] { new CheckpointRecord("/tmp/x/checkpoint.pdckpt", 4, 80, 40) },
            results, outcome,
            outcome == RunOutcome.Failed ? "Training of 'TinyMlp' diverged at epoch 4, step 81: the loss is NaN." : null);
    }

    /// <summary>An evolution run: 2 selection epochs and 1 fine-tune epoch over one layer of 5 populations.</summary>
    public static RunHistory Evolution() => new(RunHistory.FormatName, RunHistory.FormatVersion, "evolution", "TinyEvolving",
        new Dictionary<string, string> { ["fc1.dynamics"] = "replicator" },
        new[]
        {
            new EpochRecord(1, TrainingPhase.Training, 0.5, 0.95, 5, 10, new[] { new LayerRecord("fc1", 5, 5, 1, null, 0.7, 1.3, 4.8) }),
            new EpochRecord(2, TrainingPhase.Training, 0.4, 0.96, 10, 20, new[] { new LayerRecord("fc1", 5, 5, 1, null, 0.4, 1.6, 4.5) }),
            new EpochRecord(3, TrainingPhase.FineTune, 0.3, 0.97, 15, 30, new[] { new LayerRecord("fc1", 5, 3, 1, null, 0, 1.9, 2.9) }),
        },
        new[]
        {
            new GroupTrajectory("fc1", "mass", null, 5, Enumerable.Range(0, 5).ToArray(),
                Enumerable.Range(0, 4).Select(k => new TrajectorySample(k, k, new[] { 1f + k * 0.3f, 1f, 1f - k * 0.3f, 1f, 1f })).ToList()),
        },
        new[] { new LayerValues("fc1", "mass", new[] { 1.9f, 1f, 0.1f, 1f, 1f }) },
        null, null, null, RunOutcome.Completed, null);
}
