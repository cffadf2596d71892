using System;
using System.IO;
using System.Linq;
using PruneDsl.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Datasets.Tests
{
    public sealed class MnistDatasetTests : IDisposable
    {
        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void NormalizationConstants_AreTheCustomaryMnistValues()
        {
            Assert.Equal(0.1307f, MnistDataset.PixelMean);
            Assert.Equal(0.3081f, MnistDataset.PixelStd);
            Assert.Equal(784, MnistDataset.PixelCount);
        }

        [Theory]
        [InlineData(0, -0.424212917883804)]
        [InlineData(1, -0.41148468475348593)]
        [InlineData(128, 1.2050009227969019)]
        [InlineData(255, 2.82148653034729)]
        public void Normalize_MatchesTheFormula(byte pixel, double expected)
        {
            Assert.Equal(expected, MnistDataset.Normalize(pixel), 5);
        }

        [Fact]
        public void Load_SyntheticSplit_GivesShapesTypesAndNormalisedValues()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Test, 30);

            using var data = MnistDataset.Load(_folder.Path, MnistSplit.Test);

            Assert.Equal(30, data.Count);
            Assert.Equal(new long[] { 30, 784 }, data.Images.shape);
            Assert.Equal(ScalarType.Float32, data.Images.dtype);
            Assert.Equal(new long[] { 30 }, data.Labels.shape);
            Assert.Equal(ScalarType.Int64, data.Labels.dtype);
            Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)(i % 10)), data.Labels.data<long>().ToArray());
            foreach (var (i, p) in new[] { (0, 0), (7, 100), (29, 783) })
            {
                var expected = (IdxTestFiles.Pixel(i, p) / 255.0 - 0.1307) / 0.3081;
                Assert.Equal(expected, data.Images[i, p].item<float>(), 5);
            }
            Assert.Equal(MnistSplit.Test, data.Split);
            Assert.EndsWith("t10k-images-idx3-ubyte", data.ImagesPath);
            Assert.Equal(Enumerable.Range(0, 30), data.SourceIndices);
        }

        [Fact]
        public void Load_AcceptsGzipAndDottedNames()
        {
            var labels = Enumerable.Range(0, 20).Select(i => (byte)(9 - i % 10)).ToArray();
            IdxTestFiles.WriteGzip(_folder.File("train-images.idx3-ubyte.gz"), IdxTestFiles.Images(20, 28, 28, IdxTestFiles.Pixel));
            IdxTestFiles.Write(_folder.File("train-labels-idx1-ubyte.gz"), IdxTestFiles.Labels(labels)); // raw content despite the name

            using var data = MnistDataset.Load(_folder.Path, MnistSplit.Train);

            Assert.Equal(labels.Select(l => (long)l), data.Labels.data<long>().ToArray());
            Assert.Equal(MnistDataset.Normalize(IdxTestFiles.Pixel(19, 5)), data.Images[19, 5].item<float>());
        }

        [Fact]
        public void Load_FirstSubset_KeepsLeadingRows()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Train, 40);

            using var all = MnistDataset.Load(_folder.Path, MnistSplit.Train);
            using var first = MnistDataset.Load(_folder.Path, MnistSplit.Train, DataSubset.First(12));

            Assert.Equal(new long[] { 12, 784 }, first.Images.shape);
            Assert.Equal(all.Images[..12].data<float>().ToArray(), first.Images.data<float>().ToArray());
            Assert.Equal(all.Labels[..12].data<long>().ToArray(), first.Labels.data<long>().ToArray());
        }

        [Fact]
        public void Load_StratifiedSubset_RowsMatchTheirSourceIndices()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Train, 100, i => (byte)(i % 7 == 0 ? 3 : i % 10));

            using var all = MnistDataset.Load(_folder.Path, MnistSplit.Train);
            using var sample = MnistDataset.Load(_folder.Path, MnistSplit.Train, DataSubset.Stratified(25, seed: 4));

            Assert.Equal(25, sample.Count);
            using var index = torch.tensor(sample.SourceIndices.Select(i => (long)i).ToArray());
            using var rows = all.Images.index_select(0, index);
            using var rowLabels = all.Labels.index_select(0, index);
            Assert.Equal(rows.data<float>().ToArray(), sample.Images.data<float>().ToArray());
            Assert.Equal(rowLabels.data<long>().ToArray(), sample.Labels.data<long>().ToArray());
        }

        [Fact]
        public void Load_MissingFolder_ThrowsNamingFolderAndFetcher()
        {
            var missing = _folder.File("no-such-dir");

            var ex = Assert.Throws<IdxFormatException>(() => MnistDataset.Load(missing, MnistSplit.Train));

            Assert.Equal(missing, ex.FilePath);
            Assert.Contains(missing, ex.Message);
            Assert.Contains("does not exist", ex.Message);
            Assert.Contains("MnistFetcher", ex.Message);
            Assert.Contains("--data DIR", ex.Message);
        }

        [Fact]
        public void Load_MissingLabelsFile_ThrowsNamingTheFile()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Test, 10);
            File.Delete(_folder.File("t10k-labels-idx1-ubyte"));

            var ex = Assert.Throws<IdxFormatException>(() => MnistDataset.Load(_folder.Path, MnistSplit.Test));

            Assert.Equal(_folder.File("t10k-labels-idx1-ubyte"), ex.FilePath);
            Assert.Contains("the MNIST file is missing", ex.Message);
            Assert.Contains("t10k-labels.idx1-ubyte.gz", ex.Message);
            Assert.Contains(MnistFiles.Sha256(MnistFileKind.TestLabels), ex.Message);
        }

        [Fact]
        public void Load_ImagesNot28x28_Throws()
        {
            IdxTestFiles.Write(_folder.File("t10k-images-idx3-ubyte"), IdxTestFiles.Images(3, 8, 8, IdxTestFiles.Pixel));
            IdxTestFiles.Write(_folder.File("t10k-labels-idx1-ubyte"), IdxTestFiles.Labels(new byte[] { 1, 2, 3 }));

            var ex = Assert.Throws<IdxFormatException>(() => MnistDataset.Load(_folder.Path, MnistSplit.Test));

            Assert.EndsWith("t10k-images-idx3-ubyte", ex.FilePath);
            Assert.Contains("8x8 images where MNIST has 28x28", ex.Message);
        }

        [Fact]
        public void Load_LabelOutOfRange_Throws()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Test, 10, i => (byte)(i == 6 ? 12 : 1));

            var ex = Assert.Throws<IdxFormatException>(() => MnistDataset.Load(_folder.Path, MnistSplit.Test));

            Assert.EndsWith("t10k-labels-idx1-ubyte", ex.FilePath);
            Assert.Contains("label 12 at index 6 is outside 0..9", ex.Message);
        }

        [Fact]
        public void Load_SubsetLargerThanSplit_Throws()
        {
            IdxTestFiles.WriteMnistSplit(_folder.Path, MnistSplit.Test, 10);

            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => MnistDataset.Load(_folder.Path, MnistSplit.Test, DataSubset.First(11)));

            Assert.Contains("asks for 11 items but the dataset holds only 10", ex.Message);
        }

        [Fact]
        public void AcceptedNames_ListCanonicalGzipAndDottedVariants()
        {
            Assert.Equal(
                new[] { "train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "train-images.idx3-ubyte", "train-images.idx3-ubyte.gz" },
                MnistFiles.AcceptedNames(MnistFileKind.TrainImages));
            Assert.Equal("t10k-labels.idx1-ubyte", MnistFiles.AcceptedNames(MnistFileKind.TestLabels)[2]);
        }
    }
}
