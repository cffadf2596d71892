using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PruneDsl.Reporting;
using PruneDsl.Scoring;
using PruneDsl.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistCompare;

/// <summary>How the plain (attribute-free) models are trained: Adam, no weight decay.</summary>
public sealed record TrainingSettings(double LearningRate, int BatchSize, int? MaxBatches)
{
    public static TrainingSettings From(Options o) => new(o.LearningRate, o.BatchSize, o.MaxBatches);
}

/// <summary>One epoch of a plain training run.</summary>
public sealed record EpochLine(int Epoch, double TrainLoss, double TestAccuracy, TimeSpan Elapsed);

/// <summary>
/// Training of the plain MLPs (dense, fine-tune with masks kept, small from scratch) and the calibration pass that feeds
/// the data-driven criteria.
/// </summary>
public static class PlainTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> for <paramref name="epochs"/> passes over shuffled <paramref name="train"/> with a
    /// fresh Adam; <paramref name="afterStep"/> runs after every optimizer step (re-applies pruning masks). Prints a line
    /// per epoch.
    /// </summary>
    public static IReadOnlyList<EpochLine> Train(nn.Module<Tensor, Tensor> model, LabeledData train, LabeledData test,
        TrainingSettings settings, int epochs, long seed, string label, Action? afterStep = null) =>
        RunMonitor.Watch(monitor => Train(model, train, test, settings, epochs, seed, label, afterStep, monitor));

    private static IReadOnlyList<EpochLine> Train(nn.Module<Tensor, Tensor> model, LabeledData train, LabeledData test,
        TrainingSettings settings, int epochs, long seed, string label, Action? afterStep, IProgress<WorkProgress> progress)
    {
        var clock = Stopwatch.StartNew();
        var lines = new List<EpochLine>();
        using var optimizer = optim.Adam(model.parameters(), settings.LearningRate);
        var generator = new Generator((ulong)seed);
        model.train();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var trainLoss = TrainingLoop.RunPlainEpoch(model, optimizer, train, settings.BatchSize, generator, afterStep,
                (b, batches) => progress.Report(new WorkProgress($"{label} epoch {epoch}/{epochs}", (long)(epoch - 1) * batches + b, (long)epochs * batches, clock.Elapsed)),
                settings.MaxBatches);
            var line = new EpochLine(epoch, trainLoss, Evaluation.Accuracy(model, test), clock.Elapsed);
            lines.Add(line);
            AnsiConsole.MarkupLineInterpolated($"[grey]{label}[/] epoch {epoch,2}/{epochs}  loss {line.TrainLoss:F4}  test {line.TestAccuracy:P2}  {line.Elapsed:mm\\:ss}");
        }
        return lines;
    }

    /// <summary>
    /// Runs <paramref name="batches"/> training batches (a seeded shuffle, the same for every criterion) through the
    /// model without updating it: every criterion is attached to each hidden layer (Wanda records the inputs through forward
    /// pre-hooks, removed afterwards) and observes the gradients after each backward pass (Taylor, Fisher).
    /// </summary>
    /// <returns>Per hidden layer, which neurons are dead: pre-activation at or below 0 (ReLU output 0) on every calibration input.</returns>
    public static IReadOnlyList<bool[]> Calibrate(Mlp model, LabeledData train, TrainingSettings settings, int batches, long seed,
        IReadOnlyList<IAccumulatingCriterion> accumulating) =>
        RunMonitor.Watch(monitor => Calibrate(model, train, settings, batches, seed, accumulating, monitor));

    private static IReadOnlyList<bool[]> Calibrate(Mlp model, LabeledData train, TrainingSettings settings, int batches, long seed,
        IReadOnlyList<IAccumulatingCriterion> accumulating, IProgress<WorkProgress> progress)
    {
        var clock = Stopwatch.StartNew();
        var hooks = accumulating.SelectMany(c => model.HiddenLayers.Select(l => c.Attach(l.Layer))).ToList();
        var layers = model.HiddenLayers;
        var maxima = layers.Select(l => full(l.Layer.weight!.shape[0], double.NegativeInfinity, dtype: ScalarType.Float64)).ToList();
        var removers = layers.Select((l, i) => l.Layer.register_forward_hook((module, input, output) =>
        {
            using var _ = no_grad();
            using var batchMax = output.detach().amax(0).to(ScalarType.Float64);
            maxima[i].copy_(maxima[i].maximum(batchMax));
            return output;
        })).ToList();
        try
        {
            var generator = new Generator((ulong)seed);
            using var order = randperm(train.Count, generator: generator);
            var count = (int)Math.Min(batches, (train.Count + settings.BatchSize - 1) / settings.BatchSize);
            model.train();
            for (var b = 0; b < count; b++)
            {
                using var scope = NewDisposeScope();
                var index = order[(b * settings.BatchSize)..(int)Math.Min((b + 1L) * settings.BatchSize, train.Count)];
                foreach (var p in model.parameters()) p.grad?.zero_();
                var loss = nn.functional.cross_entropy(model.call(train.Inputs.index_select(0, index)), train.Labels.index_select(0, index));
                loss.backward();
                foreach (var criterion in accumulating)
                    foreach (var layer in model.HiddenLayers) criterion.Observe(layer.Layer);
                progress.Report(new WorkProgress("criterion scoring (calibration batches)", b + 1, count, clock.Elapsed));
            }
            foreach (var p in model.parameters()) p.grad?.zero_();
            return maxima.Select(m =>
            {
                using var dead = m.le(0);
                return dead.data<bool>().ToArray();
            }).ToList();
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
            foreach (var remover in removers) remover.remove();
            foreach (var m in maxima) m.Dispose();
        }
    }
}

/// <summary>A copy of a module's state dict, to start every criterion from the same trained weights.</summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _state;

    private WeightSnapshot(Dictionary<string, Tensor> state) => _state = state;

    public static WeightSnapshot Take(nn.Module module)
    {
        using var _ = no_grad();
        return new WeightSnapshot(module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()));
    }

    /// <summary>Copies the saved values back into the module's tensors (same names and shapes).</summary>
    public void Restore(nn.Module module)
    {
        using var _ = no_grad();
        var live = module.state_dict();
        if (live.Count != _state.Count || live.Keys.Any(k => !_state.ContainsKey(k)))
            throw new InvalidOperationException(
                $"The snapshot holds [{string.Join(", ", _state.Keys)}] but the module has [{string.Join(", ", live.Keys)}]; restore into the module the snapshot was taken from.");
        foreach (var (name, tensor) in live) tensor.copy_(_state[name]);
    }

    public void Dispose()
    {
        foreach (var t in _state.Values) t.Dispose();
        _state.Clear();
    }
}
