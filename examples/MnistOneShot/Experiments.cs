using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PruneDsl;
using PruneDsl.Export;
using PruneDsl.Quantization;
using PruneDsl.Reconstruction;
using PruneDsl.Scoring;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Spectre.Console;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistOneShot;

public sealed record OneShotRow(string Method, string Target, double Accuracy, double Sparsity);

public sealed record NeuronRow(string Choice, string Removal, int Fc1, int Fc2, long Parameters, double Accuracy, double ErrorFc2, double ErrorHead);

public sealed record SizeRow(string Format, string Rounding, long WeightBytes, long BiasBytes, double Accuracy, double QuantizationError)
{
    public long TotalBytes => WeightBytes + BiasBytes;
}

/// <summary>The trained dense weights, from which every experiment starts.</summary>
public sealed class DenseWeights : IDisposable
{
    private readonly Dictionary<string, Tensor> _state;

    private DenseWeights(Dictionary<string, Tensor> state, double accuracy, bool cached)
    {
        _state = state;
        Accuracy = accuracy;
        Cached = cached;
    }

    public double Accuracy { get; }

    public bool Cached { get; }

    /// <summary>Trains the MLP (Adam 1e-3, batch 128) or loads the cached weights of the same seed and epochs.</summary>
    public static DenseWeights TrainOrLoad(Options o, LabeledData train, LabeledData test)
    {
        var path = Path.Combine("runs", "mnist-oneshot", $"dense-seed{o.Seed}-epochs{o.Epochs}.bin");
        manual_seed(o.Seed);
        using var model = new Mlp();
        var cached = File.Exists(path) && !o.Retrain;
        if (cached)
        {
            model.load(path);
            AnsiConsole.MarkupLineInterpolated($"Dense weights loaded from [blue]{path}[/] (pass --retrain to train again).");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            using var optimizer = optim.Adam(model.parameters(), 1e-3);
            var generator = new Generator((ulong)o.Seed);
            model.train();
            for (var epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var loss = TrainingLoop.RunPlainEpoch(model, optimizer, train, 128, generator);
                AnsiConsole.MarkupLineInterpolated(
                    $"[grey]dense[/] epoch {epoch}/{o.Epochs}  loss {loss:F4}  test {Evaluation.Accuracy(model, test):P2}  {clock.Elapsed:mm\\:ss}");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            model.save(path);
        }
        using var _ = no_grad();
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        return new DenseWeights(state, Evaluation.Accuracy(model, test), cached);
    }

    /// <summary>A new model holding the dense weights.</summary>
    public Mlp Fresh()
    {
        var model = new Mlp();
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) t.copy_(_state[name]);
        model.eval();
        return model;
    }

    public void Dispose()
    {
        foreach (var t in _state.Values) t.Dispose();
    }
}

public static class Experiments
{
    public static readonly string[] Targets = { "50%", "70%", "80%", "2:4" };

    private static PruneTarget Target(string text) =>
        text.EndsWith('%') ? PruneTarget.Unstructured(double.Parse(text.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture) / 100) : PruneTarget.NM(text);

    private static ReconstructionSpec SparseGptSpec(string target, int bits = 0, int batches = 16) => Target(target) is { Pattern: { } p }
        ? new ReconstructionSpec(ReconstructionMethod.SparseGpt, Pattern: p.ToString(), Bits: bits, CalibrationBatches: batches)
        : new ReconstructionSpec(ReconstructionMethod.SparseGpt, Sparsity: Target(target).Sparsity, Bits: bits, CalibrationBatches: batches);

    private static List<ReconstructionTarget> Targeted(Mlp model, ReconstructionSpec spec) =>
        model.Layers.Select(l => new ReconstructionTarget(l.Name, l.Layer, spec)).ToList();

    /// <summary>Magnitude, Wanda and SparseGPT at each target, every Linear layer pruned, no fine-tune.</summary>
    public static List<OneShotRow> OneShot(DenseWeights dense, List<Tensor> calibration, LabeledData test)
    {
        var rows = new List<OneShotRow>();
        foreach (var target in Targets)
        {
            foreach (var baseline in new[] { OneShotBaseline.Magnitude, OneShotBaseline.Wanda })
            {
                using var model = dense.Fresh();
                var results = PruneDsl.Reconstruction.OneShot.PruneBaseline(model, model.Layers, calibration, baseline, Target(target));
                rows.Add(new OneShotRow(baseline.ToString(), target, Evaluation.Accuracy(model, test), Sparsity(results)));
                foreach (var r in results) r.Dispose();
            }
            using (var model = dense.Fresh())
            using (var result = PruneDsl.Reconstruction.OneShot.Run(model, Targeted(model, SparseGptSpec(target, batches: calibration.Count)), calibration))
                rows.Add(new OneShotRow("SparseGPT", target, Evaluation.Accuracy(model, test), Sparsity(result.Layers)));
            AnsiConsole.MarkupLineInterpolated($"[grey]one-shot {target}: {string.Join(", ", rows.TakeLast(3).Select(r => $"{r.Method} {r.Accuracy:P2}"))}[/]");
        }
        return rows;
    }

