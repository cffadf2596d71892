using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using PruneDsl.Quantization;
using PruneDsl.Sparsity;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// The column sweep shared by SparseGPT and GPTQ (Frantar and Alistarh 2023; Frantar et al. 2022), the one place where
    /// their update equation lives. Columns are processed left to right in blocks of B; for column j of a row with weight
    /// w and target value q (0 when pruned, the quantized value when quantizing, else w):
    /// <code>
    /// err = (w - q) / U_jj
    /// W[r, j+1 : block end] -= err * U[j, j+1 : block end]      (inside the block, immediately)
    /// W[:, block end :]     -= Err_block @ U[block, block end :] (after the block, lazily, one GEMM)
    /// </code>
    /// where U is the upper Cholesky factor of the inverse damped Hessian (<see cref="LayerHessian.InverseCholeskyUpper"/>).
    /// This is the OBS update <c>delta w = -(w_q - q) / [H_F^-1]_qq [H_F^-1]_{q,:}</c> of
    /// docs/references/model-pruning-deep-dive.md ("Optimal Brain Surgeon"), restricted to the columns F not yet processed:
    /// row j of U times U_jj is row j of <c>H_F^-1</c>, so one factorization serves every column. The error it adds to
    /// <c>||W X - W' X||^2 / n</c> is <c>(w - q)^2 / (2 U_jj^2)</c>, summed into <see cref="Result.EstimatedError"/>.
    /// </summary>
    /// <remarks>
    /// Masks: fixed (given), unstructured (per block, the <c>w^2 / U_jj^2</c> scores of the whole block decide, so every
    /// block prunes its share of the target: "adaptive mask selection"), or N:M (per group of M columns, decided when the
    /// sweep reaches the group, from the weights as updated so far). Quantization scales: a group that starts at a block
    /// start (every group when GroupSize is 0 or a multiple of B) takes its scale from the weights at that moment; a
    /// smaller group (GroupSize dividing B) when the sweep reaches its first column. With a fixed mask only kept weights
    /// count towards a scale. Rows are independent inside a block and run in parallel; the result does not depend on the
    /// thread count.
    /// </remarks>
    internal static class ObsColumnSweep
    {
        /// <summary>What the sweep does: the mask rule (a fixed keep-mask wins over the target), the quantization and the block size.</summary>
        internal sealed record Options(PruneTarget Target, bool[]? FixedKeep, QuantizationScheme? Quantization, int BlockSize, string LayerName);

        /// <summary>The swept layer: new weight (float64, row-major), keep-mask, codes and scales when quantized.</summary>
        internal sealed record Result(double[] Weight, bool[] Keep, sbyte[]? Codes, float[]? Scales, double EstimatedError);

        public static Result Run(Tensor weight, Tensor upper, Options options)
        {
            int rows = checked((int)weight.shape[0]), cols = checked((int)weight.shape[1]);
            if (upper.shape[0] != cols || upper.shape[1] != cols)
                throw new ArgumentException($"Layer '{options.LayerName}': the Hessian factor is [{string.Join(", ", upper.shape)}] but the weight has {cols} columns.");
            if (options.FixedKeep is { } fixedKeep && fixedKeep.Length != (long)rows * cols)
                throw new ArgumentException($"Layer '{options.LayerName}': the keep-mask has {fixedKeep.Length} entries, the weight {(long)rows * cols}.");
            if (options.Target.Pattern is { } p) NmSparsity.Validate(options.LayerName, p, cols);

            int block = options.BlockSize;
            var scheme = options.Quantization;
            int bits = scheme?.Bits ?? 0;
            int groupColumns = scheme?.ColumnsPerScale(cols) ?? 0;
            int scalesPerRow = scheme?.ScalesPerRow(cols) ?? 0;
            if (scheme is not null && cols % groupColumns != 0)
                throw new ArgumentException($"Layer '{options.LayerName}': the quantization group size {groupColumns} does not divide the {cols} input columns.");

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var w = weight.detach().to(ScalarType.Float64, CPU).contiguous().clone();
            var u = upper.detach().to(ScalarType.Float64, CPU).contiguous();
            var keep = new bool[(long)rows * cols];
            var codes = scheme is null ? null : new sbyte[(long)rows * cols];
            var scales = scheme is null ? null : new float[(long)rows * scalesPerRow];
            var rowError = new double[rows];
            long processed = 0, prunedSoFar = 0;
            // One set of block buffers, reused by every block (the last, narrower block uses a prefix of them).
            var wbBuffer = new double[(long)rows * Math.Min(block, cols)];
            var qbBuffer = new double[wbBuffer.Length];
            var ebBuffer = new double[wbBuffer.Length];
            var keepBuffer = new bool[wbBuffer.Length];

            for (int i1 = 0; i1 < cols; i1 += block)
            {
                using var blockScope = NewDisposeScope();
                int i2 = Math.Min(i1 + block, cols), b = i2 - i1;
                var wb = CopyTo(w.narrow(1, i1, b), wbBuffer);
                var ub = ToArray(u.narrow(0, i1, b).narrow(1, i1, b));
                var qb = qbBuffer;
                var eb = ebBuffer;
                var keepB = keepBuffer;
                Array.Clear(keepB);

                if (scheme is { } s && groupColumns >= block && i1 % groupColumns == 0)
                    SetScalesFromTensor(w, i1, groupColumns, rows, cols, options.FixedKeep, s, scales!, scalesPerRow);

                // The mask of the block (fixed, or chosen now for unstructured); N:M masks are chosen per segment below.
                if (options.FixedKeep is { } given)
                {
                    for (int r = 0; r < rows; r++) Array.Copy(given, (long)r * cols + i1, keepB, (long)r * b, b);
                }
                else if (options.Target.Pattern is null)
                {
                    processed += (long)rows * b;
                    var prune = options.Target.IsNone ? 0 : options.Target.PruneCount(processed) - prunedSoFar;
                    prunedSoFar += prune;
                    if (prune == 0) Array.Fill(keepB, true);
                    else
                    {
                        var scores = new double[(long)rows * b];
                        for (int r = 0; r < rows; r++)
                            for (int c = 0; c < b; c++)
                            {
                                var d = ub[c * b + c];
                                var v = wb[(long)r * b + c];
                                scores[(long)r * b + c] = v * v / (d * d);
                            }
                        Array.Copy(WeightMasks.KeepAllButSmallest(scores, prune), keepB, scores.Length);
                    }
                }

                bool chooseNm = options.FixedKeep is null && options.Target.Pattern is not null;
                int segment = chooseNm ? options.Target.Pattern!.Value.M : b;
                for (int s0 = 0; s0 < b; s0 += segment)
                {
                    if (chooseNm) SelectNm(wb, ub, keepB, rows, b, s0, options.Target, options.LayerName);
                    int start = s0, end = Math.Min(s0 + segment, b);
                    Parallel.For(0, rows, r => SweepRow(r, start, end, i1, b, cols, wb, ub, qb, eb, keepB, options.FixedKeep,
                        scheme, bits, groupColumns, block, scalesPerRow, scales, codes, rowError));
                }

                w.narrow(1, i1, b).copy_(FromBuffer(qb, rows, b));
                if (i2 < cols)
                {
                    using var err = FromBuffer(eb, rows, b);
                    using var tail = u.narrow(0, i1, b).narrow(1, i2, cols - i2);
                    using var right = w.narrow(1, i2, cols - i2);
                    right.sub_(err.matmul(tail));
                }
                for (int r = 0; r < rows; r++) Array.Copy(keepB, (long)r * b, keep, (long)r * cols + i1, b);
            }

            double total = 0;
            foreach (var e in rowError) total += e;
            return new Result(ToArray(w), keep, codes, scales, total);
        }

        private static void SweepRow(int r, int start, int end, int i1, int b, int cols, double[] wb, double[] ub, double[] qb, double[] eb,
            bool[] keepB, bool[]? fixedKeep, QuantizationScheme? scheme, int bits, int groupColumns, int block, int scalesPerRow,
            float[]? scales, sbyte[]? codes, double[] rowError)
        {
            long row = (long)r * b;
            double error = 0;
            for (int c = start; c < end; c++)
            {
                int j = i1 + c;
                if (scheme is not null && groupColumns < block && j % groupColumns == 0)
                {
                    double max = 0;
                    for (int k = c; k < c + groupColumns; k++)
                        if (fixedKeep is null || fixedKeep[(long)r * cols + i1 + k]) max = Math.Max(max, Math.Abs(wb[row + k]));
                    scales![(long)r * scalesPerRow + j / groupColumns] = SymmetricQuantizer.Scale(max, bits);
                }
                double w = wb[row + c], q;
                if (!keepB[row + c]) q = 0;
                else if (scheme is not null)
                {
                    var scale = scales![(long)r * scalesPerRow + j / groupColumns];
                    var code = SymmetricQuantizer.Code(w, scale, bits);
                    codes![(long)r * cols + j] = (sbyte)code;
                    q = SymmetricQuantizer.Dequantize(code, scale);
                }
                else q = w;
                double d = ub[c * b + c];
                double err = (w - q) / d;
                var rowU = ub.AsSpan(c * b, b);
                var rowW = wb.AsSpan((int)row, b);
                for (int k = c + 1; k < b; k++) rowW[k] -= err * rowU[k];
                qb[row + c] = q;
                eb[row + c] = err;
                error += (w - q) * (w - q) / (2 * d * d);
            }
            rowError[r] += error;
        }

        /// <summary>Chooses the N:M mask of columns [s0, s0 + M) of the block for every row from <c>w^2 / U_jj^2</c>, by the N:M rule.</summary>
        private static void SelectNm(double[] wb, double[] ub, bool[] keepB, int rows, int b, int s0, PruneTarget target, string layerName)
        {
            var pattern = target.Pattern!.Value;
            int m = pattern.M;
            var scores = new double[(long)rows * m];
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < m; k++)
                {
                    var d = ub[(s0 + k) * b + s0 + k];
                    var v = wb[(long)r * b + s0 + k];
                    scores[(long)r * m + k] = v * v / (d * d);
                }
            using var scoreTensor = tensor(scores, new long[] { rows, m }, dtype: ScalarType.Float64);
            using var mask = WeightMasks.Select(scoreTensor, target, layerName: layerName);
            var keep = mask.data<bool>().ToArray();
            for (int r = 0; r < rows; r++) Array.Copy(keep, (long)r * m, keepB, (long)r * b + s0, m);
        }

        private static void SetScalesFromTensor(Tensor w, int i1, int groupColumns, int rows, int cols, bool[]? fixedKeep, QuantizationScheme scheme,
            float[] scales, int scalesPerRow)
        {
            var values = ToArray(w.narrow(1, i1, groupColumns));
            for (int r = 0; r < rows; r++)
            {
                double max = 0;
                for (int k = 0; k < groupColumns; k++)
                    if (fixedKeep is null || fixedKeep[(long)r * cols + i1 + k]) max = Math.Max(max, Math.Abs(values[(long)r * groupColumns + k]));
                scales[(long)r * scalesPerRow + i1 / groupColumns] = SymmetricQuantizer.Scale(max, scheme.Bits);
            }
        }

        /// <summary>Copies a tensor's values (row-major) into the start of <paramref name="buffer"/> and returns the buffer.</summary>
        private static double[] CopyTo(Tensor t, double[] buffer)
        {
            using var c = t.contiguous();
            MemoryMarshal.Cast<byte, double>(c.bytes).CopyTo(buffer);
            return buffer;
        }

        /// <summary>A new float64 tensor [rows, b] holding the first rows * b values of <paramref name="buffer"/>.</summary>
        private static Tensor FromBuffer(double[] buffer, int rows, int b)
        {
            var t = empty(rows, b, dtype: ScalarType.Float64);
            buffer.AsSpan(0, rows * b).CopyTo(MemoryMarshal.Cast<byte, double>(t.bytes));
            return t;
        }

        private static double[] ToArray(Tensor t)
        {
            using var c = t.contiguous();
            var result = new double[c.numel()];
            MemoryMarshal.Cast<byte, double>(c.bytes).CopyTo(result);
            return result;
        }
    }
}
