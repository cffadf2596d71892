using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PruneDsl.Sparsity
{
    /// <summary>Which implementation <see cref="NmKernel"/> runs.</summary>
    public enum NmKernelPath
    {
        /// <summary>The SIMD path where the CPU supports it (<see cref="NmKernel.IsSimdSupported"/>), else the scalar path.</summary>
        Auto = 0,

        /// <summary>The AVX2 + FMA path (Vector256); throws <see cref="PlatformNotSupportedException"/> where unsupported.</summary>
        Simd = 1,

        /// <summary>The portable scalar path (plain C#, any CPU); still uses all cores.</summary>
        Scalar = 2,
    }

    /// <summary>
    /// CPU inference with an N:M sparse weight: <c>y = x W^T + b</c> computed straight from <see cref="NmCompressed"/>,
    /// touching only the N stored weights of every group of M (half the multiply-adds and about half the weight bytes of
    /// the dense product for 2:4).
    /// </summary>
    /// <remarks>
    /// <para>Work is split over all cores with <see cref="Parallel.For(int, int, Action{int})"/> over blocks of output
    /// rows (and batch tiles). The SIMD path (AVX2 + FMA, <see cref="Vector256{T}"/>) has two kernels:</para>
    /// <para><b>Small batch, 2:4</b> (batch &lt;= 3): per output row, each 16-bit metadata word (4 groups = 16 inputs,
    /// 8 stored values) is decoded once by a 256-entry table into a lane permutation; for each batch row the 16 inputs
    /// are loaded contiguously, permuted into the 8 kept positions (<c>vpermps</c> + blend) and multiplied with the 8
    /// stored values by one FMA. Up to 4 batch rows share each weight load.</para>
    /// <para><b>Batch tiles</b> (larger batches, and every pattern other than 2:4): the input is transposed into tiles
    /// <c>[in, T]</c> (T = 8, 16 or 32 batch rows, zero padded), so each stored weight is broadcast once and multiplied
    /// with one contiguous row of T inputs; two output rows are interleaved to keep 8 independent accumulators busy.</para>
    /// <para>The scalar path is the straightforward loop, for CPUs without AVX2/FMA and as a reference.</para>
    /// </remarks>
    public static unsafe class NmKernel
    {
        private const int RowBlock = 16;
        private const int TileRowBlock = 32;
        private const int MaxTile = 32;
        private const int RowDotMaxBatch = 3;

        /// <summary>Whether the SIMD path can run here (AVX2 and FMA).</summary>
        public static bool IsSimdSupported => Avx2.IsSupported && Fma.IsSupported;

        /// <summary>
        /// <c>input [batch, in] x weight^T + bias</c> as a new float32 CPU tensor <c>[batch, out]</c>.
        /// </summary>
        /// <param name="input">A 2-D tensor <c>[batch, in]</c> (converted to float32 on the CPU as needed).</param>
        /// <param name="weight">The compressed weight <c>[out, in]</c>.</param>
        /// <param name="bias">Optional bias <c>[out]</c>.</param>
        /// <param name="path">Which implementation to run.</param>
        /// <returns>The product <c>[batch, out]</c>; the caller disposes it.</returns>
        public static Tensor MatMul(Tensor input, NmCompressed weight, Tensor? bias = null, NmKernelPath path = NmKernelPath.Auto)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (input.dim() != 2 || input.shape[1] != weight.Columns)
                throw new ArgumentException(
                    $"The input must be [batch, {weight.Columns}] for a {weight.Pattern} weight [{weight.Rows}, {weight.Columns}], but it is [{string.Join(", ", input.shape)}].",
                    nameof(input));
            if (bias is not null && (bias.dim() != 1 || bias.shape[0] != weight.Rows))
                throw new ArgumentException($"The bias must be [{weight.Rows}], but it is [{string.Join(", ", bias.shape)}].", nameof(bias));
            if (input.shape[0] > int.MaxValue / Math.Max(weight.Rows, weight.Columns))
                throw new ArgumentException($"The batch {input.shape[0]} is too large for one call; split it.", nameof(input));
            int batch = (int)input.shape[0];
            var x = TensorData.ToFloatArray(input);
            var b = bias is null ? Array.Empty<float>() : TensorData.ToFloatArray(bias);
            var y = new float[(long)batch * weight.Rows];
            MatMul(x, batch, weight, b, y, path);
            return TensorData.FromFloatArray(y, batch, weight.Rows);
        }

        /// <summary>
        /// <c>output [batch, out] = input [batch, in] x weight^T + bias</c> on row-major spans.
        /// </summary>
        /// <param name="input"><c>batch * weight.Columns</c> floats, row-major.</param>
        /// <param name="batch">Rows of the input (0 is allowed and does nothing).</param>
        /// <param name="weight">The compressed weight <c>[out, in]</c>.</param>
        /// <param name="bias"><c>weight.Rows</c> floats, or empty for no bias.</param>
        /// <param name="output">At least <c>batch * weight.Rows</c> floats; overwritten.</param>
        /// <param name="path">Which implementation to run.</param>
        public static void MatMul(ReadOnlySpan<float> input, int batch, NmCompressed weight, ReadOnlySpan<float> bias, Span<float> output,
            NmKernelPath path = NmKernelPath.Auto)
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must not be negative.");
            if (input.Length < (long)batch * weight.Columns)
                throw new ArgumentException($"The input holds {input.Length} floats; [{batch}, {weight.Columns}] needs {(long)batch * weight.Columns}.", nameof(input));
            if (output.Length < (long)batch * weight.Rows)
                throw new ArgumentException($"The output holds {output.Length} floats; [{batch}, {weight.Rows}] needs {(long)batch * weight.Rows}.", nameof(output));
            if (bias.Length != 0 && bias.Length != weight.Rows)
                throw new ArgumentException($"The bias holds {bias.Length} floats; it must be empty or hold {weight.Rows}.", nameof(bias));
            bool simd = path switch
            {
                NmKernelPath.Auto => IsSimdSupported,
                NmKernelPath.Simd => IsSimdSupported
                    ? true
                    : throw new PlatformNotSupportedException("NmKernelPath.Simd needs AVX2 and FMA, which this CPU lacks; use NmKernelPath.Auto or Scalar."),
                NmKernelPath.Scalar => false,
                _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown kernel path."),
            };
            if (batch == 0) return;

            fixed (float* px = input, pb = bias, py = output, pv = weight.ValuesArray)
            fixed (byte* pi = weight.IndicesArray)
            fixed (ushort* pm = weight.MetadataArray)
            {
                var job = new Job
                {
                    X = px, Bias = bias.Length == 0 ? null : pb, Y = py, V = pv, Idx = pi, Meta = pm,
                    Batch = batch, Rows = weight.Rows, Columns = weight.Columns, N = weight.Pattern.N, M = weight.Pattern.M,
                    Groups = weight.GroupsPerRow, PerRow = weight.ValuesPerRow, Words = weight.MetadataWordsPerRow,
                };
                if (!simd) RunScalar(job);
                else if (weight.IsPacked24 && batch <= RowDotMaxBatch) RunRowDot24(job);
                else RunTiles(job);
            }
        }

        /// <summary>Raw pointers and sizes shared by the worker loops (valid while the caller keeps them pinned).</summary>
        private struct Job
        {
            public float* X, Bias, Y, V;
            public byte* Idx;
            public ushort* Meta;
            public int Batch, Rows, Columns, N, M, Groups, PerRow, Words;
        }

        // ---------------------------------------------------------------- scalar

        private static void RunScalar(Job job)
        {
            int blocks = (job.Rows + RowBlock - 1) / RowBlock;
            Parallel.For(0, blocks, block =>
            {
                int r1 = Math.Min(job.Rows, (block + 1) * RowBlock);
                for (int r = block * RowBlock; r < r1; r++)
                    for (int b = 0; b < job.Batch; b++)
                    {
                        float* x = job.X + (long)b * job.Columns;
                        float* v = job.V + (long)r * job.PerRow;
                        float acc = 0f;
                        if (job.Meta != null)
                        {
                            ushort* meta = job.Meta + (long)r * job.Words;
                            for (int g = 0; g < job.Groups; g++)
                            {
                                int nibble = (meta[g >> 2] >> ((g & 3) << 2)) & 0xF;
                                acc += v[2 * g] * x[4 * g + (nibble & 3)];
                                acc += v[2 * g + 1] * x[4 * g + (nibble >> 2)];
                            }
                        }
                        else
                        {
                            byte* idx = job.Idx + (long)r * job.PerRow;
                            for (int g = 0, at = 0; g < job.Groups; g++)
                                for (int k = 0; k < job.N; k++, at++)
                                    acc += v[at] * x[g * job.M + idx[at]];
                        }
                        job.Y[(long)b * job.Rows + r] = job.Bias == null ? acc : acc + job.Bias[r];
                    }
            });
        }

        // ---------------------------------------------------------------- SIMD: 2:4 row dot (small batches)

        /// <summary>
        /// For a metadata byte holding two group nibbles A (low) and B (high): the in-register positions
        /// [A.first, A.second, 4 + B.first, 4 + B.second] of the four kept inputs among the byte's 8 inputs.
        /// </summary>
        private static readonly int[] PermuteTable = BuildPermuteTable();

        private static int[] BuildPermuteTable()
        {
            var table = new int[256 * 4];
            for (int v = 0; v < 256; v++)
            {
                int a = v & 0xF, b = v >> 4;
                table[4 * v] = a & 3;
                table[4 * v + 1] = a >> 2;
                table[4 * v + 2] = 4 + (b & 3);
                table[4 * v + 3] = 4 + (b >> 2);
            }
            return table;
        }

        private static void RunRowDot24(Job job)
        {
            int blocks = (job.Rows + RowBlock - 1) / RowBlock;
            Parallel.For(0, blocks, block =>
            {
                fixed (int* table = PermuteTable)
                {
                    int r1 = Math.Min(job.Rows, (block + 1) * RowBlock);
                    for (int r = block * RowBlock; r < r1; r++)
                        for (int b0 = 0; b0 < job.Batch; b0 += 4)
                        {
                            switch (Math.Min(4, job.Batch - b0))
                            {
                                case 1: RowDot24<C1>(job, table, r, b0); break;
                                case 2: RowDot24<C2>(job, table, r, b0); break;
                                case 3: RowDot24<C3>(job, table, r, b0); break;
                                default: RowDot24<C4>(job, table, r, b0); break;
                            }
                        }
                }
            });
        }

        /// <summary>One output row for <typeparamref name="TB"/> consecutive batch rows starting at <paramref name="b0"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RowDot24<TB>(Job job, int* table, int r, int b0) where TB : struct, IConstCount
        {
            float* v = job.V + (long)r * job.PerRow;
            ushort* meta = job.Meta + (long)r * job.Words;
            long stride = job.Columns;
            float* x0 = job.X + (long)b0 * stride;
            float* x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default; // even words
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default; // odd words
            int fullWords = job.Groups >> 2, w = 0;
            for (; w + 1 < fullWords; w += 2)
            {
                int m0 = meta[w], m1 = meta[w + 1];
                var p0 = Vector256.Create(Sse2.LoadVector128(table + 4 * (m0 & 0xFF)), Sse2.LoadVector128(table + 4 * (m0 >> 8)));
                var p1 = Vector256.Create(Sse2.LoadVector128(table + 4 * (m1 & 0xFF)), Sse2.LoadVector128(table + 4 * (m1 >> 8)));
                var v0 = Avx.LoadVector256(v + 8 * w);
                var v1 = Avx.LoadVector256(v + 8 * w + 8);
                int o = 16 * w;
                a0 = Fma.MultiplyAdd(v0, Gather16(x0 + o, p0), a0);
                c0 = Fma.MultiplyAdd(v1, Gather16(x0 + o + 16, p1), c0);
                if (TB.Count > 1)
                {
                    a1 = Fma.MultiplyAdd(v0, Gather16(x1 + o, p0), a1);
                    c1 = Fma.MultiplyAdd(v1, Gather16(x1 + o + 16, p1), c1);
                }
                if (TB.Count > 2)
                {
                    a2 = Fma.MultiplyAdd(v0, Gather16(x2 + o, p0), a2);
                    c2 = Fma.MultiplyAdd(v1, Gather16(x2 + o + 16, p1), c2);
                }
                if (TB.Count > 3)
                {
                    a3 = Fma.MultiplyAdd(v0, Gather16(x3 + o, p0), a3);
                    c3 = Fma.MultiplyAdd(v1, Gather16(x3 + o + 16, p1), c3);
                }
            }
            for (; w < fullWords; w++)
            {
                int m0 = meta[w];
                var p0 = Vector256.Create(Sse2.LoadVector128(table + 4 * (m0 & 0xFF)), Sse2.LoadVector128(table + 4 * (m0 >> 8)));
                var v0 = Avx.LoadVector256(v + 8 * w);
                int o = 16 * w;
                a0 = Fma.MultiplyAdd(v0, Gather16(x0 + o, p0), a0);
                if (TB.Count > 1) a1 = Fma.MultiplyAdd(v0, Gather16(x1 + o, p0), a1);
                if (TB.Count > 2) a2 = Fma.MultiplyAdd(v0, Gather16(x2 + o, p0), a2);
                if (TB.Count > 3) a3 = Fma.MultiplyAdd(v0, Gather16(x3 + o, p0), a3);
            }
            float bias = job.Bias == null ? 0f : job.Bias[r];
            float* y = job.Y + (long)b0 * job.Rows + r;
            y[0] = Tail24(job, v, meta, x0, fullWords) + Vector256.Sum(a0 + c0) + bias;
            if (TB.Count > 1) y[job.Rows] = Tail24(job, v, meta, x1, fullWords) + Vector256.Sum(a1 + c1) + bias;
            if (TB.Count > 2) y[2L * job.Rows] = Tail24(job, v, meta, x2, fullWords) + Vector256.Sum(a2 + c2) + bias;
            if (TB.Count > 3) y[3L * job.Rows] = Tail24(job, v, meta, x3, fullWords) + Vector256.Sum(a3 + c3) + bias;
        }

        /// <summary>The 8 kept inputs of 16 consecutive inputs: lanes 0-3 from x[0..7], lanes 4-7 from x[8..15].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Gather16(float* x, Vector256<int> permutation) =>
            Avx.Blend(Avx2.PermuteVar8x32(Avx.LoadVector256(x), permutation), Avx2.PermuteVar8x32(Avx.LoadVector256(x + 8), permutation), 0xF0);

        /// <summary>The groups after the last full metadata word (fewer than 4), scalar.</summary>
        private static float Tail24(Job job, float* v, ushort* meta, float* x, int fullWords)
        {
            float acc = 0f;
            for (int g = 4 * fullWords; g < job.Groups; g++)
            {
                int nibble = (meta[g >> 2] >> ((g & 3) << 2)) & 0xF;
                acc += v[2 * g] * x[4 * g + (nibble & 3)] + v[2 * g + 1] * x[4 * g + (nibble >> 2)];
            }
            return acc;
        }

        // ---------------------------------------------------------------- SIMD: batch tiles (any N:M)

        private static void RunTiles(Job job)
        {
            int tiles = (job.Batch + MaxTile - 1) / MaxTile;
            var tileWidth = new int[tiles];
            var tileOffset = new long[tiles];
            long total = 0;
            for (int t = 0; t < tiles; t++)
            {
                int count = Math.Min(MaxTile, job.Batch - t * MaxTile);
                tileWidth[t] = count <= 8 ? 8 : count <= 16 ? 16 : 32;
                tileOffset[t] = total;
                total += (long)tileWidth[t] * job.Columns;
            }
            var buffer = ArrayPool<float>.Shared.Rent(checked((int)total));
            try
            {
                fixed (float* xt = buffer)
                {
                    float* xtp = xt;
                    // Transpose every tile into [in, T] so one stored weight meets T contiguous inputs.
                    Parallel.For(0, tiles, t => TransposeTile(job, xtp + tileOffset[t], t * MaxTile, Math.Min(MaxTile, job.Batch - t * MaxTile), tileWidth[t]));
                    int blocks = (job.Rows + TileRowBlock - 1) / TileRowBlock;
                    Parallel.For(0, blocks * tiles, item =>
                    {
                        int t = item % tiles, block = item / tiles;
                        int r0 = block * TileRowBlock, r1 = Math.Min(job.Rows, r0 + TileRowBlock);
                        int b0 = t * MaxTile, count = Math.Min(MaxTile, job.Batch - b0);
                        float* tile = xtp + tileOffset[t];
                        switch (tileWidth[t])
                        {
                            case 8: TileRows<C1>(job, tile, b0, count, r0, r1); break;
                            case 16: TileRows<C2>(job, tile, b0, count, r0, r1); break;
                            default: TileRows<C4>(job, tile, b0, count, r0, r1); break;
                        }
                    });
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }

        private static void TransposeTile(Job job, float* tile, int b0, int count, int width)
        {
            const int Block = 64;
            for (int c0 = 0; c0 < job.Columns; c0 += Block)
            {
                int c1 = Math.Min(job.Columns, c0 + Block);
                for (int j = 0; j < width; j++)
                {
                    if (j < count)
                    {
                        float* x = job.X + (long)(b0 + j) * job.Columns;
                        for (int c = c0; c < c1; c++) tile[(long)c * width + j] = x[c];
                    }
                    else
                    {
                        for (int c = c0; c < c1; c++) tile[(long)c * width + j] = 0f;
                    }
                }
            }
        }

        /// <summary>
        /// Output rows [r0, r1) (at most <see cref="TileRowBlock"/>) for one batch tile of width 8 * <typeparamref name="TV"/>.
        /// The inputs are walked in chunks of about 256 columns (a 32 KiB slice of the tile that stays in L1) and every
        /// chunk serves all rows of the block, two rows at a time; partial sums wait in a small buffer between chunks.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TileRows<TV>(Job job, float* tile, int b0, int count, int r0, int r1) where TV : struct, IConstCount
        {
            int width = 8 * TV.Count;
            float* partial = stackalloc float[TileRowBlock * MaxTile];
            for (int r = r0; r < r1; r++)
                new Span<float>(partial + (r - r0) * MaxTile, width).Fill(job.Bias == null ? 0f : job.Bias[r]);
            // Chunk of whole groups covering about 256 inputs; a multiple of 4 groups so 2:4 chunks start on a metadata word.
            int chunk = job.Meta != null ? 64 : Math.Max(1, 256 / job.M);
            for (int gStart = 0; gStart < job.Groups; gStart += chunk)
            {
                int gEnd = Math.Min(job.Groups, gStart + chunk);
                for (int r = r0; r < r1; r += 2)
                {
                    int rB = r + 1 < r1 ? r + 1 : r; // an odd last row is computed twice; both copies are identical
                    float* pA = partial + (r - r0) * MaxTile, pB = partial + (rB - r0) * MaxTile;
                    Vector256<float> a0 = Avx.LoadVector256(pA), c0 = Avx.LoadVector256(pB);
                    Vector256<float> a1 = default, a2 = default, a3 = default, c1 = default, c2 = default, c3 = default;
                    if (TV.Count > 1) { a1 = Avx.LoadVector256(pA + 8); c1 = Avx.LoadVector256(pB + 8); }
                    if (TV.Count > 2)
                    {
                        a2 = Avx.LoadVector256(pA + 16); c2 = Avx.LoadVector256(pB + 16);
                        a3 = Avx.LoadVector256(pA + 24); c3 = Avx.LoadVector256(pB + 24);
                    }
                    float* vA = job.V + (long)r * job.PerRow, vB = job.V + (long)rB * job.PerRow;
                    if (job.Meta != null)
                    {
                        ushort* mA = job.Meta + (long)r * job.Words, mB = job.Meta + (long)rB * job.Words;
                        int wordA = 0, wordB = 0;
                        for (int g = gStart; g < gEnd; g++)
                        {
                            if ((g & 3) == 0) { wordA = mA[g >> 2]; wordB = mB[g >> 2]; }
                            float* xg = tile + (long)(4 * g) * width;
                            float* xA0 = xg + (wordA & 3) * width, xA1 = xg + ((wordA >> 2) & 3) * width;
                            float* xB0 = xg + (wordB & 3) * width, xB1 = xg + ((wordB >> 2) & 3) * width;
                            wordA >>= 4;
                            wordB >>= 4;
                            var wA0 = Vector256.Create(vA[2 * g]);
                            var wA1 = Vector256.Create(vA[2 * g + 1]);
                            var wB0 = Vector256.Create(vB[2 * g]);
                            var wB1 = Vector256.Create(vB[2 * g + 1]);
                            a0 = Fma.MultiplyAdd(wA1, Avx.LoadVector256(xA1), Fma.MultiplyAdd(wA0, Avx.LoadVector256(xA0), a0));
                            c0 = Fma.MultiplyAdd(wB1, Avx.LoadVector256(xB1), Fma.MultiplyAdd(wB0, Avx.LoadVector256(xB0), c0));
                            if (TV.Count > 1)
                            {
                                a1 = Fma.MultiplyAdd(wA1, Avx.LoadVector256(xA1 + 8), Fma.MultiplyAdd(wA0, Avx.LoadVector256(xA0 + 8), a1));
                                c1 = Fma.MultiplyAdd(wB1, Avx.LoadVector256(xB1 + 8), Fma.MultiplyAdd(wB0, Avx.LoadVector256(xB0 + 8), c1));
                            }
                            if (TV.Count > 2)
                            {
                                a2 = Fma.MultiplyAdd(wA1, Avx.LoadVector256(xA1 + 16), Fma.MultiplyAdd(wA0, Avx.LoadVector256(xA0 + 16), a2));
                                c2 = Fma.MultiplyAdd(wB1, Avx.LoadVector256(xB1 + 16), Fma.MultiplyAdd(wB0, Avx.LoadVector256(xB0 + 16), c2));
                                a3 = Fma.MultiplyAdd(wA1, Avx.LoadVector256(xA1 + 24), Fma.MultiplyAdd(wA0, Avx.LoadVector256(xA0 + 24), a3));
                                c3 = Fma.MultiplyAdd(wB1, Avx.LoadVector256(xB1 + 24), Fma.MultiplyAdd(wB0, Avx.LoadVector256(xB0 + 24), c3));
                            }
                        }
                    }
                    else
                    {
                        byte* iA = job.Idx + (long)r * job.PerRow, iB = job.Idx + (long)rB * job.PerRow;
                        int n = job.N;
                        for (int g = gStart, at = gStart * n; g < gEnd; g++)
                        {
                            float* xg = tile + (long)g * job.M * width;
                            for (int k = 0; k < n; k++, at++)
                            {
                                float* xA = xg + iA[at] * width, xB = xg + iB[at] * width;
                                var wA = Vector256.Create(vA[at]);
                                var wB = Vector256.Create(vB[at]);
                                a0 = Fma.MultiplyAdd(wA, Avx.LoadVector256(xA), a0);
                                c0 = Fma.MultiplyAdd(wB, Avx.LoadVector256(xB), c0);
                                if (TV.Count > 1)
                                {
                                    a1 = Fma.MultiplyAdd(wA, Avx.LoadVector256(xA + 8), a1);
                                    c1 = Fma.MultiplyAdd(wB, Avx.LoadVector256(xB + 8), c1);
                                }
                                if (TV.Count > 2)
                                {
                                    a2 = Fma.MultiplyAdd(wA, Avx.LoadVector256(xA + 16), a2);
                                    c2 = Fma.MultiplyAdd(wB, Avx.LoadVector256(xB + 16), c2);
                                    a3 = Fma.MultiplyAdd(wA, Avx.LoadVector256(xA + 24), a3);
                                    c3 = Fma.MultiplyAdd(wB, Avx.LoadVector256(xB + 24), c3);
                                }
                            }
                        }
                    }
                    Avx.Store(pA, a0);
                    Avx.Store(pB, c0);
                    if (TV.Count > 1) { Avx.Store(pA + 8, a1); Avx.Store(pB + 8, c1); }
                    if (TV.Count > 2)
                    {
                        Avx.Store(pA + 16, a2); Avx.Store(pB + 16, c2);
                        Avx.Store(pA + 24, a3); Avx.Store(pB + 24, c3);
                    }
                }
            }
            float* y = job.Y + (long)b0 * job.Rows;
            for (int j = 0; j < count; j++)
                for (int r = r0; r < r1; r++)
                    y[(long)j * job.Rows + r] = partial[(r - r0) * MaxTile + j];
        }

        // ---------------------------------------------------------------- compile-time counts

        /// <summary>A count known to the JIT per instantiation, so unused accumulators and branches vanish.</summary>
        private interface IConstCount
        {
            static abstract int Count { get; }
        }

        private struct C1 : IConstCount { public static int Count => 1; }
        private struct C2 : IConstCount { public static int Count => 2; }
        private struct C3 : IConstCount { public static int Count => 3; }
        private struct C4 : IConstCount { public static int Count => 4; }
    }
}
