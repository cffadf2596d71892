using System;
using System.Collections.Generic;
using PruneDsl.Spec;

namespace PruneDsl.Quantization
{
    /// <summary>
    /// How kept weights are quantized: <see cref="Bits"/> (4 or 8) symmetric integers with one float32 scale per output
    /// channel (<see cref="GroupSize"/> 0) or per group of <see cref="GroupSize"/> consecutive input columns of a row.
    /// </summary>
    public readonly record struct QuantizationScheme
    {
        /// <summary>Creates a scheme after checking it with the rule of <see cref="ReconstructionSpec.Validate()"/>.</summary>
        /// <param name="bits">4 or 8.</param>
        /// <param name="groupSize">0 (per output channel) or the columns per scale.</param>
        /// <exception cref="ArgumentException">Bits is not 4 or 8, or the group size is negative.</exception>
        public QuantizationScheme(int bits, int groupSize = 0)
        {
            // One rule for the settings: the spec's. A block size equal to the group size satisfies its block rule.
            var spec = new ReconstructionSpec(ReconstructionMethod.None, Bits: bits, GroupSize: groupSize, BlockSize: Math.Max(1, groupSize));
            var problems = new List<SpecProblem>(spec.Validate());
            if (bits == 0) problems.Add(new SpecProblem(nameof(Bits), bits, "must be 4 or 8 for a quantization scheme"));
            SpecProblem.ThrowIfAny(problems, "quantization scheme", $"INT{bits}", "QuantizationScheme arguments");
            Bits = bits;
            GroupSize = groupSize;
        }

        /// <summary>Bits per stored weight, 4 or 8.</summary>
        public int Bits { get; }

        /// <summary>Columns per scale; 0 for one scale per output channel.</summary>
        public int GroupSize { get; }

        /// <summary>The largest code, <c>2^(bits-1) - 1</c>: codes lie in [-MaxCode, MaxCode] (127 for INT8, 7 for INT4).</summary>
        public int MaxCode => SymmetricQuantizer.MaxCode(Bits);

        /// <summary>Columns that share one scale in a layer with <paramref name="columns"/> inputs.</summary>
        /// <param name="columns">The layer's in_features.</param>
        public int ColumnsPerScale(int columns) => GroupSize == 0 ? columns : GroupSize;

        /// <summary>Scales per row of a layer with <paramref name="columns"/> inputs (the group size must divide it).</summary>
        /// <param name="columns">The layer's in_features.</param>
        public int ScalesPerRow(int columns) => columns / ColumnsPerScale(columns);

        /// <summary>The scheme a spec declares, or null when it does not quantize.</summary>
        /// <param name="spec">A valid spec.</param>
        public static QuantizationScheme? From(ReconstructionSpec spec) =>
            spec is null ? throw new ArgumentNullException(nameof(spec)) : spec.Quantizes ? new QuantizationScheme(spec.Bits, spec.GroupSize) : null;

        /// <inheritdoc />
        public override string ToString() => GroupSize == 0 ? $"INT{Bits} per channel" : $"INT{Bits} groups of {GroupSize}";
    }

    /// <summary>
    /// The symmetric round-to-nearest rule, in one place: <c>scale = max|w| / MaxCode</c> (stored as float32, 1 for an
    /// all-zero group), <c>code = clamp(round(w / scale), -MaxCode, MaxCode)</c> with rounding half to even, and
    /// <c>w' = code * scale</c> computed in float32 (the float32 product of a small integer and the scale, correctly rounded,
    /// which is what a kernel that dequantizes in registers computes). Zero maps to code 0 exactly, so pruned weights stay 0.
    /// </summary>
    public static class SymmetricQuantizer
    {
        /// <summary>The largest code, <c>2^(bits-1) - 1</c>.</summary>
        /// <param name="bits">4 or 8.</param>
        public static int MaxCode(int bits) => bits is 4 or 8
            ? (1 << (bits - 1)) - 1
            : throw new ArgumentOutOfRangeException(nameof(bits), bits, "Only 4- and 8-bit quantization is supported.");

        /// <summary>The scale of a group whose largest magnitude is <paramref name="maxAbs"/>: <c>maxAbs / MaxCode</c> as float32, or 1 when that is 0.</summary>
        /// <param name="maxAbs">The largest |w| of the group.</param>
        /// <param name="bits">4 or 8.</param>
        public static float Scale(double maxAbs, int bits)
        {
            var scale = (float)(maxAbs / MaxCode(bits));
            return scale > 0 && float.IsFinite(scale) ? scale : 1f;
        }

        /// <summary>The code of <paramref name="w"/>: <c>clamp(round(w / scale), -MaxCode, MaxCode)</c>, half to even.</summary>
        /// <param name="w">The weight.</param>
        /// <param name="scale">Its group's scale.</param>
        /// <param name="bits">4 or 8.</param>
        public static int Code(double w, float scale, int bits)
        {
            var max = MaxCode(bits);
            var code = Math.Round(w / scale, MidpointRounding.ToEven);
            return code >= max ? max : code <= -max ? -max : (int)code;
        }

        /// <summary>The weight a code stands for, <c>code * scale</c> in float32.</summary>
        /// <param name="code">The code.</param>
        /// <param name="scale">Its group's scale.</param>
        public static float Dequantize(int code, float scale) => code * scale;
    }
}
