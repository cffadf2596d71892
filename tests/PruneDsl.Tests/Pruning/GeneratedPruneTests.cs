using System;
using System.Linq;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Pruning;

/// <summary>Taylor + EMP on the class; fc2 overrides it with its own participations (Gate) + EMP.</summary>
[Prune(Criterion.Taylor, PruneThreshold.Effective)]
public sealed partial class PrunableMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(12, 9);
    [ParticipationGroup, Prune(Criterion.Gate, PruneThreshold.Effective)] private readonly Linear fc2 = Linear(9, 7);
    private readonly Linear head = Linear(7, 3);

    public PrunableMlp() : base(nameof(PrunableMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public Linear Fc1 => fc1;
    public Linear Fc2 => fc2;
}

public class GeneratedPruneTests
{
    [Fact]
    public void Generated_PruneByCriteria_applies_each_layers_spec_and_compaction_honours_it()
    {
        manual_seed(21);
        var model = new PrunableMlp();
        Assert.Equal(Criterion.Taylor, PrunableMlp.Fc1Prune.Criterion);
        Assert.Equal(Criterion.Gate, PrunableMlp.Fc2Prune.Criterion);

        var missing = Assert.Throws<InvalidOperationException>(() => model.PruneByCriteria());
        Assert.Contains("fc1 (taylor-fo)", missing.Message);

        using (no_grad()) model.Fc2Participation.Participation.copy_(tensor(new[] { 1f, 0.1f, 0.9f, 0.05f, 0.8f, 0.02f, 0.7f }));
        var data = new LabeledData(randn(32, 12), randint(0, 3, 32, dtype: ScalarType.Int64));
        var report = model.PruneByCriteria(data, (o, y) => functional.cross_entropy(o, y), batchSize: 16, batches: 2);
        var reports = report.Layers;
        Assert.True(report.Applied);

        Assert.Equal(new[] { "fc1", "fc2" }, reports.Select(r => r.Layer));
        Assert.Equal(new[] { "taylor-fo", "gate" }, reports.Select(r => r.Criterion));
        Assert.Equal(9, reports[0].Count);
        Assert.InRange(reports[0].Kept, 1, 9);
        Assert.All(reports, r => Assert.True(r.RetainedMass >= r.LowerBound - 1e-9));
        // fc2: sum 3.57, sum of squares 2.9529 -> N_eff = 4.316, nu = 4: the participations 1, 0.9, 0.8, 0.7.
        Assert.Equal(4, reports[1].Kept);
        Assert.Equal(new[] { true, false, true, false, true, false, true }, reports[1].Decision.KeepMask.ToArray());
        Assert.Equal(reports[0].Kept, model.Fc1Participation.KeptCount());

        model.Compact();
        Assert.Equal(reports[0].Kept, (int)model.Fc1.weight!.shape[0]);
        Assert.Equal(4, (int)model.Fc2.weight!.shape[0]);
        Assert.Equal(reports[0].Kept, (int)model.Fc2.weight!.shape[1]);
    }
}
