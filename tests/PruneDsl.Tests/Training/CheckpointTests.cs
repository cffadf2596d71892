using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PruneDsl.Checkpoints;
using PruneDsl.Tests.Export;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Training;

/// <summary>The resume tests change libtorch's thread count: they run alone.</summary>
[CollectionDefinition(nameof(OneThreadCollection), DisableParallelization = true)]
public sealed class OneThreadCollection
{
}

[Collection(nameof(OneThreadCollection))]
public class CheckpointTests
{
    private static readonly LabeledData Train = TrainingData.Make(200, 1);
    private static readonly LabeledData Test = TrainingData.Make(64, 2);

    /// <summary>3 epochs of 7 batches: 21 steps.</summary>
    private static GameTrainingOptions GameOptions(string folder, int every = 0) => new()
    {
        Epochs = 3, BatchSize = 32, Seed = 7, CertificateBatches = 2, CheckpointDirectory = folder, CheckpointEvery = every,
    };

    /// <summary>A budget of 20 of the 28 groups with a fast price; the game ends by epoch 2 at the latest.</summary>
    private static readonly PruneDsl.Spec.BudgetSpec Budget = new(Keep: 20, PriceStep: 0.05, SettleEpochs: 0, FineTuneEpochs: 1);

    [Theory]
    [InlineData(10, false)] // mid-epoch (epoch 2, batch 3)
    [InlineData(14, false)] // at an epoch's end, before its report
    [InlineData(10, true)] // under a budget: its price, state and drift average resume too
    public void A_game_resumed_from_a_checkpoint_ends_bit_for_bit_where_the_uninterrupted_run_ends(int stopAt, bool budget)
    {
        GameTrainingOptions GameOptions(string folder, int every = 0) =>
            CheckpointTests.GameOptions(folder, every) with { Budget = budget ? Budget : null };

        using var threads = new OneThread();
        using var straightFolder = new TempFolder("straight");
        using var resumedFolder = new TempFolder("resumed");

        // N steps straight (writing only its final checkpoint, for its optimizer moments).
        manual_seed(11);
        var straight = new ResumeMlp();
        var a = new GameTrainer(straight, GameOptions(straightFolder.Path)).Run(Train, Test);

        // N/2 steps, a checkpoint, a crash.
        manual_seed(11);
        var interrupted = new ResumeMlp();
        var crash = new Sync<TrainingProgress>(p => { if (p.Step == stopAt && p.Phase == TrainingPhase.Training) throw new Interrupt(); });
        Assert.Throws<Interrupt>(() => new GameTrainer(interrupted, GameOptions(resumedFolder.Path, every: stopAt)).Run(Train, Test, steps: crash));

        // A fresh model (other initial weights) and a fresh trainer load the checkpoint and do the other N/2 steps.
        manual_seed(12345);
        var resumed = new ResumeMlp();
        var steps = new List<TrainingProgress>();
        var c = new GameTrainer(resumed, GameOptions(resumedFolder.Path, every: stopAt) with { Resume = true })
            .Run(Train, Test, steps: new Sync<TrainingProgress>(steps.Add));

        Assert.Equal(stopAt, steps.First().FirstStep);
        Assert.Equal(21 - stopAt, steps.Count(p => p.Phase == TrainingPhase.Training));
        // Every tensor of the model after training, certificate and hard pruning: weights, participations, biases.
        AssertSameState(straight, resumed);
        // Every tensor of the final checkpoints: the model before hard pruning, the N:M masks and counters, the optimizer's
        // moments and step counts (TorchSharp's optimizer state, byte for byte), both random generators, the position.
        using (var left = CheckpointFile.Read(Path.Combine(straightFolder.Path, WeightTrainingOptions.CheckpointFileName)))
        using (var right = CheckpointFile.Read(Path.Combine(resumedFolder.Path, WeightTrainingOptions.CheckpointFileName)))
        {
            Assert.Equal(left.Tensors.Keys.OrderBy(k => k), right.Tensors.Keys.OrderBy(k => k));
            Assert.Contains("nm/head/mask", left.Tensors.Keys);
            if (budget) Assert.Contains("budget/fc1/velocity", left.Tensors.Keys);
            foreach (var (name, tensor) in left.Tensors) Assert.True(TrainingData.BitEqual(tensor, right.Tensors[name]), $"checkpoint tensor '{name}' differs");
            Assert.Equal(left.Blob("optimizer"), right.Blob("optimizer"));
            Assert.Equal(left.Header.Position, right.Header.Position);
        }
        Assert.Equal(a.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.TestAccuracy)), c.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.TestAccuracy)));
        Assert.Equal(a.AccuracyAfterPruning, c.AccuracyAfterPruning);
        Assert.Equal(a.Layers.Select(l => l.Kept), c.Layers.Select(l => l.Kept));
        Assert.Equal(a.Histogram.Counts, c.Histogram.Counts);
        Assert.Equal(a.Certificate.MaxGain, c.Certificate.MaxGain);
        if (budget)
        {
            Assert.Equal(a.Budget!.Prices.Select(p => p.Price), c.Budget!.Prices.Select(p => p.Price));
            Assert.Equal(a.Budget.SettledStep, c.Budget.SettledStep);
        }
        // The resumed run's history is whole: every epoch, every trajectory sample, and the checkpoints of both sessions.
        Assert.Equal(3, c.History.Epochs.Count);
        Assert.Equal(a.History.Trajectories.Select(t => t.Samples.Count), c.History.Trajectories.Select(t => t.Samples.Count));
        for (var t = 0; t < a.History.Trajectories.Count; t++)
            for (var k = 0; k < a.History.Trajectories[t].Samples.Count; k++)
                Assert.Equal(a.History.Trajectories[t].Samples[k].Values, c.History.Trajectories[t].Samples[k].Values);
        Assert.Equal(RunOutcome.Completed, c.History.Outcome);
    }

    [Theory]
    [InlineData(10)] // during selection
    [InlineData(26)] // during the fine-tune (selection is 3 x 7 = 21 steps)
    public void An_evolution_run_resumed_from_a_checkpoint_ends_bit_for_bit_where_the_uninterrupted_run_ends(int stopAt)
    {
        using var threads = new OneThread();
        using var straightFolder = new TempFolder("straight");
        using var resumedFolder = new TempFolder("resumed");
        EvolutionTrainingOptions Options(string folder, int every) => new()
        {
            Epochs = 3, BatchSize = 32, Seed = 3, FineTuneEpochs = 2, FineTuneLearningRate = 5e-3, CheckpointDirectory = folder, CheckpointEvery = every,
            Sweep = new[] { new PruningPoint(0.25, PruneDsl.Thresholds.ThresholdScope.Global) },
        };

        manual_seed(21);
        var straight = new ResumeEvolvingMlp();
        var a = new EvolutionTrainer(straight, Options(straightFolder.Path, 0)).Run(Train, Test);

        manual_seed(21);
        var crash = new Sync<TrainingProgress>(p => { if (p.Step == stopAt && p.Phase is TrainingPhase.Training or TrainingPhase.FineTune) throw new Interrupt(); });
        Assert.Throws<Interrupt>(() => new EvolutionTrainer(new ResumeEvolvingMlp(), Options(resumedFolder.Path, stopAt)).Run(Train, Test, steps: crash));

        manual_seed(999);
        var resumed = new ResumeEvolvingMlp();
        var c = new EvolutionTrainer(resumed, Options(resumedFolder.Path, stopAt) with { Resume = true }).Run(Train, Test);

        AssertSameState(straight, resumed);
        using (var left = CheckpointFile.Read(Path.Combine(straightFolder.Path, WeightTrainingOptions.CheckpointFileName)))
        using (var right = CheckpointFile.Read(Path.Combine(resumedFolder.Path, WeightTrainingOptions.CheckpointFileName)))
        {
            Assert.Equal(left.Tensors.Keys.OrderBy(k => k), right.Tensors.Keys.OrderBy(k => k));
            Assert.Contains("population/fc1/smoothed", left.Tensors.Keys);
            Assert.Contains("population/fc1/keep", left.Tensors.Keys);
            foreach (var (name, tensor) in left.Tensors) Assert.True(TrainingData.BitEqual(tensor, right.Tensors[name]), $"checkpoint tensor '{name}' differs");
            Assert.Equal(left.Blob("optimizer"), right.Blob("optimizer"));
        }
        Assert.Equal(a.Epochs.Select(e => (e.Phase, e.TrainLoss, e.TestAccuracy)), c.Epochs.Select(e => (e.Phase, e.TrainLoss, e.TestAccuracy)));
        Assert.Equal(a.DenseAccuracy, c.DenseAccuracy);
        Assert.Equal(a.Sweep[0].Accuracy, c.Sweep[0].Accuracy);
        Assert.Equal(a.PrunedAccuracy, c.PrunedAccuracy);
        Assert.Equal(a.FinalAccuracy, c.FinalAccuracy);
        Assert.Equal(a.Layers.Select(l => l.Kept), c.Layers.Select(l => l.Kept));
    }

    [Fact]
    public void A_truncated_or_corrupt_checkpoint_is_refused_naming_the_file_and_nothing_is_loaded()
    {
        using var folder = new TempFolder("damaged");
        manual_seed(1);
        new GameTrainer(new ResumeMlp(), GameOptions(folder.Path, every: 5) with { Epochs = 1 }).Run(Train, Test);
        var file = Path.Combine(folder.Path, WeightTrainingOptions.CheckpointFileName);
        var intact = File.ReadAllBytes(file);

        File.WriteAllBytes(file, intact[..(intact.Length / 2)]);
        var truncated = Refused(folder.Path);
        Assert.Contains("truncated or corrupt", truncated.Message);

        var flipped = (byte[])intact.Clone();
        flipped[flipped.Length / 3] ^= 0x20;
        File.WriteAllBytes(file, flipped);
        Assert.Contains("checksum does not match", Refused(folder.Path).Message);

        File.WriteAllBytes(file, intact[..20]);
        Assert.Contains("too short", Refused(folder.Path).Message);

        File.WriteAllBytes(file, System.Text.Encoding.ASCII.GetBytes("not a checkpoint at all, but long enough to pass the length check of the reader"));
        Assert.Contains("not a PruneDsl checkpoint", Refused(folder.Path).Message);
    }

    [Fact]
    public void A_checkpoint_of_another_model_other_widths_other_settings_or_another_trainer_is_refused_before_anything_is_loaded()
    {
        using var folder = new TempFolder("mismatch");
        manual_seed(1);
        new GameTrainer(new ResumeMlp(), GameOptions(folder.Path) with { Epochs = 1 }).Run(Train, Test);

        var lookalike = Refused(folder.Path, () => new LookalikeMlp());
        Assert.Contains("saved from a 'PruneDsl.Tests.Training.ResumeMlp', not a 'PruneDsl.Tests.Training.LookalikeMlp'", lookalike.Message);

        var settings = Refused(folder.Path, options: o => o with { LearningRate = 2e-3, BatchSize = 16 });
        Assert.Contains("setting LearningRate was 0.001 and is now 0.002", settings.Message);
        Assert.Contains("setting BatchSize was 32 and is now 16", settings.Message);

        var cost = Refused(folder.Path, () =>
        {
            var m = new ResumeMlp();
            m.Fc1Participation.Cost = m.Fc1Participation.Cost with { Gamma = 0.02 };
            return m;
        });
        Assert.Contains("setting fc1.cost was", cost.Message);

        using var widths = new TempFolder("widths");
        new GameTrainer(new WidthMlp(16), GameOptions(widths.Path) with { Epochs = 1 }).Run(Train, Test);
        var narrow = new WidthMlp(8);
        var before = TrainingData.Snapshot(narrow);
        var error = Assert.Throws<CheckpointException>(() => new GameTrainer(narrow, GameOptions(widths.Path) with { Epochs = 1, Resume = true }).Run(Train, Test));
        Assert.Contains("tensor 'fc1.weight' has shape [16, 20] in the file but [8, 20] in the model", error.Message);
        Assert.Contains(Path.Combine(widths.Path, WeightTrainingOptions.CheckpointFileName), error.Message);
        TrainingData.AssertUnchanged(before, narrow);

        var evolving = new ResumeEvolvingMlp();
        var other = Assert.Throws<CheckpointException>(() =>
            new EvolutionTrainer(evolving, new EvolutionTrainingOptions { Epochs = 1, BatchSize = 32, CheckpointDirectory = folder.Path, Resume = true }).Run(Train, Test));
        Assert.Contains("it was written by the game trainer, and this run is the evolution trainer's", other.Message);
    }

    [Fact]
    public void Resume_without_a_checkpoint_starts_at_step_0_and_says_so()
    {
        using var folder = new TempFolder("none");
        var warnings = new List<TrainingWarning>();
        manual_seed(1);
        var result = new GameTrainer(new ResumeMlp(), GameOptions(folder.Path) with { Epochs = 1, Resume = true })
            .Run(Train, Test, warnings: new Sync<TrainingWarning>(warnings.Add));
        var warning = Assert.Single(warnings);
        Assert.Equal(WarningKind.NothingToResume, warning.Kind);
        Assert.Equal(warning, Assert.Single(result.History.Warnings));
        Assert.True(File.Exists(Path.Combine(folder.Path, WeightTrainingOptions.CheckpointFileName)));
    }

    [Fact]
    public void A_checkpoint_is_replaced_atomically_and_a_crash_before_the_rename_leaves_the_last_good_one()
    {
        using var folder = new TempFolder("atomic");
        manual_seed(1);
        var written = new List<long>();
        var options = GameOptions(folder.Path, every: 3) with { Epochs = 1 };
        var result = new GameTrainer(new ResumeMlp(), options).Run(Train, Test);
        Assert.Equal(new[] { (1, 3L), (1, 6L), (1, 7L) }, result.History.Checkpoints.Select(c => (c.Epoch, c.Step)));
        Assert.Equal(new[] { WeightTrainingOptions.CheckpointFileName }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        var file = Path.Combine(folder.Path, WeightTrainingOptions.CheckpointFileName);
        var good = File.ReadAllBytes(file);

        // The next run crashes after writing its new checkpoint in full, before renaming it over the old one.
        CheckpointFile.BeforeRename = _ => throw new IOException("power cut");
        try
        {
            manual_seed(2);
            var error = Assert.Throws<IOException>(() => new GameTrainer(new ResumeMlp(), options with { Seed = 8 }).Run(Train, Test));
            Assert.Equal("power cut", error.Message);
        }
        finally
        {
            CheckpointFile.BeforeRename = null;
        }
        Assert.Equal(good, File.ReadAllBytes(file));
        Assert.Equal(new[] { WeightTrainingOptions.CheckpointFileName }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        using var contents = CheckpointFile.Read(file);
        Assert.Equal(7, contents.Header.Position.Step);
    }

    /// <summary>Resumes a fresh model from the folder's checkpoint, expects a refusal, and checks that nothing was loaded.</summary>
    private static CheckpointException Refused(string folder, Func<TorchSharp.torch.nn.Module<Tensor, Tensor>>? create = null,
        Func<GameTrainingOptions, GameTrainingOptions>? options = null)
    {
        manual_seed(77);
        var model = create?.Invoke() ?? new ResumeMlp();
        var before = TrainingData.Snapshot(model);
        var settings = (options ?? (o => o))(GameOptions(folder) with { Epochs = 1, Resume = true });
        var error = Assert.Throws<CheckpointException>(() => new GameTrainer(model, settings).Run(Train, Test));
        Assert.Equal(Path.Combine(folder, WeightTrainingOptions.CheckpointFileName), error.Path);
        Assert.StartsWith($"Checkpoint '{error.Path}' cannot be resumed from: ", error.Message);
        TrainingData.AssertUnchanged(before, model);
        return error;
    }

    private static void AssertSameState(TorchSharp.torch.nn.Module a, TorchSharp.torch.nn.Module b)
    {
        var left = a.state_dict();
        var right = b.state_dict();
        Assert.Equal(left.Keys, right.Keys);
        foreach (var (name, tensor) in left) Assert.True(TrainingData.BitEqual(tensor, right[name]), $"tensor '{name}' differs");
    }
}
