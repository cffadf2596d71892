using System.Linq;
using PruneDsl.Reconstruction;
using PruneDsl.Scoring;
using PruneDsl.Spec;
using PruneDsl.Tests.Data;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>OBS neuron removal on a small MLP trained on real MNIST (subsets).</summary>
[Collection(MnistCollection.Name)]
public sealed class ObsNeuronTests
{
    private readonly MnistFixture _mnist;
    private readonly ITestOutputHelper _output;

    public ObsNeuronTests(MnistFixture mnist, ITestOutputHelper output)
    {
        _mnist = mnist;
        _output = output;
    }

    [Fact]
    public void Obs_choice_and_update_keep_more_accuracy_than_plain_magnitude_removal()
    {
        var trained = TrainedMnistMlp.Get(_mnist.Directory);
        double Run(bool obs)
        {
            using var model = trained.Fresh();
            foreach (var (producer, consumer, keep, name) in new[] { (model.fc1, model.fc2, 16, "fc1"), (model.fc2, model.head, 12, "fc2") })
            {
                using var h = LayerwiseCalibration.Collect(model, consumer, trained.Calibration, appendOnes: true, layerName: name);
                using var hessian = h.Hessian();
                NeuronRemoval removal;
                if (obs) removal = ObsNeuronPruning.RemoveByObs(producer, consumer, hessian, keep, producerName: name, calibrationRows: h.Rows);
                else
                {
                    using var scores = MagnitudeCriterion.L2.Score(producer);
                    var n = (int)producer.weight!.shape[0];
                    var decision = new TargetSparsity((double)(n - keep) / n).Select(scores);
                    removal = ObsNeuronPruning.Remove(producer, consumer, hessian, Enumerable.Range(0, n).Where(i => !decision.KeepMask[i]).ToList(), false, producerName: name);
                }
                Assert.Equal(keep, removal.After);
                using var removed = tensor(removal.Removed.Select(i => (long)i).ToArray());
                // The removed neurons are gone: their rows, biases and the consumer's columns are exactly 0.
                Assert.Equal(0.0, producer.weight!.index_select(0, removed).abs().max().item<float>());
                Assert.Equal(0.0, producer.bias!.index_select(0, removed).abs().max().item<float>());
                Assert.Equal(0.0, consumer.weight!.index_select(1, removed).abs().max().item<float>());
            }
            return Evaluation.Accuracy(model, trained.TestData);
        }
        using var dense = trained.Fresh();
        var denseAccuracy = Evaluation.Accuracy(dense, trained.TestData);
        var plain = Run(obs: false);
        var repaired = Run(obs: true);
        _output.WriteLine($"dense {denseAccuracy:P2}; 96/48 -> 16/12: magnitude, plain {plain:P2}; OBS choice + update {repaired:P2}");
        Assert.True(repaired > plain + 0.05, $"OBS {repaired:P2} vs plain {plain:P2}");
    }

    [Fact]
    public void OneShot_removes_the_declared_fraction_of_neurons_and_compensates_the_consumer()
    {
        var trained = TrainedMnistMlp.Get(_mnist.Directory);
        using var model = trained.Fresh();
        var spec = new ReconstructionSpec(ReconstructionMethod.Obs, Sparsity: 0.75, CalibrationBatches: 2);
        using var result = OneShot.Run(model, new[] { new ReconstructionTarget("fc1", model.fc1, spec, model.fc2) }, trained.Calibration);
        var removal = Assert.Single(result.Neurons);
        Assert.Empty(result.Layers);
        Assert.Equal((96, 24, true), (removal.Before, removal.After, removal.Compensated));
        using var rows = model.fc1.weight!.abs().sum(dim: 1);
        Assert.Equal(72, rows.eq(0).sum().item<long>());
        var accuracy = Evaluation.Accuracy(model, trained.TestData);
        _output.WriteLine($"fc1 96 -> 24 by OBS: {accuracy:P2}");
        Assert.True(accuracy > 0.8);
    }
}
