using System;
using System.Collections.Generic;
using PruneDsl.Datasets;
using PruneDsl.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PruneDsl.Tests.Reconstruction;

/// <summary>A plain 784-96-48-10 ReLU MLP whose forward calls every layer with <c>call</c> (so hooks see the inputs).</summary>
public sealed class SmallMlp : Module<Tensor, Tensor>
{
    public readonly Linear fc1 = Linear(784, 96);
    public readonly Linear fc2 = Linear(96, 48);
    public readonly Linear head = Linear(48, 10);

    public SmallMlp() : base(nameof(SmallMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));

    public IReadOnlyList<(string Name, Linear Layer)> Layers => new[] { ("fc1", fc1), ("fc2", fc2), ("head", head) };
}

/// <summary>
/// Real layers for the one-shot tests: <see cref="SmallMlp"/> trained (seed 5, Adam 2e-3, batch 100, 2 epochs) on the first 10,000
/// MNIST training images, trained once per test run; calibration batches from training images 10,000..10,511 and the first
/// 2,000 test images for accuracy. Each test gets a fresh copy (<see cref="Fresh"/>).
/// </summary>
internal sealed class TrainedMnistMlp
{
    private static readonly object Gate = new();
    private static TrainedMnistMlp? _instance;
    private readonly Dictionary<string, Tensor> _state;

    private TrainedMnistMlp(string directory)
    {
        using var train = MnistDataset.Load(directory, MnistSplit.Train, DataSubset.First(10_512));
        Test = MnistDataset.Load(directory, MnistSplit.Test, DataSubset.First(2_000));
        manual_seed(5);
        using var model = new SmallMlp();
        using var optimizer = optim.Adam(model.parameters(), 2e-3);
        var generator = new Generator(5);
        var data = new LabeledData(train.Images[..10_000], train.Labels[..10_000]);
        model.train();
        for (var epoch = 1; epoch <= 2; epoch++) TrainingLoop.RunPlainEpoch(model, optimizer, data, 100, generator);
        model.eval();
        _state = new Dictionary<string, Tensor>();
        using (no_grad())
            foreach (var (name, t) in model.state_dict()) _state[name] = t.detach().clone();
        Calibration = new List<Tensor>();
        for (var b = 0; b < 4; b++) Calibration.Add(train.Images[(10_000 + 128 * b)..(10_000 + 128 * (b + 1))].clone());
        TestData = new LabeledData(Test.Images, Test.Labels);
    }

    public static TrainedMnistMlp Get(string directory)
    {
        lock (Gate) return _instance ??= new TrainedMnistMlp(directory);
    }

    /// <summary>Four calibration batches of 128 training images (not used for training).</summary>
    public List<Tensor> Calibration { get; }

    public MnistDataset Test { get; }

    public LabeledData TestData { get; }

    /// <summary>A new model with the trained weights.</summary>
    public SmallMlp Fresh()
    {
        var model = new SmallMlp();
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) t.copy_(_state[name]);
        model.eval();
        return model;
    }

    /// <summary>All calibration inputs of <paramref name="layer"/> in <paramref name="model"/>, [512, in].</summary>
    public Tensor InputsOf(SmallMlp model, Linear layer)
    {
        var captured = new List<Tensor>();
        var hook = layer.register_forward_pre_hook((_, input) =>
        {
            captured.Add(input.detach().clone());
            return input;
        });
        try
        {
            using var _ = no_grad();
            foreach (var batch in Calibration) model.call(batch).Dispose();
        }
        finally
        {
            hook.remove();
        }
        var all = cat(captured, 0);
        foreach (var t in captured) t.Dispose();
        return all;
    }
}