    private static double Sparsity(IReadOnlyList<LayerReconstruction> layers) =>
        1.0 - (double)layers.Sum(l => l.Kept) / layers.Sum(l => l.Total);

    /// <summary>
    /// Removes hidden neurons down to (fc1, fc2), fc1's first (consumer fc2), then fc2's (consumer head, calibrated on the
    /// model after the first step): chosen by magnitude-L2 or by OBS saliency (greedy removal, or the kept set grown
    /// greedily), removed plainly or with the closed-form OBS update of the consumer.
    /// </summary>
    public static List<NeuronRow> Neurons(DenseWeights dense, List<Tensor> calibration, LabeledData test, int fc1, int fc2, double dampening)
    {
        var rows = new List<NeuronRow>();
        var variants = new[]
        {
            (NeuronChoice.MagnitudeL2, false), (NeuronChoice.MagnitudeL2, true),
            (NeuronChoice.ObsRemovalGreedy, false), (NeuronChoice.ObsRemovalGreedy, true), (NeuronChoice.ObsKeptSetGreedy, true),
        };
        foreach (var (choice, compensate) in variants)
        {
            using var model = dense.Fresh();
            var errors = new List<double>();
            foreach (var (producer, consumer, keep, name) in new[] { (model.fc1, model.fc2, fc1, "fc1"), (model.fc2, model.head, fc2, "fc2") })
            {
                using var h = LayerwiseCalibration.Collect(model, consumer, calibration, appendOnes: true, layerName: name + " -> consumer");
                using var hessian = h.Hessian();
                var remove = Choose(choice, producer, consumer, hessian, keep, dampening, name, h.Rows);
                errors.Add(ObsNeuronPruning.Remove(producer, consumer, hessian, remove, compensate, dampening, name, h.Rows).Error);
            }
            long parameters = (784L + 1) * fc1 + (fc1 + 1L) * fc2 + (fc2 + 1L) * 10;
            rows.Add(new NeuronRow(Label(choice), compensate ? "OBS update" : "plain", fc1, fc2, parameters, Evaluation.Accuracy(model, test), errors[0], errors[1]));
            AnsiConsole.MarkupLineInterpolated($"[grey]neurons {rows[^1].Choice}, {rows[^1].Removal}: {rows[^1].Accuracy:P2}[/]");
        }
        return rows;
    }

    public enum NeuronChoice { MagnitudeL2, ObsRemovalGreedy, ObsKeptSetGreedy }

    private static string Label(NeuronChoice choice) => choice switch
    {
        NeuronChoice.MagnitudeL2 => "magnitude L2",
        NeuronChoice.ObsRemovalGreedy => "OBS saliency, removed one by one",
        _ => "OBS saliency, kept set grown one by one",
    };

    /// <summary>Which of the producer's neurons to remove so that <paramref name="keep"/> remain.</summary>
    private static IReadOnlyList<int> Choose(NeuronChoice choice, Linear producer, Linear consumer, Tensor hessian, int keep, double dampening, string name, long rows)
    {
        var n = (int)producer.weight!.shape[0];
        if (choice == NeuronChoice.MagnitudeL2)
        {
            using var scores = MagnitudeCriterion.L2.Score(producer);
            var decision = new TargetSparsity((double)(n - keep) / n).Select(scores);
            return Enumerable.Range(0, n).Where(i => !decision.KeepMask[i]).ToList();
        }
        // The consumer with its bias as the last column (the constant-1 input), which is never a candidate.
        using var augmented = cat(new[] { consumer.weight!.detach(), consumer.bias!.detach().unsqueeze(1) }, 1);
        if (choice == NeuronChoice.ObsKeptSetGreedy)
        {
            using var damped = LayerHessian.Damped(hessian, dampening);
            var kept = ObsNeuronPruning.KeepGreedy(augmented, damped, keep, Enumerable.Range(0, n).ToList(), new[] { n });
            return Enumerable.Range(0, n).Except(kept).ToList();
        }
        using var inverse = LayerHessian.Inverse(hessian, dampening, name, rows);
        var greedy = ObsNeuronPruning.RemoveGreedy(augmented, inverse, n - keep, Enumerable.Range(0, n).ToList());
        greedy.Weight.Dispose();
        return greedy.Removed;
    }

