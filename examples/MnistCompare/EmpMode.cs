using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PruneDsl.Pruning;
using PruneDsl.Scoring;
using PruneDsl.Thresholds;
using PruneDsl.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace MnistCompare;

/// <summary>EMP's decision and certificate on one layer.</summary>
public sealed record EmpLayerRow(
    string Layer,
    int Neurons,
    double EffectiveSampleSize,
    int Kept,
    double Sparsity,
    double RetainedMass,
    double LowerBound,
    double PublishedLowerBound,
    bool PublishedBoundViolated);

/// <summary>How far two criteria agree on one layer: the neurons each prunes and those both prune.</summary>
public sealed record PrunedOverlap(string A, string B, string Layer, int PrunedByA, int PrunedByB, int PrunedByBoth)
{
    /// <summary>|A and B| / |A or B| of the pruned sets (1 when both prune nothing).</summary>
    public double Jaccard => PrunedByA + PrunedByB - PrunedByBoth == 0 ? 1 : (double)PrunedByBoth / (PrunedByA + PrunedByB - PrunedByBoth);
}

/// <summary>One criterion of --mode emp.</summary>
/// <param name="DeadPruned">Per layer, how many of the pruned neurons are dead on the calibration batches (null without calibration).</param>
public sealed record EmpCriterionResult(
    string Criterion,
    IReadOnlyList<EmpLayerRow> Layers,
    IReadOnlyList<int>? DeadPruned,
    double NeuronSparsity,
    long Parameters,
    double DenseAccuracy,
    double PrunedAccuracy,
    double? FineTunedAccuracy,
    double FineTuneSeconds);

/// <summary>Everything --mode emp measured.</summary>
public sealed record EmpRunSummary(
    int DenseEpochs,
    int FineTuneEpochs,
    int ScoreBatches,
    double LearningRate,
    int BatchSize,
    int Seed,
    long TrainImages,
    double DenseAccuracy,
    long DenseParameters,
    double DenseSeconds,
    double CalibrationSeconds,
    IReadOnlyList<int>? DeadNeurons,
    IReadOnlyList<EmpCriterionResult> Criteria,
    IReadOnlyList<PrunedOverlap> Overlaps);

