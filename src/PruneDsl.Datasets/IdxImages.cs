using System;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// A set of unsigned-byte images read from an IDX images file (magic number 2051, dimensions [count, rows, columns]).
    /// </summary>
    public sealed class IdxImages
    {
        internal IdxImages(string filePath, int count, int rows, int columns, byte[] pixels)
        {
            FilePath = filePath;
            Count = count;
            Rows = rows;
            Columns = columns;
            Pixels = pixels;
        }

        /// <summary>The full path the images were read from.</summary>
        public string FilePath { get; }

        /// <summary>The number of images.</summary>
        public int Count { get; }

        /// <summary>Rows per image (28 for MNIST).</summary>
        public int Rows { get; }

        /// <summary>Columns per image (28 for MNIST).</summary>
        public int Columns { get; }

        /// <summary>Pixels per image, <see cref="Rows"/> * <see cref="Columns"/>.</summary>
        public int PixelsPerImage => Rows * Columns;

        /// <summary>All pixels, image after image, each image row-major; length <see cref="Count"/> * <see cref="PixelsPerImage"/>.</summary>
        public byte[] Pixels { get; }

        /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
        /// <param name="index">0 &lt;= index &lt; <see cref="Count"/>.</param>
        public ReadOnlySpan<byte> Image(int index)
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The images file '{FilePath}' holds {Count} images.");
            return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
        }
    }

    /// <summary>An images file and its labels file, checked to hold the same number of items.</summary>
    public sealed class IdxLabeledImages
    {
        internal IdxLabeledImages(IdxImages images, string labelsPath, byte[] labels)
        {
            Images = images;
            LabelsPath = labelsPath;
            Labels = labels;
        }

        /// <summary>The images.</summary>
        public IdxImages Images { get; }

        /// <summary>The full path the labels were read from.</summary>
        public string LabelsPath { get; }

        /// <summary>One label per image, in the same order.</summary>
        public byte[] Labels { get; }

        /// <summary>The number of labelled images.</summary>
        public int Count => Labels.Length;
    }
}
