using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Reconstruction;
using PruneDsl.Spec;
using PruneDsl.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>
/// A small MLP declared with [Reconstruct]: a class-level SparseGPT, fc1 at the 2:4 pattern of its [Sparsity] and
/// quantized to INT4, fc2 removing a quarter of its neurons by OBS into head (its consumer in forward), head opted out.
/// The fields are declared in the reverse of forward's order.
/// </summary>
[Reconstruct(ReconstructionMethod.SparseGpt, Sparsity = 0.5, BlockSize = 16, CalibrationBatches = 2)]
public sealed partial class ReconstructMlp : Module<Tensor, Tensor>
{
    [Reconstruct(ReconstructionMethod.None)] public readonly Linear head = Linear(24, 4);
    [Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.25)] public readonly Linear fc2 = Linear(32, 24);
    [Sparsity("2:4"), Reconstruct(Bits = 4)] public readonly Linear fc1 = Linear(16, 32);

    public ReconstructMlp() : base(nameof(ReconstructMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>The generated Reconstruct method: its baked settings, its order and consumers, and the same result as OneShot.Run by hand.</summary>
public sealed class GeneratedReconstructTests
{
    /// <summary>
    /// A model, and a second one with the same weights, copied (the global seed is left alone: other test classes run in
    /// parallel and seed it for themselves).
    /// </summary>
    private static (ReconstructMlp Model, ReconstructMlp Copy) Twins()
    {
        var model = new ReconstructMlp();
        var copy = new ReconstructMlp();
        using (no_grad())
            foreach (var ((_, from), (_, to)) in model.named_parameters().Zip(copy.named_parameters()))
                to.copy_(from);
        return (model, copy);
    }

    private static List<Tensor> Calibration()
    {
        var generator = new Generator(7);
        return Enumerable.Range(0, 3).Select(_ => randn(new long[] { 64, 16 }, generator: generator)).ToList();
    }

    private sealed class Recorder : IProgress<WorkProgress>
    {
        public List<WorkProgress> Reports { get; } = new();

        public void Report(WorkProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Settings_are_the_class_then_the_field_with_the_pattern_of_its_Sparsity()
    {
        Assert.Equal(new ReconstructionSpec(ReconstructionMethod.SparseGpt, 0.5, "2:4", BlockSize: 16, CalibrationBatches: 2, Bits: 4), ReconstructMlp.Fc1Reconstruction);
        Assert.Equal(new ReconstructionSpec(ReconstructionMethod.Obs, 0.25, null, BlockSize: 16, CalibrationBatches: 2), ReconstructMlp.Fc2Reconstruction);
        // head opts out ([Reconstruct(ReconstructionMethod.None)], Bits 0): no settings field, not a target.
        Assert.Null(typeof(ReconstructMlp).GetField("HeadReconstruction"));
    }

    [Fact]
    public void Reconstruct_runs_the_layers_in_forward_order_and_equals_OneShot_Run_by_hand()
    {
        var calibration = Calibration();
        var twins = Twins();
        using var generated = twins.Model;
        using var byHand = twins.Copy;
        var recorder = new Recorder();

        using var result = generated.Reconstruct(calibration, recorder);
        var targets = new[]
        {
            new ReconstructionTarget("fc1", byHand.fc1, new ReconstructionSpec(ReconstructionMethod.SparseGpt, 0.5, "2:4", BlockSize: 16, CalibrationBatches: 2, Bits: 4)),
            new ReconstructionTarget("fc2", byHand.fc2, new ReconstructionSpec(ReconstructionMethod.Obs, 0.25, BlockSize: 16, CalibrationBatches: 2), byHand.head),
        };
        using var expected = OneShot.Run(byHand, targets, calibration);

        // Forward order (fc1, then fc2), not the declaration order; head only through fc2's OBS update.
        Assert.Equal(new[] { "fc1", "fc2" }, recorder.Reports.Select(r => r.Detail));
        Assert.Equal(new long[] { 1, 2 }, recorder.Reports.Select(r => r.Done));
        Assert.All(recorder.Reports, r => Assert.Equal(2, r.Total));
        Assert.Equal(new[] { "fc1" }, result.Layers.Select(l => l.Layer));
        var neurons = Assert.Single(result.Neurons);
        Assert.Equal("fc2", neurons.Layer);
        Assert.Equal(24 - 6, neurons.After); // round(0.25 * 24) removed
        Assert.Equal(expected.Neurons.Single().Removed, neurons.Removed);

        // fc1 is a valid 2:4 layer of INT4 values; fc2's removed rows and head's matching columns are 0.
        Assert.Equal(4, result.Layers[0].Quantized!.Scheme.Bits);
        Assert.Equal(new SparsityPattern(2, 4), result.Layers[0].Quantized!.Pattern);
        using (no_grad())
        {
            var groups = generated.fc1.weight!.reshape(32, 4, 4).ne(0).sum(2);
            Assert.True(groups.le(2).all().item<bool>(), "a group of four inputs of fc1 keeps more than two weights");
            Assert.Equal(0.5, result.Layers[0].Sparsity, 6);
            using var removed = tensor(neurons.Removed.Select(i => (long)i).ToArray());
            Assert.Equal(0f, generated.fc2.weight!.index_select(0, removed).abs().max().item<float>());
            Assert.Equal(0f, generated.head.weight!.index_select(1, removed).abs().max().item<float>());

            // Bit for bit what OneShot.Run does with the same settings and targets.
            foreach (var ((name, a), (_, b)) in generated.named_parameters().Zip(byHand.named_parameters()))
                Assert.True(a.equal(b).all().item<bool>(), name + " differs from OneShot.Run by hand");
            Assert.True(generated.forward(calibration[0]).equal(byHand.forward(calibration[0])).all().item<bool>());
        }
    }

    [Fact]
    public void Reconstruct_without_calibration_batches_says_so_and_changes_nothing()
    {
        using var model = new ReconstructMlp();
        var before = model.fc1.weight!.detach().clone();
        var error = Assert.Throws<ArgumentException>(() => model.Reconstruct(Array.Empty<Tensor>()));
        Assert.Contains("at least one calibration batch", error.Message);
        Assert.True(model.fc1.weight!.equal(before).all().item<bool>());
    }
}
