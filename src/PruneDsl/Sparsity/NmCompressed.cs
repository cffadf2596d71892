using System;
using System.Runtime.InteropServices;
using PruneDsl.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Sparsity
{
    /// <summary>
    /// An N:M sparse weight <c>[Rows = out, Columns = in]</c> stored compressed: the N kept values of every group of M
    /// consecutive inputs plus their in-group positions. Converting back with <see cref="ToDense()"/> gives exactly the
    /// dense masked weight (every stored value bit for bit, zeros elsewhere).
    /// </summary>
    /// <remarks>
    /// <para><b>Values</b>: float32, row-major <c>[Rows, GroupsPerRow * N]</c>; row r, group g, slot k (k = 0..N-1) is
    /// at <c>r * ValuesPerRow + g * N + k</c>. Within a group the slots are in ascending in-group position.</para>
    /// <para><b>Positions, general N:M</b> (<see cref="IsPacked24"/> false): <see cref="Indices"/> holds one byte per value,
    /// laid out like <see cref="Values"/>; byte = in-group position (0..M-1) of that value, strictly ascending within a
    /// group. M is therefore at most 256.</para>
    /// <para><b>Positions, 2:4</b> (<see cref="IsPacked24"/> true): NVIDIA's sparse-tensor-core metadata encoding.
    /// Each group of 4 inputs takes one 4-bit nibble: bits [1:0] = position of the first kept value (the lower one),
    /// bits [3:2] = position of the second, so the first is always smaller. E.g. positions {0,1} = 0x4, {0,2} = 0x8,
    /// {0,3} = 0xC, {1,2} = 0x9, {1,3} = 0xD, {2,3} = 0xE. Four consecutive groups of a row fill one 16-bit word of
    /// <see cref="Metadata"/>, the first group in the least significant nibble: group g of row r lives in bits
    /// <c>4*(g%4) .. 4*(g%4)+3</c> of <c>Metadata[r * MetadataWordsPerRow + g/4]</c>, so one word covers 16 inputs
    /// (as for 16-bit operands on Ampere+). Each row starts a new word; when GroupsPerRow is not a multiple of 4, the
    /// unused high nibbles of the row's last word are 0. This is the per-row, pre-interleave metadata (what PyTorch's
    /// semi-structured conversion builds before it permutes the words into the tensor-core fragment order that
    /// CUTLASS/cuSPARSELt load); that last hardware-specific permutation is not applied here.</para>
    /// </remarks>
    public sealed class NmCompressed
    {
        private readonly float[] _values;
        private readonly byte[]? _indices;
        private readonly ushort[]? _metadata;

        private NmCompressed(SparsityPattern pattern, int rows, int columns, float[] values, byte[]? indices, ushort[]? metadata)
        {
            Pattern = pattern;
            Rows = rows;
            Columns = columns;
            _values = values;
            _indices = indices;
            _metadata = metadata;
        }

        /// <summary>The N:M pattern.</summary>
        public SparsityPattern Pattern { get; }

        /// <summary>Output features (rows of the dense weight).</summary>
        public int Rows { get; }

        /// <summary>Input features (columns of the dense weight), a multiple of M.</summary>
        public int Columns { get; }

        /// <summary>Groups of M inputs per row, <c>Columns / M</c>.</summary>
        public int GroupsPerRow => Columns / Pattern.M;

        /// <summary>Stored values per row, <c>GroupsPerRow * N</c>.</summary>
        public int ValuesPerRow => GroupsPerRow * Pattern.N;

        /// <summary>True for 2:4, whose positions are packed as 16-bit tensor-core metadata (see the type's remarks).</summary>
        public bool IsPacked24 => _metadata is not null;

        /// <summary>16-bit metadata words per row for 2:4, <c>ceil(GroupsPerRow / 4)</c>; 0 for other patterns.</summary>
        public int MetadataWordsPerRow => IsPacked24 ? (GroupsPerRow + 3) / 4 : 0;

        /// <summary>The kept values, <c>[Rows, ValuesPerRow]</c> row-major.</summary>
        public ReadOnlySpan<float> Values => _values;

        /// <summary>General N:M: one in-group position byte per value (layout of <see cref="Values"/>); empty for 2:4.</summary>
        public ReadOnlySpan<byte> Indices => _indices;

        /// <summary>2:4: the packed 16-bit metadata, <c>[Rows, MetadataWordsPerRow]</c>; empty for other patterns.</summary>
        public ReadOnlySpan<ushort> Metadata => _metadata;

        /// <summary>Bytes taken by values plus positions.</summary>
        public long StorageBytes => (long)_values.Length * sizeof(float) + (_indices?.Length ?? 0) + (long)(_metadata?.Length ?? 0) * sizeof(ushort);

        internal float[] ValuesArray => _values;
        internal byte[]? IndicesArray => _indices;
        internal ushort[]? MetadataArray => _metadata;

        /// <summary>The in-group position (0..M-1) of slot <paramref name="k"/> of group <paramref name="group"/> in row <paramref name="row"/>.</summary>
        /// <param name="row">Row, 0..Rows-1.</param>
        /// <param name="group">Group, 0..GroupsPerRow-1.</param>
        /// <param name="k">Slot, 0..N-1.</param>
        public int GetIndex(int row, int group, int k)
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
            if ((uint)group >= (uint)GroupsPerRow) throw new ArgumentOutOfRangeException(nameof(group), group, $"Group must be in [0, {GroupsPerRow}).");
            if ((uint)k >= (uint)Pattern.N) throw new ArgumentOutOfRangeException(nameof(k), k, $"Slot must be in [0, {Pattern.N}).");
            if (_metadata is not null)
            {
                int nibble = (_metadata[row * MetadataWordsPerRow + group / 4] >> (4 * (group % 4))) & 0xF;
                return k == 0 ? nibble & 3 : nibble >> 2;
            }
            return _indices![(long)row * ValuesPerRow + group * Pattern.N + k];
        }

        /// <summary>All in-group positions as bytes, <c>[Rows, ValuesPerRow]</c> (unpacks the 2:4 metadata).</summary>
        public byte[] UnpackIndices()
        {
            if (_indices is not null) return (byte[])_indices.Clone();
            var result = new byte[_values.Length];
            int words = MetadataWordsPerRow, groups = GroupsPerRow;
            for (int r = 0; r < Rows; r++)
                for (int g = 0; g < groups; g++)
                {
                    int nibble = (_metadata![r * words + g / 4] >> (4 * (g % 4))) & 0xF;
                    long at = (long)r * ValuesPerRow + 2 * g;
                    result[at] = (byte)(nibble & 3);
                    result[at + 1] = (byte)(nibble >> 2);
                }
            return result;
        }

        /// <summary>The 2:4 metadata nibble of a group whose kept positions are <paramref name="first"/> &lt; <paramref name="second"/>.</summary>
        /// <param name="first">The lower kept position, 0..2.</param>
        /// <param name="second">The higher kept position, 1..3.</param>
        public static int Encode24(int first, int second)
        {
            if (first < 0 || second > 3 || first >= second)
                throw new ArgumentOutOfRangeException(nameof(first), $"2:4 positions must satisfy 0 <= first < second <= 3, got {first} and {second}.");
            return first | (second << 2);
        }

        /// <summary>
        /// Compresses a dense row-major weight <c>[rows, columns]</c> that already satisfies the pattern (at most N
        /// nonzero per group; prune it first with <see cref="NmSparsity.Prune"/>). A group with fewer than N nonzero
        /// weights stores zeros at its lowest-index zero positions.
        /// </summary>
        /// <param name="dense">The weight, <c>rows * columns</c> floats, row-major.</param>
        /// <param name="rows">Output features.</param>
        /// <param name="columns">Input features, a multiple of M.</param>
        /// <param name="pattern">The N:M pattern.</param>
        /// <param name="layerName">The layer's name, used in error messages.</param>
        /// <exception cref="ArgumentException">Invalid pattern or width, wrong length, or a group with more than N nonzero weights.</exception>
        public static NmCompressed FromDense(ReadOnlySpan<float> dense, int rows, int columns, SparsityPattern pattern, string layerName = "weight")
        {
            ValidateShape(layerName, pattern, rows, columns);
            if (dense.Length != (long)rows * columns)
                throw new ArgumentException(
                    $"Layer '{layerName}': the dense weight has {dense.Length} values but [{rows}, {columns}] needs {(long)rows * columns}.",
                    nameof(dense));
            int n = pattern.N, m = pattern.M, groups = columns / m, perRow = groups * n;
            var values = new float[(long)rows * perRow];
            var positions = new byte[values.Length];
            Span<bool> chosen = m <= 256 ? stackalloc bool[m] : new bool[m];
            for (int r = 0; r < rows; r++)
            {
                var row = dense.Slice(r * columns, columns);
                for (int g = 0; g < groups; g++)
                {
                    var group = row.Slice(g * m, m);
                    int count = 0;
                    for (int j = 0; j < m; j++)
                    {
                        chosen[j] = group[j] != 0f; // NaN != 0 is true: a NaN is kept, never silently dropped
                        if (chosen[j]) count++;
                    }
                    if (count > n)
                        throw new ArgumentException(
                            $"Layer '{layerName}' is not {pattern} sparse: row {r}, group {g} (columns {g * m}..{g * m + m - 1}) has {count} nonzero " +
                            $"weights, more than N = {n}. Apply the mask first (NmSparsity.Prune or NmMaskedLinear).",
                            nameof(dense));
                    for (int j = 0; j < m && count < n; j++)
                        if (!chosen[j]) { chosen[j] = true; count++; }
                    long at = (long)r * perRow + g * n;
                    for (int j = 0; j < m; j++)
                    {
                        if (!chosen[j]) continue;
                        values[at] = group[j];
                        positions[at] = (byte)j;
                        at++;
                    }
                }
            }
            return Create(pattern, rows, columns, values, positions);
        }

        /// <summary>
        /// Compresses a 2-D weight tensor <c>[out, in]</c> (any floating dtype and device; converted to float32 on the CPU)
        /// that already satisfies the pattern. See <see cref="FromDense"/>.
        /// </summary>
        /// <param name="weight">The masked weight.</param>
        /// <param name="pattern">The N:M pattern.</param>
        /// <param name="layerName">The layer's name, used in error messages.</param>
        public static NmCompressed FromTensor(Tensor weight, SparsityPattern pattern, string layerName = "weight")
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (weight.dim() != 2)
                throw new ArgumentException(
                    $"Layer '{layerName}': the weight must be 2-D [out, in], but its shape is [{string.Join(", ", weight.shape)}].",
                    nameof(weight));
            if (weight.shape[0] > int.MaxValue || weight.shape[1] > int.MaxValue || weight.numel() > int.MaxValue)
                throw new ArgumentException($"Layer '{layerName}': the weight [{string.Join(", ", weight.shape)}] is too large to compress in one piece.", nameof(weight));
            int rows = (int)weight.shape[0], columns = (int)weight.shape[1];
            ValidateShape(layerName, pattern, rows, columns);
            var dense = TensorData.ToFloatArray(weight);
            return FromDense(dense, rows, columns, pattern, layerName);
        }

        /// <summary>
        /// Builds a compressed weight from its parts: values and one in-group position byte per value (layouts as in the
        /// type's remarks; for 2:4 the positions are packed into metadata). The arrays are copied.
        /// </summary>
        /// <param name="pattern">The N:M pattern.</param>
        /// <param name="rows">Output features.</param>
        /// <param name="columns">Input features, a multiple of M.</param>
        /// <param name="values"><c>rows * columns / M * N</c> values.</param>
        /// <param name="indices">As many positions, strictly ascending and below M within each group.</param>
        public static NmCompressed FromValuesAndIndices(SparsityPattern pattern, int rows, int columns, ReadOnlySpan<float> values, ReadOnlySpan<byte> indices)
        {
            ValidateShape("weight", pattern, rows, columns);
            long expected = (long)rows * (columns / pattern.M) * pattern.N;
            if (values.Length != expected || indices.Length != expected)
                throw new ArgumentException(
                    $"A {pattern} weight [{rows}, {columns}] needs {expected} values and {expected} positions, got {values.Length} and {indices.Length}.",
                    nameof(values));
            int n = pattern.N, m = pattern.M;
            for (long i = 0; i < indices.Length; i += n)
                for (int k = 0; k < n; k++)
                {
                    int p = indices[(int)(i + k)];
                    if (p >= m || (k > 0 && p <= indices[(int)(i + k - 1)]))
                        throw new ArgumentException(
                            $"Positions of group {i / n} (row {i / n / (columns / m)}) are not strictly ascending values below M = {m}: " +
                            $"[{string.Join(", ", indices.Slice((int)i, n).ToArray())}].", nameof(indices));
                }
            return Create(pattern, rows, columns, values.ToArray(), indices.ToArray());
        }

        /// <summary>
        /// Builds a 2:4 compressed weight from values and packed 16-bit metadata (layout in the type's remarks). The arrays
        /// are copied; every nibble must encode two distinct ascending positions and unused nibbles must be 0.
        /// </summary>
        /// <param name="rows">Output features.</param>
        /// <param name="columns">Input features, a multiple of 4.</param>
        /// <param name="values"><c>rows * columns / 2</c> values.</param>
        /// <param name="metadata"><c>rows * ceil(columns / 16)</c> words.</param>
        public static NmCompressed From24Metadata(int rows, int columns, ReadOnlySpan<float> values, ReadOnlySpan<ushort> metadata)
        {
            var pattern = new SparsityPattern(2, 4);
            ValidateShape("weight", pattern, rows, columns);
            int groups = columns / 4, words = (groups + 3) / 4;
            if (values.Length != (long)rows * groups * 2 || metadata.Length != (long)rows * words)
                throw new ArgumentException(
                    $"A 2:4 weight [{rows}, {columns}] needs {(long)rows * groups * 2} values and {(long)rows * words} metadata words, " +
                    $"got {values.Length} and {metadata.Length}.", nameof(metadata));
            for (int r = 0; r < rows; r++)
                for (int w = 0; w < words; w++)
                {
                    int word = metadata[r * words + w];
                    for (int q = 0; q < 4; q++)
                    {
                        int nibble = (word >> (4 * q)) & 0xF, g = 4 * w + q;
                        bool ok = g < groups ? (nibble & 3) < (nibble >> 2) : nibble == 0;
                        if (!ok)
                            throw new ArgumentException(
                                $"2:4 metadata word {w} of row {r} = 0x{word:X4}: nibble {q} = 0x{nibble:X} " +
                                (g < groups ? "does not encode two ascending positions (bits[1:0] < bits[3:2])." : "lies past the row's last group and must be 0."),
                                nameof(metadata));
                    }
                }
            return new NmCompressed(pattern, rows, columns, values.ToArray(), null, metadata.ToArray());
        }

        /// <summary>The dense masked weight, row-major <c>[Rows, Columns]</c>.</summary>
        public float[] ToDense()
        {
            var dense = new float[(long)Rows * Columns];
            ToDense(dense);
            return dense;
        }

        /// <summary>Writes the dense masked weight, row-major <c>[Rows, Columns]</c>, into <paramref name="destination"/>.</summary>
        /// <param name="destination">At least <c>Rows * Columns</c> floats; every one of them is written.</param>
        public void ToDense(Span<float> destination)
        {
            if (destination.Length < (long)Rows * Columns)
                throw new ArgumentException($"The destination holds {destination.Length} floats; [{Rows}, {Columns}] needs {(long)Rows * Columns}.", nameof(destination));
            destination.Slice(0, Rows * Columns).Clear();
            int n = Pattern.N, m = Pattern.M, groups = GroupsPerRow, perRow = ValuesPerRow, words = MetadataWordsPerRow;
            for (int r = 0; r < Rows; r++)
            {
                var row = destination.Slice(r * Columns, Columns);
                int at = r * perRow;
                for (int g = 0; g < groups; g++, at += n)
                {
                    if (_metadata is not null)
                    {
                        int nibble = (_metadata[r * words + g / 4] >> (4 * (g % 4))) & 0xF;
                        row[4 * g + (nibble & 3)] = _values[at];
                        row[4 * g + (nibble >> 2)] = _values[at + 1];
                    }
                    else
                    {
                        for (int k = 0; k < n; k++)
                            row[g * m + _indices![at + k]] = _values[at + k];
                    }
                }
            }
        }

        /// <summary>The dense masked weight as a float32 CPU tensor <c>[Rows, Columns]</c>; the caller disposes it.</summary>
        public Tensor ToTensor() => TensorData.FromFloatArray(ToDense(), Rows, Columns);

        private static NmCompressed Create(SparsityPattern pattern, int rows, int columns, float[] values, byte[] positions)
        {
            if (pattern.N != 2 || pattern.M != 4)
                return new NmCompressed(pattern, rows, columns, values, positions, null);
            int groups = columns / 4, words = (groups + 3) / 4;
            var metadata = new ushort[(long)rows * words];
            for (int r = 0; r < rows; r++)
                for (int g = 0; g < groups; g++)
                {
                    long at = (long)r * groups * 2 + 2 * g;
                    metadata[r * words + g / 4] |= (ushort)(Encode24(positions[at], positions[at + 1]) << (4 * (g % 4)));
                }
            return new NmCompressed(pattern, rows, columns, values, null, metadata);
        }

        private static void ValidateShape(string layerName, SparsityPattern pattern, int rows, int columns)
        {
            NmSparsity.Validate(layerName, pattern, columns);
            if (rows <= 0)
                throw new ArgumentException($"Layer '{layerName}' (pattern {pattern}, input width {columns}): the number of rows must be positive, got {rows}.", nameof(rows));
            if (pattern.M > 256)
                throw new ArgumentException(
                    $"Layer '{layerName}' (input width {columns}): pattern {pattern} has M > 256, but compressed positions are stored as bytes. Use M <= 256.",
                    nameof(pattern));
            if ((long)rows * columns > int.MaxValue)
                throw new ArgumentException($"Layer '{layerName}': [{rows}, {columns}] has more than {int.MaxValue} weights; split the layer.", nameof(rows));
        }
    }

    /// <summary>Copies between float32 TorchSharp tensors and managed arrays.</summary>
    internal static class TensorData
    {
        /// <summary>A row-major copy of a tensor's values as float32 (converted and moved to the CPU as needed).</summary>
        public static float[] ToFloatArray(Tensor t)
        {
            using var scope = NewDisposeScope();
            var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
            var result = new float[cpu.numel()];
            MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(result);
            return result;
        }

        /// <summary>A new float32 CPU tensor of the given shape holding a copy of <paramref name="data"/>.</summary>
        public static Tensor FromFloatArray(float[] data, params long[] shape) => tensor(data, shape, dtype: ScalarType.Float32);
    }
}