public static class EmpMode
{
    public static EmpRunSummary Run(Options options, LabeledData train, LabeledData test)
    {
        var settings = TrainingSettings.From(options);
        AnsiConsole.Write(new Rule($"[yellow]Dense 784-512-256-10[/]  Adam lr {options.LearningRate}, batch {options.BatchSize}, {options.Epochs} epochs"));
        manual_seed(options.Seed);
        using var model = new Mlp();
        var clock = Stopwatch.StartNew();
        PlainTraining.Train(model, train, test, settings, options.Epochs, options.Seed, "dense");
        var denseSeconds = clock.Elapsed.TotalSeconds;
        var denseAccuracy = Evaluation.Accuracy(model, test);

        var criteria = options.Criteria.Select(Create).ToList();
        var accumulating = criteria.OfType<IAccumulatingCriterion>().ToList();
        clock.Restart();
        IReadOnlyList<bool[]>? dead = null;
        if (accumulating.Count > 0)
        {
            dead = PlainTraining.Calibrate(model, train, settings, options.ScoreBatches, options.Seed + 1, accumulating);
            AnsiConsole.MarkupLineInterpolated(
                $"Calibration: {string.Join(", ", accumulating.Select(c => c.Name))} observed {accumulating[0].ObservedBatches(model.Fc1)} batches of {options.BatchSize} ({clock.Elapsed.TotalSeconds:F1} s).");
            AnsiConsole.MarkupLineInterpolated(
                $"Dead neurons (ReLU output 0 on every calibration input): fc1 {dead[0].Count(d => d)}, fc2 {dead[1].Count(d => d)}.");
        }
        var calibrationSeconds = clock.Elapsed.TotalSeconds;

        using var snapshot = WeightSnapshot.Take(model);
        var results = new List<EmpCriterionResult>();
        var decisions = new List<IReadOnlyList<KeepDecision>>();
        foreach (var criterion in criteria)
        {
            snapshot.Restore(model);
            var start = Evaluation.Accuracy(model, test);
            if (start != denseAccuracy)
                throw new InvalidOperationException($"Restoring the dense weights gave accuracy {start} instead of {denseAccuracy}; the snapshot did not restore the model.");
            AnsiConsole.Write(new Rule($"[yellow]{criterion.Name}[/] + EMP (beta = 1) per layer"));
            PruneReport report;
            using (var pruner = new CriterionPruner(model.HiddenLayers.Select(l => new PruneTarget(l.Name, l.Layer, criterion, EffectiveModelPruning.Default))))
                report = pruner.Apply();
            var rows = report.Layers.Select(Row).ToList();
            var pruned = Evaluation.Accuracy(model, test);
            Report.PrintEmpLayers(criterion.Name, rows, denseAccuracy, pruned);

            double? fineTuned = null;
            clock.Restart();
            if (options.FineTuneEpochs > 0)
            {
                var masks = report.Layers.Select(l => l.Decision).ToList();
                var layers = model.HiddenLayers;
                PlainTraining.Train(model, train, test, settings, options.FineTuneEpochs, options.Seed + 2, $"fine-tune {criterion.Name}",
                    () => { for (var i = 0; i < layers.Count; i++) CriterionPruner.ZeroPruned(layers[i].Layer, masks[i]); });
                fineTuned = Evaluation.Accuracy(model, test);
                CheckMasksHeld(model, report);
            }
            decisions.Add(report.Layers.Select(l => l.Decision).ToList());
            var deadPruned = dead is null ? null
                : report.Layers.Select((l, i) => Enumerable.Range(0, l.Count).Count(j => !l.Decision.KeepMask[j] && dead[i][j])).ToList();
            var result = new EmpCriterionResult(criterion.Name, rows, deadPruned, (double)report.Pruned / report.Count,
                Mlp.ParameterCount(rows[0].Kept, rows[1].Kept), denseAccuracy, pruned, fineTuned, clock.Elapsed.TotalSeconds);
            results.Add(result);
            if (fineTuned is double f)
                AnsiConsole.MarkupLineInterpolated($"{criterion.Name}: test accuracy after the {options.FineTuneEpochs}-epoch fine-tune {f:P2}.");
        }
        foreach (var c in criteria) (c as IDisposable)?.Dispose();
        foreach (var c in accumulating) c.Reset();

        var overlaps = new List<PrunedOverlap>();
        for (var a = 0; a < results.Count; a++)
            for (var b = a + 1; b < results.Count; b++)
                for (var l = 0; l < decisions[a].Count; l++)
                {
                    var x = decisions[a][l].KeepMask;
                    var y = decisions[b][l].KeepMask;
                    overlaps.Add(new PrunedOverlap(results[a].Criterion, results[b].Criterion, results[a].Layers[l].Layer,
                        x.Count(k => !k), y.Count(k => !k), Enumerable.Range(0, x.Count).Count(j => !x[j] && !y[j])));
                }

        return new EmpRunSummary(options.Epochs, options.FineTuneEpochs, options.ScoreBatches, options.LearningRate, options.BatchSize,
            options.Seed, train.Count, denseAccuracy, Mlp.ParameterCount(512, 256), denseSeconds, calibrationSeconds,
            dead?.Select(d => d.Count(x => x)).ToList(), results, overlaps);
    }

    public static IImportanceCriterion Create(string key) => key switch
    {
        "magnitude" => MagnitudeCriterion.L2,
        "taylor" => new TaylorCriterion(),
        "wanda" => new WandaCriterion(),
        "fisher" => new FisherCriterion(),
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, $"Unknown criterion; choose from {string.Join(", ", CommandLine.AllCriteria)}."),
    };

    private static EmpLayerRow Row(LayerPruneReport layer)
    {
        var emp = layer.Decision as EffectiveModelPruningResult ?? throw new InvalidOperationException(
            $"Layer '{layer.Layer}': the pruner returned a {layer.Decision.GetType().Name}, not an EMP result with its certificate.");
        return new EmpLayerRow(layer.Layer, layer.Count, emp.EffectiveSampleSize, emp.KeepCount, emp.Sparsity, emp.RetainedMass,
            emp.LowerBound, emp.PublishedLowerBound, emp.PublishedBoundViolated);
    }

    /// <summary>Fails loudly if a pruned neuron's weights regrew during the fine-tune.</summary>
    public static void CheckMasksHeld(Mlp model, PruneReport report)
    {
        using var _ = no_grad();
        foreach (var (layer, summary) in model.HiddenLayers.Zip(report.Layers))
        {
            using var keep = summary.Decision.ToTensor();
            using var prunedRows = layer.Layer.weight!.index_select(0, keep.logical_not().nonzero().squeeze(1));
            var max = prunedRows.numel() == 0 ? 0 : prunedRows.abs().max().item<float>();
            if (max != 0)
                throw new InvalidOperationException($"Layer '{layer.Name}': pruned rows hold weights up to {max} after the fine-tune; the masks were not kept.");
        }
    }
}
