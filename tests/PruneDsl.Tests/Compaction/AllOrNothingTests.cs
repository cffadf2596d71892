using System;
using System.Collections.Generic;
using PruneDsl.Compaction;
using PruneDsl.Tests.Training;
using PruneDsl.Training;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Compaction;

/// <summary>Compaction checks every step before any layer changes: a failure leaves the model bit for bit as it was.</summary>
public sealed class AllOrNothingTests
{
    /// <summary>The paper's MLP with 40 / 30 neurons kept, as a finished game would leave it.</summary>
    private static PaperMlp Pruned(int seed)
    {
        manual_seed(seed);
        var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed: seed);
        Participations.Set(model.Fc2Participation, 30, seed: seed + 1);
        return model;
    }

    /// <summary>Compacts with <paramref name="steps"/>, expects the refusal, and checks that nothing changed.</summary>
    private static InvalidOperationException Refused(PaperMlp model, params CompactionStep[] steps)
    {
        var before = TrainingData.Snapshot(model);
        var error = Assert.Throws<InvalidOperationException>(() => Compactor.Compact(model, steps));
        TrainingData.AssertUnchanged(before, model); // the valid first step's layers included
        return error;
    }

    [Fact]
    public void A_model_whose_second_step_has_a_consumer_of_another_width_is_left_unchanged()
    {
        using var model = Pruned(3);
        using var stranger = nn.Linear(100, 10); // takes 100 inputs; fc2 has 256 outputs
        var strangerBefore = stranger.weight!.clone();

        var error = Refused(model,
            new CompactionStep(model.Fc1Participation, model.Fc2, "fc2"),
            new CompactionStep(model.Fc2Participation, stranger, "stranger"));

        Assert.Equal("Cannot compact 'fc2' into 'stranger': 'stranger' takes 100 inputs but 'fc2' has 256 outputs. " +
            "Compaction assumes each [ParticipationGroup] layer feeds the next Linear field declared after it. Nothing was compacted.", error.Message);
        Assert.Equal((512L, 512L, 256L), (model.Fc1.out_features, model.Fc2.in_features, model.Fc2.out_features));
        Assert.True(TrainingData.BitEqual(strangerBefore, stranger.weight!));
    }

    [Fact]
    public void A_model_whose_second_step_breaks_an_n_m_group_is_left_unchanged()
    {
        using var model = Pruned(4);
        var error = Refused(model,
            new CompactionStep(model.Fc1Participation, model.Fc2, "fc2"),
            new CompactionStep(model.Fc2Participation, model.Head, "head", KeepWholeGroupsOf: 3));
        Assert.Equal("Cannot compact 'fc2': it has 256 outputs, not a multiple of its N:M consumer's group size 3. Nothing was compacted.", error.Message);
    }

    [Fact]
    public void Two_layers_feeding_one_consumer_are_refused_before_anything_changes()
    {
        using var model = Pruned(5);
        var error = Refused(model,
            new CompactionStep(model.Fc2Participation, model.Head, "head"),
            new CompactionStep(model.Fc2Participation, model.Head, "head"));
        Assert.Contains("'fc2' feeds 'head' too", error.Message);
    }

    [Fact]
    public void A_valid_compaction_reports_each_layer_as_it_goes()
    {
        using var model = Pruned(6);
        var progress = new List<WorkProgress>();
        var report = Compactor.Compact(model, new[]
        {
            new CompactionStep(model.Fc1Participation, model.Fc2, "fc2"),
            new CompactionStep(model.Fc2Participation, model.Head, "head"),
        }, new Sync<WorkProgress>(progress.Add));
        Assert.Equal(new Dictionary<string, int> { ["fc1"] = 40, ["fc2"] = 30 }, report.Widths);
        Assert.Equal(new[] { ("fc1", 1L, 2L), ("fc2", 2L, 2L) }, progress.ConvertAll(p => (p.Detail!, p.Done, p.Total)));
    }
}
