using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using PruneDsl.Datasets;

namespace PruneDsl.Datasets.Tests
{
    /// <summary>A temporary folder, deleted on dispose, and writers of small IDX files.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder() => Path = Directory.CreateTempSubdirectory("prunedsl-data-test-").FullName;

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }

    internal static class IdxTestFiles
    {
        /// <summary>The bytes of an IDX file: 00 00 type rank, big-endian sizes, data.</summary>
        public static byte[] Build(IdxDataType type, int[] dims, byte[] data)
        {
            var bytes = new byte[4 + 4 * dims.Length + data.Length];
            bytes[2] = (byte)type;
            bytes[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            data.CopyTo(bytes, 4 + 4 * dims.Length);
            return bytes;
        }

        public static byte[] Images(int count, int rows, int columns, Func<int, int, byte> pixel)
        {
            var data = new byte[count * rows * columns];
            for (int i = 0; i < count; i++)
                for (int p = 0; p < rows * columns; p++)
                    data[i * rows * columns + p] = pixel(i, p);
            return Build(IdxDataType.UnsignedByte, new[] { count, rows, columns }, data);
        }

        public static byte[] Labels(byte[] labels) => Build(IdxDataType.UnsignedByte, new[] { labels.Length }, labels);

        public static string Write(string path, byte[] bytes)
        {
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        public static string WriteGzip(string path, byte[] bytes)
        {
            using var file = System.IO.File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(bytes);
            return path;
        }

        /// <summary>Pixel value of image i, pixel p in the synthetic datasets: varies with both, covers 0..255.</summary>
        public static byte Pixel(int i, int p) => (byte)((i * 31 + p * 7) % 256);

        /// <summary>Writes a synthetic MNIST-shaped split (28x28, labels i % 10) under the canonical names.</summary>
        public static void WriteMnistSplit(string folder, MnistSplit split, int count, Func<int, byte>? label = null)
        {
            var labels = new byte[count];
            for (int i = 0; i < count; i++) labels[i] = label?.Invoke(i) ?? (byte)(i % 10);
            Write(System.IO.Path.Combine(folder, MnistFiles.FileName(MnistFiles.Images(split))), Images(count, 28, 28, Pixel));
            Write(System.IO.Path.Combine(folder, MnistFiles.FileName(MnistFiles.Labels(split))), Labels(labels));
        }
    }
}