    /// <summary>
    /// Stored bytes against accuracy for FP32/INT8/INT4, dense and 2:4, round-to-nearest against GPTQ-style (per output
    /// channel). Each quantized row also reports its quantization error on the calibration images: the sum over layers of
    /// <c>||(W - W_q) X||^2 / n</c>, X the layer's inputs in the FP32 model of the same format.
    /// </summary>
    public static List<SizeRow> Sizes(DenseWeights dense, List<Tensor> calibration, LabeledData test, string exportDirectory)
    {
        var rows = new List<SizeRow>();
        using var reference = dense.Fresh();
        var biasBytes = reference.Layers.Sum(l => l.Layer.bias!.numel() * sizeof(float));
        rows.Add(new SizeRow("dense FP32", "-", reference.Layers.Sum(l => l.Layer.weight!.numel() * sizeof(float)), biasBytes, dense.Accuracy, 0));
        using var sparse = dense.Fresh();
        using (PruneDsl.Reconstruction.OneShot.Run(sparse, Targeted(sparse, SparseGptSpec("2:4", batches: calibration.Count)), calibration)) { }
        var sparseBytes = sparse.Layers.Sum(l => NmCompressed.FromTensor(l.Layer.weight!, SparsityPattern.Parse("2:4"), l.Name).StorageBytes);
        rows.Add(new SizeRow("2:4 FP32 (SparseGPT)", "-", sparseBytes, biasBytes, Evaluation.Accuracy(sparse, test), 0));
        var pattern = SparsityPattern.Parse("2:4");

        foreach (var (format, start, storage) in new[] { ("dense", reference, (SparsityPattern?)null), ("2:4", sparse, pattern) })
            foreach (var bits in new[] { 8, 4 })
            {
                var name = $"{format} INT{bits}";
                using (var model = Copy(start))
                {
                    var results = model.Layers.Select(l => RoundToNearest.Quantize(l.Layer.weight!, new QuantizationScheme(bits), storage, l.Name)).ToList();
                    foreach (var (r, l) in results.Zip(model.Layers)) r.ApplyTo(l.Layer);
                    rows.Add(new SizeRow(name, "round to nearest", results.Sum(r => r.Quantized!.StorageBytes), biasBytes, Evaluation.Accuracy(model, test),
                        QuantizationError(start, model, calibration)));
                    foreach (var r in results) r.Dispose();
                }
                using (var model = Copy(start))
                {
                    // GPTQ on the same weights, layer by layer on the outputs of the layers already quantized; zeros stay zero.
                    var spec = new ReconstructionSpec(ReconstructionMethod.None, Pattern: storage?.ToString(), Bits: bits, CalibrationBatches: calibration.Count);
                    using var result = PruneDsl.Reconstruction.OneShot.Run(model, Targeted(model, spec), calibration);
                    var accuracy = Evaluation.Accuracy(model, test);
                    rows.Add(new SizeRow(name, "GPTQ", result.Layers.Sum(r => r.Quantized!.StorageBytes), biasBytes, accuracy, QuantizationError(start, model, calibration)));
                    if (storage is not null && bits == 4) ExportAndReload(model, result, exportDirectory, test, accuracy);
                }
            }
        return rows.OrderBy(r => Order(r.Format)).ToList();
    }

    private static Mlp Copy(Mlp source)
    {
        var copy = new Mlp();
        using var _ = no_grad();
        foreach (var ((_, from), (_, to)) in source.Layers.Zip(copy.Layers))
        {
            to.weight!.copy_(from.weight!);
            to.bias!.copy_(from.bias!);
        }
        copy.eval();
        return copy;
    }

    /// <summary>Sum over layers of <c>||(W - W_q) X||^2 / n = 1/2 tr(dW H dW^T)</c>, H from <paramref name="reference"/>'s inputs.</summary>
    private static double QuantizationError(Mlp reference, Mlp quantized, List<Tensor> calibration)
    {
        double total = 0;
        foreach (var ((name, layer), (_, other)) in reference.Layers.Zip(quantized.Layers))
        {
            using var h = LayerwiseCalibration.Collect(reference, layer, calibration, layerName: name);
            using var scope = NewDisposeScope();
            var hessian = h.Hessian();
            var delta = (layer.weight!.detach() - other.weight!.detach()).to(ScalarType.Float64);
            total += 0.5 * (delta.matmul(hessian) * delta).sum().item<double>();
        }
        return total;
    }

    private static int Order(string format) => format switch
    {
        "dense FP32" => 0, "dense INT8" => 1, "dense INT4" => 2, "2:4 FP32 (SparseGPT)" => 3, "2:4 INT8" => 4, _ => 5,
    };

    /// <summary>Exports the 2:4 INT4 model, reads its quantized layers back and checks the reloaded model's accuracy.</summary>
    private static void ExportAndReload(Mlp model, OneShotResult result, string directory, LabeledData test, double accuracy)
    {
        var quantized = result.Layers.ToDictionary(l => l.Layer, l => l.Quantized!);
        SafetensorsExport.Export(model, directory, new SafetensorsExportOptions { QuantizedLayers = quantized });
        var file = new FileInfo(Path.Combine(directory, SafetensorsExport.QuantizedFile));
        var back = QuantizedExport.Read(directory);
        using var reloaded = new Mlp();
        using (no_grad())
            foreach (var (name, layer) in reloaded.Layers)
            {
                using var w = back[name].ToTensor();
                layer.weight!.copy_(w);
                layer.bias!.copy_(model.Layers.First(l => l.Name == name).Layer.bias!);
            }
        var again = Evaluation.Accuracy(reloaded, test);
        AnsiConsole.MarkupLineInterpolated(
            $"2:4 INT4 export in [blue]{directory}[/]: {SafetensorsExport.QuantizedFile} is {file.Length:N0} bytes on disk (with its header); reloaded from it the model scores {again:P2} ({(again == accuracy ? "the same" : "[red]different[/]")}).");
    }
}
