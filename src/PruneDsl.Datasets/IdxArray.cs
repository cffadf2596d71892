using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace PruneDsl.Datasets
{
    /// <summary>
    /// The contents of one IDX file: element type, dimensions and the data bytes exactly as stored (big-endian for
    /// multi-byte types). Returned by <see cref="IdxReader.Read"/>.
    /// </summary>
    public sealed class IdxArray
    {
        private readonly int[] _dimensions;

        internal IdxArray(string filePath, IdxDataType dataType, int[] dimensions, byte[] data)
        {
            FilePath = filePath;
            DataType = dataType;
            _dimensions = dimensions;
            Data = data;
        }

        /// <summary>The full path the array was read from.</summary>
        public string FilePath { get; }

        /// <summary>The element type.</summary>
        public IdxDataType DataType { get; }

        /// <summary>The dimensions, outermost first (for MNIST images: count, rows, columns).</summary>
        public IReadOnlyList<int> Dimensions => _dimensions;

        /// <summary>The magic number <c>(type &lt;&lt; 8) | dimensionCount</c>: 2051 for MNIST images, 2049 for labels.</summary>
        public int MagicNumber => ((int)DataType << 8) | _dimensions.Length;

        /// <summary>The number of elements (the product of <see cref="Dimensions"/>).</summary>
        public long ElementCount => Data.LongLength / IdxReader.ElementSize(DataType);

        /// <summary>The data bytes as stored in the file, after the header (big-endian for multi-byte types).</summary>
        public byte[] Data { get; }

        /// <summary>
        /// Decodes every element to <see cref="float"/>, whatever the element type (big-endian integers and floats are
        /// converted; doubles are rounded to single precision).
        /// </summary>
        /// <returns>A new array of <see cref="ElementCount"/> values in file order.</returns>
        public float[] ToSingleArray()
        {
            var count = checked((int)ElementCount);
            var result = new float[count];
            var span = Data.AsSpan();
            switch (DataType)
            {
                case IdxDataType.UnsignedByte:
                    for (int i = 0; i < count; i++) result[i] = span[i];
                    break;
                case IdxDataType.SignedByte:
                    for (int i = 0; i < count; i++) result[i] = (sbyte)span[i];
                    break;
                case IdxDataType.Int16:
                    for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt16BigEndian(span.Slice(2 * i, 2));
                    break;
                case IdxDataType.Int32:
                    for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt32BigEndian(span.Slice(4 * i, 4));
                    break;
                case IdxDataType.Single:
                    for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleBigEndian(span.Slice(4 * i, 4));
                    break;
                case IdxDataType.Double:
                    for (int i = 0; i < count; i++) result[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(span.Slice(8 * i, 8));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown IDX element type {DataType}.");
            }
            return result;
        }

        /// <summary>Describes the array as <c>[d0 x d1 x ...] type</c>.</summary>
        public override string ToString() => IdxReader.DescribeShape(_dimensions, DataType);
    }
}
