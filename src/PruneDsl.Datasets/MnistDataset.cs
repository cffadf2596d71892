using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// One split of MNIST as TorchSharp tensors: <see cref="Images"/> float32 [N, 784], each pixel normalised to
    /// <c>(x / 255 - <see cref="PixelMean"/>) / <see cref="PixelStd"/></c>, and <see cref="Labels"/> int64 [N] in 0..9.
    /// The dataset owns both tensors; dispose it to free them.
    /// </summary>
    public sealed class MnistDataset : IDisposable
    {
        /// <summary>Mean of the training pixels scaled to [0, 1] (the customary MNIST constant).</summary>
        public const float PixelMean = 0.1307f;

        /// <summary>Standard deviation of the training pixels scaled to [0, 1] (the customary MNIST constant).</summary>
        public const float PixelStd = 0.3081f;

        /// <summary>Rows of an MNIST image.</summary>
        public const int ImageRows = 28;

        /// <summary>Columns of an MNIST image.</summary>
        public const int ImageColumns = 28;

        /// <summary>Features per image, 28 * 28.</summary>
        public const int PixelCount = ImageRows * ImageColumns;

        /// <summary>Number of classes (digits 0..9).</summary>
        public const int ClassCount = 10;

        /// <summary>Images in the training split.</summary>
        public const int TrainCount = 60_000;

        /// <summary>Images in the test split.</summary>
        public const int TestCount = 10_000;

        private static readonly float[] NormalizedByPixel = BuildTable();
        private readonly int[] _sourceIndices;

        private MnistDataset(MnistSplit split, string imagesPath, string labelsPath, int[] sourceIndices, Tensor images, Tensor labels)
        {
            Split = split;
            ImagesPath = imagesPath;
            LabelsPath = labelsPath;
            _sourceIndices = sourceIndices;
            Images = images;
            Labels = labels;
        }

        /// <summary>Which split this is.</summary>
        public MnistSplit Split { get; }

        /// <summary>The images file read.</summary>
        public string ImagesPath { get; }

        /// <summary>The labels file read.</summary>
        public string LabelsPath { get; }

        /// <summary>The number of images N.</summary>
        public int Count => _sourceIndices.Length;

        /// <summary>For each row of <see cref="Images"/>, its index in the file (ascending; 0..N-1 without a subset).</summary>
        public IReadOnlyList<int> SourceIndices => _sourceIndices;

        /// <summary>Normalised images, float32 [N, 784], row-major pixels of each image.</summary>
        public Tensor Images { get; }

        /// <summary>Labels, int64 [N], values 0..9.</summary>
        public Tensor Labels { get; }

        /// <summary>The normalisation of one pixel: <c>(pixel / 255 - PixelMean) / PixelStd</c> in float arithmetic.</summary>
        /// <param name="pixel">The raw pixel, 0..255.</param>
        public static float Normalize(byte pixel) => (pixel / 255f - PixelMean) / PixelStd;

        /// <summary>
        /// Loads one split from <paramref name="directory"/>, which must hold its images and labels files under one of
        /// the names of <see cref="MnistFiles.AcceptedNames"/> (raw or .gz).
        /// </summary>
        /// <param name="directory">The folder, e.g. <see cref="MnistFetcher.CacheDirectory"/> after <see cref="MnistFetcher.Ensure"/>.</param>
        /// <param name="split">Train (60,000) or test (10,000).</param>
        /// <param name="subset">A deterministic subset to keep, or null for all images.</param>
        /// <param name="device">Where to put the tensors; CPU when null.</param>
        /// <exception cref="IdxFormatException">The folder or a file is missing or malformed, the files disagree, images are not 28x28, or a label is outside 0..9.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The subset asks for more images than the split holds.</exception>
        public static MnistDataset Load(string directory, MnistSplit split, DataSubset? subset = null, Device? device = null)
        {
            var imagesPath = MnistFiles.Resolve(directory, MnistFiles.Images(split));
            var labelsPath = MnistFiles.Resolve(directory, MnistFiles.Labels(split));
            return Load(imagesPath, labelsPath, split, subset, device);
        }

        /// <summary>Loads MNIST from an explicit pair of files.</summary>
        /// <param name="imagesPath">An images file (magic number 2051, 28x28 images), raw or gzip-compressed.</param>
        /// <param name="labelsPath">Its labels file (magic number 2049, values 0..9), raw or gzip-compressed.</param>
        /// <param name="split">Which split the files hold (recorded in <see cref="Split"/>).</param>
        /// <param name="subset">A deterministic subset to keep, or null for all images.</param>
        /// <param name="device">Where to put the tensors; CPU when null.</param>
        /// <exception cref="IdxFormatException">A file is missing or malformed, the files disagree, images are not 28x28, or a label is outside 0..9.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The subset asks for more images than the files hold.</exception>
        public static MnistDataset Load(string imagesPath, string labelsPath, MnistSplit split, DataSubset? subset = null, Device? device = null)
        {
            var set = IdxReader.ReadLabeledImages(imagesPath, labelsPath);
            var images = set.Images;
            if (images.Rows != ImageRows || images.Columns != ImageColumns)
            {
                throw new IdxFormatException(images.FilePath,
                    $"holds {images.Rows}x{images.Columns} images where MNIST has {ImageRows}x{ImageColumns}; this is not an MNIST images file");
            }
            var labels = set.Labels;
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] >= ClassCount)
                    throw new IdxFormatException(set.LabelsPath, $"label {labels[i]} at index {i} is outside 0..{ClassCount - 1}; this is not an MNIST labels file");
            }

            int[] indices;
            if (subset is null)
            {
                indices = new int[labels.Length];
                for (int i = 0; i < indices.Length; i++) indices[i] = i;
            }
            else
            {
                indices = subset.SelectIndices(labels);
            }

            int n = indices.Length;
            var features = new float[(long)n * PixelCount];
            var targets = new long[n];
            var table = NormalizedByPixel;
            var pixels = images.Pixels;
            for (int row = 0; row < n; row++)
            {
                int src = indices[row] * PixelCount;
                int dst = row * PixelCount;
                for (int p = 0; p < PixelCount; p++) features[dst + p] = table[pixels[src + p]];
                targets[row] = labels[indices[row]];
            }

            Tensor? x = null;
            Tensor? y = null;
            try
            {
                x = torch.tensor(features, new long[] { n, PixelCount }, ScalarType.Float32, device);
                y = torch.tensor(targets, new long[] { n }, ScalarType.Int64, device);
                return new MnistDataset(split, images.FilePath, set.LabelsPath, indices, x, y);
            }
            catch
            {
                x?.Dispose();
                y?.Dispose();
                throw;
            }
        }

        /// <summary>Frees <see cref="Images"/> and <see cref="Labels"/>.</summary>
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
        }

        private static float[] BuildTable()
        {
            var table = new float[256];
            for (int v = 0; v < 256; v++) table[v] = Normalize((byte)v);
            return table;
        }
    }
}
