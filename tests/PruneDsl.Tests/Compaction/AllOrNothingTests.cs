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
    [Fact]
    public void A_model_whose_second_step_has_a_consumer_of_another_width_is_left_unchanged()
    {
        manual_seed(3);
        using var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed: 1);
        Participations.Set(model.Fc2Participation, 30, seed: 2);
        using var stranger = nn.Linear(100, 10); // takes 100 inputs; fc2 has 256 outputs
        var before = TrainingData.Snapshot(model);
        var strangerBefore = stranger.weight!.clone();
        var steps = new[]
        {
            new CompactionStep(model.Fc1Participation, model.Fc2, "fc2"),
            new CompactionStep(model.Fc2Participation, stranger, "stranger"),
        };

        var error = Assert.Throws<InvalidOperationException>(() => Compactor.Compact(model, steps));

        Assert.Equal("Cannot compact 'fc2' into 'stranger': 'stranger' takes 100 inputs but 'fc2' has 256 outputs. " +
            "Compaction assumes each [ParticipationGroup] layer feeds the next Linear field declared after it. Nothing was compacted.", error.Message);
        TrainingData.AssertUnchanged(before, model); // fc1 (the valid first step) included
        Assert.Equal((512L, 512L, 256L), (model.Fc1.out_features, model.Fc2.in_features, model.Fc2.out_features));
        Assert.True(TrainingData.BitEqual(strangerBefore, stranger.weight!));
    }

    [Fact]
    public void A_model_whose_second_step_breaks_an_n_m_group_is_left_unchanged()
    {
        manual_seed(4);
        using var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed: 3);
        Participations.Set(model.Fc2Participation, 30, seed: 4);
        var before = TrainingData.Snapshot(model);
        var steps = new[]
        {
            new CompactionStep(model.Fc1Participation, model.Fc2, "fc2"),
            new CompactionStep(model.Fc2Participation, model.Head, "head", KeepWholeGroupsOf: 3),
        };

        var error = Assert.Throws<InvalidOperationException>(() => Compactor.Compact(model, steps));

        Assert.Equal("Cannot compact 'fc2': it has 256 outputs, not a multiple of its N:M consumer's group size 3. Nothing was compacted.", error.Message);
        TrainingData.AssertUnchanged(before, model);
    }

    [Fact]
    public void Two_layers_feeding_one_consumer_are_refused_before_anything_changes()
    {
        manual_seed(5);
        using var model = new PaperMlp();
        var before = TrainingData.Snapshot(model);
        var steps = new[]
        {
            new CompactionStep(model.Fc2Participation, model.Head, "head"),
            new CompactionStep(model.Fc2Participation, model.Head, "head"),
        };
        var error = Assert.Throws<InvalidOperationException>(() => Compactor.Compact(model, steps));
        Assert.Contains("'fc2' feeds 'head' too", error.Message);
        TrainingData.AssertUnchanged(before, model);
    }

    [Fact]
    public void A_valid_compaction_reports_each_layer_as_it_goes()
    {
        manual_seed(6);
        using var model = new PaperMlp();
        Participations.Set(model.Fc1Participation, 40, seed: 5);
        Participations.Set(model.Fc2Participation, 30, seed: 6);
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
