using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// Reads IDX files (the format of MNIST): a big-endian header <c>0x00 0x00 type dims</c>, then <c>dims</c>
    /// big-endian 32-bit sizes, then the elements. Gzip-compressed files (such as <c>train-images-idx3-ubyte.gz</c>)
    /// are recognised by their content and decompressed transparently. Every problem with the input, including a
    /// missing file, is reported as an <see cref="IdxFormatException"/> naming the file.
    /// </summary>
    public static class IdxReader
    {
        /// <summary>Magic number of an MNIST images file: unsigned bytes, 3 dimensions [count, rows, columns].</summary>
        public const int ImagesMagicNumber = 0x0803;

        /// <summary>Magic number of an MNIST labels file: unsigned bytes, 1 dimension [count].</summary>
        public const int LabelsMagicNumber = 0x0801;

        private const string SwappedRemedy =
            "Pass the *-images-idx3-ubyte file where images are expected and the *-labels-idx1-ubyte file where labels are expected.";

        // Deflate cannot expand data by more than about 1032:1; a gzip file whose header promises more than that is truncated.
        private const long MaxDeflateRatio = 1100;

        /// <summary>Reads any IDX file (raw or gzip-compressed).</summary>
        /// <param name="path">The file.</param>
        /// <returns>The element type, dimensions and data.</returns>
        /// <exception cref="IdxFormatException">The file is missing, unreadable, not IDX, truncated or has trailing bytes.</exception>
        public static IdxArray Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            var full = Path.GetFullPath(path);
            CheckExists(full);
            bool gzip = false;
            try
            {
                using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                var length = file.Length;
                Span<byte> sniff = stackalloc byte[2];
                gzip = file.ReadAtLeast(sniff, 2, throwOnEndOfStream: false) == 2 && sniff[0] == 0x1f && sniff[1] == 0x8b;
                file.Position = 0;
                if (!gzip) return Parse(full, file, knownLength: length, compressedLength: 0);
                using var unzipped = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
                return Parse(full, unzipped, knownLength: -1, compressedLength: length);
            }
            catch (IdxFormatException)
            {
                throw;
            }
            catch (InvalidDataException ex) when (gzip)
            {
                throw new IdxFormatException(full, $"the file starts like gzip data but cannot be decompressed ({ex.Message}); it is damaged or was cut short", innerException: ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IdxFormatException(full, $"the file could not be read ({ex.GetType().Name}: {ex.Message})",
                    "Check that it exists and is readable by this user. " + IdxFormatException.DefaultRemedy, ex);
            }
        }

        /// <summary>Reads an MNIST-format images file (magic number 2051: unsigned bytes [count, rows, columns]).</summary>
        /// <param name="path">The file, raw or gzip-compressed.</param>
        /// <exception cref="IdxFormatException">Any problem with the file, including a different magic number.</exception>
        public static IdxImages ReadImages(string path)
        {
            var array = Read(path);
            if (array.MagicNumber != ImagesMagicNumber)
            {
                var hint = array.MagicNumber == LabelsMagicNumber ? "; this is a labels file: were the images and labels paths swapped?" : "";
                throw new IdxFormatException(array.FilePath,
                    $"magic number {array.MagicNumber} ({array}) where an images file needs {ImagesMagicNumber} (unsigned bytes with 3 dimensions [count, rows, columns]){hint}",
                    hint.Length > 0 ? SwappedRemedy : null);
            }
            var d = array.Dimensions;
            return new IdxImages(array.FilePath, d[0], d[1], d[2], array.Data);
        }

        /// <summary>Reads an MNIST-format labels file (magic number 2049: unsigned bytes [count]).</summary>
        /// <param name="path">The file, raw or gzip-compressed.</param>
        /// <returns>One byte per label.</returns>
        /// <exception cref="IdxFormatException">Any problem with the file, including a different magic number.</exception>
        public static byte[] ReadLabels(string path)
        {
            var array = Read(path);
            if (array.MagicNumber != LabelsMagicNumber)
            {
                var hint = array.MagicNumber == ImagesMagicNumber ? "; this is an images file: were the images and labels paths swapped?" : "";
                throw new IdxFormatException(array.FilePath,
                    $"magic number {array.MagicNumber} ({array}) where a labels file needs {LabelsMagicNumber} (unsigned bytes with 1 dimension [count]){hint}",
                    hint.Length > 0 ? SwappedRemedy : null);
            }
            return array.Data;
        }

        /// <summary>Reads an images file and its labels file and checks that they hold the same number of items.</summary>
        /// <param name="imagesPath">The images file (magic number 2051).</param>
        /// <param name="labelsPath">The labels file (magic number 2049).</param>
        /// <exception cref="IdxFormatException">Any problem with either file, or differing counts (reported on the labels file).</exception>
        public static IdxLabeledImages ReadLabeledImages(string imagesPath, string labelsPath)
        {
            var images = ReadImages(imagesPath);
            var labels = ReadLabels(labelsPath);
            var labelsFull = Path.GetFullPath(labelsPath);
            if (labels.Length != images.Count)
            {
                throw new IdxFormatException(labelsFull,
                    $"holds {labels.Length} labels but the images file '{images.FilePath}' holds {images.Count} images; " +
                    "an images file and its labels file must come from the same set (train with train, t10k with t10k)");
            }
            return new IdxLabeledImages(images, labelsFull, labels);
        }

        /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
        /// <param name="type">The element type.</param>
        public static int ElementSize(IdxDataType type) => type switch
        {
            IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Single => 4,
            IdxDataType.Double => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown IDX element type."),
        };

        internal static string DescribeShape(int[] dimensions, IdxDataType type)
            => "[" + string.Join(" x ", dimensions) + "] " + TypeName(type);

        private static string TypeName(IdxDataType type) => type switch
        {
            IdxDataType.UnsignedByte => "ubyte",
            IdxDataType.SignedByte => "sbyte",
            IdxDataType.Int16 => "int16",
            IdxDataType.Int32 => "int32",
            IdxDataType.Single => "float32",
            IdxDataType.Double => "float64",
            _ => $"type 0x{(byte)type:X2}",
        };

        private static void CheckExists(string full)
        {
            if (File.Exists(full)) return;
            if (Directory.Exists(full))
                throw new IdxFormatException(full, "this is a folder, but an IDX file was expected");
            var folder = Path.GetDirectoryName(full);
            var where = folder is not null && !Directory.Exists(folder) ? $" (its folder '{folder}' does not exist either)" : "";
            throw new IdxFormatException(full, "the file does not exist" + where);
        }

        private static IdxArray Parse(string path, Stream stream, long knownLength, long compressedLength)
        {
            string after = knownLength < 0 ? " after gzip decompression" : "";
            Span<byte> magic = stackalloc byte[4];
            int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            if (got < 4)
                throw new IdxFormatException(path, $"the file is {got} bytes long{after}, too short for the 4-byte IDX magic number (it is empty or truncated)");
            if (magic[0] != 0 || magic[1] != 0)
            {
                throw new IdxFormatException(path,
                    $"not an IDX file: it starts with bytes 0x{magic[0]:X2} 0x{magic[1]:X2} 0x{magic[2]:X2} 0x{magic[3]:X2}, but an IDX file starts with " +
                    "0x00 0x00, then a type code and the number of dimensions (MNIST: 00 00 08 03 for images, 00 00 08 01 for labels)");
            }
            var type = (IdxDataType)magic[2];
            if (!Enum.IsDefined(type))
            {
                throw new IdxFormatException(path,
                    $"unknown IDX element type code 0x{magic[2]:X2} in the magic number; IDX defines 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32 and 0x0E float64");
            }
            int rank = magic[3];
            if (rank == 0)
                throw new IdxFormatException(path, "the magic number declares 0 dimensions; an IDX file needs at least one (MNIST images have 3, labels 1)");

            var header = new byte[4 * rank];
            got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < header.Length)
            {
                throw new IdxFormatException(path,
                    $"truncated header: the magic number declares {rank} dimensions ({header.Length} bytes of sizes) but only {got} bytes follow{after}");
            }
            var dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++)
            {
                uint size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 * i, 4));
                if (size > int.MaxValue)
                    throw new IdxFormatException(path, $"dimension {i} declares {size} elements, which is not a plausible size (the header is corrupt)");
                dims[i] = (int)size;
            }
            string shape = DescribeShape(dims, type);
            long bytes;
            try
            {
                foreach (var d in dims) count = checked(count * d);
                bytes = checked(count * ElementSize(type));
            }
            catch (OverflowException)
            {
                throw new IdxFormatException(path, $"the header declares {shape}, whose size overflows 64 bits (the header is corrupt)");
            }
            if (bytes > Array.MaxLength)
                throw new IdxFormatException(path, $"the header declares {shape} = {bytes} data bytes, more than one array can hold (the header is corrupt or the file is not meant for this reader)");

            long headerLength = 4 + header.Length;
            if (knownLength >= 0)
            {
                long remaining = knownLength - headerLength;
                if (remaining < bytes)
                    throw new IdxFormatException(path, $"truncated: the header declares {shape} = {bytes} data bytes but only {remaining} follow the {headerLength}-byte header (file size {knownLength}, expected {headerLength + bytes})");
                if (remaining > bytes)
                    throw new IdxFormatException(path, $"trailing garbage: {remaining - bytes} extra bytes after the {bytes} data bytes the header declares for {shape} (file size {knownLength}, expected {headerLength + bytes})");
            }
            else if (bytes > compressedLength * MaxDeflateRatio + (1 << 20))
            {
                throw new IdxFormatException(path, $"truncated: the header declares {shape} = {bytes} data bytes, more than a {compressedLength}-byte gzip file can hold");
            }

            var data = GC.AllocateUninitializedArray<byte>((int)bytes);
            got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got < data.Length)
                throw new IdxFormatException(path, $"truncated: the header declares {shape} = {bytes} data bytes but only {got} follow the header{after}");
            if (knownLength < 0)
            {
                Span<byte> probe = stackalloc byte[4096];
                long extra = 0;
                int n;
                while ((n = stream.Read(probe)) > 0) extra += n;
                if (extra > 0)
                    throw new IdxFormatException(path, $"trailing garbage: {extra} extra bytes{after} after the {bytes} data bytes the header declares for {shape}");
            }
            return new IdxArray(path, type, dims, data);
        }
    }
}
