using System;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Quantization
{
    /// <summary>
    /// A quantized Linear weight <c>[Rows = out, Columns = in]</c> as it is stored: symmetric integer codes packed to
    /// <see cref="QuantizationScheme.Bits"/> bits, one float32 scale per row or per group of columns, and, for an N:M
    /// weight, only the N kept values of every group of M plus their positions in <see cref="NmCompressed"/>'s layout (the
    /// 2:4 tensor-core metadata for 2:4). Dequantized, a code c of scale s is the float32 <c>c * s</c>
    /// (<see cref="SymmetricQuantizer"/>); every weight not stored is exactly 0.
    /// </summary>
    /// <remarks>
    /// <para><b>Codes</b>: the stored values of a row in <see cref="NmCompressed"/> order (dense: columns 0..in-1; N:M: group
    /// g, slot k at <c>g * N + k</c>), <see cref="BytesPerRow"/> bytes per row, each row starting on a byte. INT8: one
    /// two's-complement byte per value. INT4: two values per byte, value 2i in the low nibble and 2i+1 in the high nibble,
    /// each a 4-bit two's-complement number in [-7, 7] (an odd last value leaves the high nibble 0).</para>
    /// <para><b>Scales</b>: float32 <c>[Rows, ScalesPerRow]</c>; the value at column j of row r uses scale
    /// <c>[r, j / ColumnsPerScale]</c>.</para>
    /// <para><b>Positions</b> (N:M only): exactly <see cref="NmCompressed.Metadata"/> (2:4) or <see cref="NmCompressed.Indices"/>.</para>
    /// <para>2:4 INT4 stores per group of four weights two 4-bit codes and a 4-bit nibble of positions: 12 bits instead of
    /// 128, plus the scales (<see cref="StorageBytes"/> counts all three).</para>
    /// </remarks>
    public sealed class QuantizedWeight
    {
        private readonly byte[] _codes;
        private readonly float[] _scales;
        private readonly NmCompressed? _sparse; // positions, with the dequantized values

        private QuantizedWeight(QuantizationScheme scheme, int rows, int columns, SparsityPattern? pattern, byte[] codes, float[] scales, NmCompressed? sparse)
        {
            Scheme = scheme;
            Rows = rows;
            Columns = columns;
            Pattern = pattern;
            _codes = codes;
            _scales = scales;
            _sparse = sparse;
        }

        /// <summary>Bits and scale grouping.</summary>
        public QuantizationScheme Scheme { get; }

        /// <summary>Output features.</summary>
        public int Rows { get; }

        /// <summary>Input features.</summary>
        public int Columns { get; }

        /// <summary>The N:M pattern of the stored values, or null for a dense weight.</summary>
        public SparsityPattern? Pattern { get; }

        /// <summary>Stored values per row: Columns (dense) or <c>Columns / M * N</c>.</summary>
        public int ValuesPerRow => Pattern is { } p ? Columns / p.M * p.N : Columns;

        /// <summary>Bytes of codes per row, <c>ceil(ValuesPerRow * Bits / 8)</c>.</summary>
        public int BytesPerRow => (ValuesPerRow * Scheme.Bits + 7) / 8;

        /// <summary>Columns per scale.</summary>
        public int ColumnsPerScale => Scheme.ColumnsPerScale(Columns);

        /// <summary>Scales per row.</summary>
        public int ScalesPerRow => Scheme.ScalesPerRow(Columns);

        /// <summary>The packed codes, <c>[Rows, BytesPerRow]</c> (layout in the remarks).</summary>
        public ReadOnlySpan<byte> PackedCodes => _codes;

        /// <summary>The scales, <c>[Rows, ScalesPerRow]</c>.</summary>
        public ReadOnlySpan<float> Scales => _scales;

        /// <summary>2:4 only: the packed positions (<see cref="NmCompressed.Metadata"/> layout); empty otherwise.</summary>
        public ReadOnlySpan<ushort> Metadata => _sparse is null ? ReadOnlySpan<ushort>.Empty : _sparse.Metadata;

        /// <summary>N:M other than 2:4: one position byte per value (<see cref="NmCompressed.Indices"/> layout); empty otherwise.</summary>
        public ReadOnlySpan<byte> Indices => _sparse is null ? ReadOnlySpan<byte>.Empty : _sparse.Indices;

        /// <summary>Bytes of the packed codes.</summary>
        public long CodeBytes => (long)Rows * BytesPerRow;

        /// <summary>Bytes of the positions (0 for a dense weight).</summary>
        public long PositionBytes => (long)Metadata.Length * sizeof(ushort) + Indices.Length;

        /// <summary>Bytes of the float32 scales.</summary>
        public long ScaleBytes => (long)_scales.Length * sizeof(float);

        /// <summary>Everything stored for the weight: codes, positions and scales (not the bias).</summary>
        public long StorageBytes => CodeBytes + PositionBytes + ScaleBytes;

        /// <summary>The code of stored value <paramref name="slot"/> of row <paramref name="row"/>.</summary>
        /// <param name="row">0..Rows-1.</param>
        /// <param name="slot">0..ValuesPerRow-1.</param>
        public int Code(int row, int slot)
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
            if ((uint)slot >= (uint)ValuesPerRow) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"Slot must be in [0, {ValuesPerRow}).");
            return ReadCode(_codes, Scheme.Bits, (long)row * BytesPerRow, slot);
        }

        /// <summary>The dense column of stored value <paramref name="slot"/> of row <paramref name="row"/>.</summary>
        /// <param name="row">0..Rows-1.</param>
        /// <param name="slot">0..ValuesPerRow-1.</param>
        public int ColumnOf(int row, int slot)
        {
            if (Pattern is not { } p) return slot;
            return slot / p.N * p.M + _sparse!.GetIndex(row, slot / p.N, slot % p.N);
        }

        /// <summary>The dequantized dense weight, row-major <c>[Rows, Columns]</c> (0 wherever nothing is stored).</summary>
        public float[] Dequantize()
        {
            if (_sparse is not null) return _sparse.ToDense();
            var dense = new float[(long)Rows * Columns];
            int perScale = ColumnsPerScale, scalesPerRow = ScalesPerRow;
            for (int r = 0; r < Rows; r++)
                for (int j = 0; j < Columns; j++)
                    dense[(long)r * Columns + j] = SymmetricQuantizer.Dequantize(
                        ReadCode(_codes, Scheme.Bits, (long)r * BytesPerRow, j), _scales[(long)r * scalesPerRow + j / perScale]);
            return dense;
        }

        /// <summary>The dequantized weight as a float32 CPU tensor <c>[Rows, Columns]</c>; the caller disposes it.</summary>
        public Tensor ToTensor() => tensor(Dequantize(), new long[] { Rows, Columns }, dtype: ScalarType.Float32);

        /// <summary>
        /// N:M only: the dequantized weight in the float compressed form (same positions), for <see cref="NmKernel"/> and
        /// <see cref="Sparsity.NmLinear"/>-style inference.
        /// </summary>
        /// <exception cref="InvalidOperationException">The weight is dense.</exception>
        public NmCompressed ToNmCompressed() =>
            _sparse ?? throw new InvalidOperationException("This quantized weight is dense; only an N:M weight has a compressed form.");

        /// <summary>
        /// Builds the stored form from one code per dense weight and the scales (what RTN and GPTQ compute). With a
        /// pattern only the kept weights are stored: their positions are those of <paramref name="keep"/> (a group with
        /// fewer than N kept stores zero codes at its lowest free positions, as <see cref="NmCompressed.FromDense"/> does).
        /// </summary>
        /// <param name="scheme">Bits and grouping.</param>
        /// <param name="rows">Output features.</param>
        /// <param name="columns">Input features.</param>
        /// <param name="codes">One code per weight, row-major <c>[rows, columns]</c>; 0 where not kept.</param>
        /// <param name="scales"><c>[rows, ScalesPerRow]</c>.</param>
        /// <param name="pattern">The N:M pattern to store, or null for dense storage.</param>
        /// <param name="keep">With a pattern: the keep-mask, row-major (at most N true per group).</param>
        /// <param name="layerName">The layer, for messages.</param>
        public static QuantizedWeight FromCodes(QuantizationScheme scheme, int rows, int columns, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales,
            SparsityPattern? pattern = null, ReadOnlySpan<bool> keep = default, string layerName = "weight")
        {
            CheckShape(scheme, rows, columns, pattern, layerName);
            if (codes.Length != (long)rows * columns)
                throw new ArgumentException($"Layer '{layerName}': {codes.Length} codes for a [{rows}, {columns}] weight.", nameof(codes));
            if (scales.Length != (long)rows * scheme.ScalesPerRow(columns))
                throw new ArgumentException($"Layer '{layerName}': {scales.Length} scales, but {scheme} needs {(long)rows * scheme.ScalesPerRow(columns)}.", nameof(scales));
            int max = scheme.MaxCode;
            foreach (var c in codes)
                if (c < -max || c > max)
                    throw new ArgumentException($"Layer '{layerName}': code {c} lies outside [-{max}, {max}] of {scheme}.", nameof(codes));
            if (pattern is not { } p)
            {
                var packed = new byte[(long)rows * ((columns * scheme.Bits + 7) / 8)];
                int bytesPerRow = (columns * scheme.Bits + 7) / 8;
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < columns; j++) WriteCode(packed, scheme.Bits, (long)r * bytesPerRow, j, codes[r * columns + j]);
                return new QuantizedWeight(scheme, rows, columns, null, packed, scales.ToArray(), null);
            }
            if (keep.Length != codes.Length)
                throw new ArgumentException($"Layer '{layerName}': N:M storage needs the keep-mask ({codes.Length} entries), got {keep.Length}.", nameof(keep));
            var marks = new float[codes.Length];
            for (int i = 0; i < marks.Length; i++)
            {
                if (!keep[i] && codes[i] != 0)
                    throw new ArgumentException($"Layer '{layerName}': weight {i / columns}, {i % columns} is not kept but its code is {codes[i]}.", nameof(codes));
                marks[i] = keep[i] ? 1f : 0f;
            }
            var positions = NmCompressed.FromDense(marks, rows, columns, p, layerName).UnpackIndices();
            var valuesPerRow = columns / p.M * p.N;
            var storedCodes = new sbyte[positions.Length];
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < valuesPerRow; v++)
                    storedCodes[(long)r * valuesPerRow + v] = codes[r * columns + v / p.N * p.M + positions[(long)r * valuesPerRow + v]];
            return FromParts(scheme, rows, columns, p, Pack(storedCodes, rows, valuesPerRow, scheme.Bits), scales.ToArray(), positions, layerName);
        }

        /// <summary>
        /// Builds a quantized weight from its stored parts (what an export holds): packed codes, scales and, for N:M, one
        /// in-group position byte per stored value (for 2:4 they are packed into metadata). Everything is checked.
        /// </summary>
        /// <param name="scheme">Bits and grouping.</param>
        /// <param name="rows">Output features.</param>
        /// <param name="columns">Input features.</param>
        /// <param name="pattern">The N:M pattern, or null for dense.</param>
        /// <param name="packedCodes"><c>[rows, BytesPerRow]</c>.</param>
        /// <param name="scales"><c>[rows, ScalesPerRow]</c>.</param>
        /// <param name="positions">N:M: <c>[rows, ValuesPerRow]</c> in-group positions; null for dense.</param>
        /// <param name="layerName">The layer, for messages.</param>
        public static QuantizedWeight FromParts(QuantizationScheme scheme, int rows, int columns, SparsityPattern? pattern, byte[] packedCodes, float[] scales,
            byte[]? positions, string layerName = "weight")
        {
            CheckShape(scheme, rows, columns, pattern, layerName);
            if (packedCodes is null) throw new ArgumentNullException(nameof(packedCodes));
            if (scales is null) throw new ArgumentNullException(nameof(scales));
            int valuesPerRow = pattern is { } p ? columns / p.M * p.N : columns, bytesPerRow = (valuesPerRow * scheme.Bits + 7) / 8;
            if (packedCodes.Length != (long)rows * bytesPerRow)
                throw new ArgumentException($"Layer '{layerName}': {packedCodes.Length} code bytes, but [{rows}, {columns}] {scheme} needs {(long)rows * bytesPerRow}.", nameof(packedCodes));
            if (scales.Length != (long)rows * scheme.ScalesPerRow(columns))
                throw new ArgumentException($"Layer '{layerName}': {scales.Length} scales, but {scheme} needs {(long)rows * scheme.ScalesPerRow(columns)}.", nameof(scales));
            foreach (var s in scales)
                if (!(s > 0) || !float.IsFinite(s))
                    throw new ArgumentException($"Layer '{layerName}': scale {s} is not a finite number greater than 0.", nameof(scales));
            int max = scheme.MaxCode;
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < valuesPerRow; v++)
                {
                    var code = ReadCode(packedCodes, scheme.Bits, (long)r * bytesPerRow, v);
                    if (code < -max || code > max)
                        throw new ArgumentException($"Layer '{layerName}': row {r}, value {v} has code {code}, outside [-{max}, {max}].", nameof(packedCodes));
                }
            if (pattern is not { } nm)
            {
                if (positions is not null) throw new ArgumentException($"Layer '{layerName}': a dense quantized weight has no positions.", nameof(positions));
                return new QuantizedWeight(scheme, rows, columns, null, packedCodes, scales, null);
            }
            if (positions is null) throw new ArgumentException($"Layer '{layerName}': an {nm} quantized weight needs its positions.", nameof(positions));
            var values = new float[(long)rows * valuesPerRow];
            int perScale = scheme.ColumnsPerScale(columns), scalesPerRow = scheme.ScalesPerRow(columns);
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < valuesPerRow; v++)
                {
                    var at = (long)r * valuesPerRow + v;
                    int column = v / nm.N * nm.M + positions[at];
                    values[at] = SymmetricQuantizer.Dequantize(ReadCode(packedCodes, scheme.Bits, (long)r * bytesPerRow, v), scales[(long)r * scalesPerRow + column / perScale]);
                }
            var sparse = NmCompressed.FromValuesAndIndices(nm, rows, columns, values, positions);
            return new QuantizedWeight(scheme, rows, columns, nm, packedCodes, scales, sparse);
        }

        private static byte[] Pack(sbyte[] codes, int rows, int valuesPerRow, int bits)
        {
            int bytesPerRow = (valuesPerRow * bits + 7) / 8;
            var packed = new byte[(long)rows * bytesPerRow];
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < valuesPerRow; v++) WriteCode(packed, bits, (long)r * bytesPerRow, v, codes[(long)r * valuesPerRow + v]);
            return packed;
        }

        private static void WriteCode(byte[] packed, int bits, long rowStart, int value, int code)
        {
            if (bits == 8)
            {
                packed[rowStart + value] = unchecked((byte)(sbyte)code);
                return;
            }
            var at = rowStart + value / 2;
            var nibble = code & 0xF;
            packed[at] = (byte)(value % 2 == 0 ? (packed[at] & 0xF0) | nibble : (packed[at] & 0x0F) | (nibble << 4));
        }

        private static int ReadCode(byte[] packed, int bits, long rowStart, int value)
        {
            if (bits == 8) return unchecked((sbyte)packed[rowStart + value]);
            var b = packed[rowStart + value / 2];
            var nibble = value % 2 == 0 ? b & 0xF : b >> 4;
            return (nibble ^ 8) - 8;
        }

        private static void CheckShape(QuantizationScheme scheme, int rows, int columns, SparsityPattern? pattern, string layerName)
        {
            if (scheme.Bits == 0) throw new ArgumentException($"Layer '{layerName}': the quantization scheme is empty; use new QuantizationScheme(4 or 8).", nameof(scheme));
            if (rows <= 0 || columns <= 0)
                throw new ArgumentException($"Layer '{layerName}': a quantized weight needs positive dimensions, got [{rows}, {columns}].", nameof(rows));
            if (columns % scheme.ColumnsPerScale(columns) != 0)
                throw new ArgumentException($"Layer '{layerName}': the group size {scheme.GroupSize} of {scheme} does not divide the {columns} input columns.", nameof(scheme));
            if (pattern is { } p) NmSparsity.Validate(layerName, p, columns);
        }
    }
}
