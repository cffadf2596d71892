using System;
using System.Globalization;
using PruneDsl.Examples;
using Spectre.Console;

namespace MnistConv;

/// <summary>Which network.</summary>
public enum Net
{
    LeNet,
    ResNet,
}

/// <summary>The run's settings.</summary>
public sealed record Options
{
    public Net Net { get; init; } = Net.LeNet;
    public int Epochs { get; init; } = 6;
    public int FineTuneEpochs { get; init; } = 2;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    public double LearningRateDecay { get; init; } = 1;
    public double WeightDecay { get; init; } = 5e-4;
    public long Seed { get; init; } = 1;
    public int? TrainLimit { get; init; }
    public double? Gamma { get; init; }
    public double? ParticipationLearningRate { get; init; }
    public double? BudgetMacs { get; init; }
    public double? SettleEpochs { get; init; }
    public string? DataDirectory { get; init; }
    public string? JsonPath { get; init; }
    public string CacheDirectory { get; init; } = System.IO.Path.Combine("runs", "mnistconv");
}

/// <summary>Parses the command line.</summary>
public static class CommandLine
{
    public static Options? Parse(string[] args)
    {
        var o = new Options();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--net":
                        var net = Next();
                        o = o with { Net = net.ToLowerInvariant() switch { "lenet" => Net.LeNet, "resnet" => Net.ResNet, _ => throw new ArgumentException($"--net takes lenet or resnet; got '{net}'.") } };
                        break;
                    case "--epochs": o = o with { Epochs = Arguments.PositiveInt(Next(), "--epochs") }; break;
                    case "--finetune": o = o with { FineTuneEpochs = Arguments.PositiveInt(Next(), "--finetune") }; break;
                    case "--batch": o = o with { BatchSize = Arguments.PositiveInt(Next(), "--batch") }; break;
                    case "--lr": o = o with { LearningRate = Arguments.PositiveNumber(Next(), "--lr") }; break;
                    case "--lr-decay": o = o with { LearningRateDecay = Arguments.PositiveNumber(Next(), "--lr-decay") }; break;
                    case "--weight-decay": o = o with { WeightDecay = Arguments.Number(Next(), "--weight-decay") }; break;
                    case "--seed": o = o with { Seed = Arguments.PositiveInt(Next(), "--seed") }; break;
                    case "--train-limit": o = o with { TrainLimit = Arguments.PositiveInt(Next(), "--train-limit") }; break;
                    case "--gamma": o = o with { Gamma = Arguments.PositiveNumber(Next(), "--gamma") }; break;
                    case "--budget-macs": o = o with { BudgetMacs = Arguments.PositiveNumber(Next(), "--budget-macs") }; break;
                    case "--settle-epochs": o = o with { SettleEpochs = Arguments.Number(Next(), "--settle-epochs") }; break;
                    case "--lr-s": o = o with { ParticipationLearningRate = Arguments.PositiveNumber(Next(), "--lr-s") }; break;
                    case "--data": o = o with { DataDirectory = Next() }; break;
                    case "--json": o = o with { JsonPath = Next() }; break;
                    case "--cache": o = o with { CacheDirectory = Next() }; break;
                    case "--help":
                    case "-h":
                        Console.WriteLine(Help);
                        return null;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'. Try --help.");
                }
            }
            if (o.FineTuneEpochs >= o.Epochs)
                throw new ArgumentException($"--finetune ({o.FineTuneEpochs}) must be below --epochs ({o.Epochs}): the magnitude row trains dense for the difference.");
            return o;
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return null;
        }
    }

    private const string Help = """
        MnistConv: channel pruning of LeNet-5 and a small residual CNN on MNIST.
          --net lenet|resnet    the network (default lenet)
          --epochs N            epochs of every row (default 6): dense, the game, magnitude (dense N-F + fine-tune F), from scratch
          --finetune F          fine-tune epochs of the magnitude row (default 2)
          --gamma G, --lr-s L   add a game row with this L1 price / participation step set on every gate at run time
                                (the rows after it then use its widths)
          --budget-macs F       add a game row under [Budget(KeepFraction = F, Unit = Macs)]: at most F of the dense MACs,
                                the price found by dual ascent, the last --finetune epochs a fine-tune (the rows after it use its widths)
          --settle-epochs E     the budget's SettleEpochs (default 1)
          --lr-decay D          every row's weight learning rate is multiplied by D each epoch (default 1: constant)
          --train-limit N       train on the first N images (default: all 60,000)
          --batch, --lr, --weight-decay, --seed, --data DIR, --json PATH, --cache DIR
        Dense checkpoints are cached per epoch under runs/mnistconv.
        """;
}
