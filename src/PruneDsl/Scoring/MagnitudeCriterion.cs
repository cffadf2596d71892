using System;
using PruneDsl.Graph;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Scoring
{
    /// <summary>
    /// Magnitude of each neuron's group (fan-in row and, by default, its bias): L1 <c>sum_j |w_ij| + |b_i|</c> or L2
    /// <c>sqrt(sum_j w_ij^2 + b_i^2)</c> (PyTorch's <c>ln_structured</c> with n = 1 or 2 over dim 0, plus the bias).
    /// </summary>
    public sealed class MagnitudeCriterion : IImportanceCriterion
    {
        /// <summary>L1 magnitude including the bias.</summary>
        public static MagnitudeCriterion L1 { get; } = new MagnitudeCriterion(1);

        /// <summary>L2 magnitude including the bias.</summary>
        public static MagnitudeCriterion L2 { get; } = new MagnitudeCriterion(2);

        /// <summary>Creates the criterion.</summary>
        /// <param name="norm">1 for L1, 2 for L2.</param>
        /// <param name="includeBias">Whether the bias belongs to the group (default true).</param>
        public MagnitudeCriterion(int norm, bool includeBias = true)
        {
            if (norm != 1 && norm != 2)
                throw new ArgumentOutOfRangeException(nameof(norm), norm, "MagnitudeCriterion supports norm 1 (L1) or 2 (L2).");
            Norm = norm;
            IncludeBias = includeBias;
        }

        /// <summary>1 (L1) or 2 (L2).</summary>
        public int Norm { get; }

        /// <summary>Whether the bias belongs to the group.</summary>
        public bool IncludeBias { get; }

        /// <inheritdoc />
        public string Name => IncludeBias ? $"magnitude-l{Norm}" : $"magnitude-l{Norm}-weights";

        /// <inheritdoc />
        public Tensor Score(Linear layer)
        {
            var weight = LinearGroups.Weight(layer, Name);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var w = LinearGroups.F64(weight);
            var b = IncludeBias && layer.bias is not null ? LinearGroups.F64(layer.bias) : null;
            var score = Norm == 1
                ? LinearGroups.RowSum(w.abs(), b?.abs())
                : LinearGroups.RowSum(w.square(), b?.square()).sqrt_();
            return score.MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        /// <remarks>
        /// A channel's group is slice c of every member tensor (producer filters, normalizer affine entries, depthwise
        /// filters; biases unless <see cref="IncludeBias"/> is false): L1 sums their absolute values, L2 is the square root
        /// of their summed squares. One Linear's rows score exactly as <see cref="Score(Linear)"/>.
        /// </remarks>
        public Tensor Score(ChannelGroups groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.SingleLinear is { } linear) return Score(linear);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Tensor? sum = null;
            foreach (var (_, t, isBias) in groups.Tensors())
            {
                if (!IncludeBias && isBias) continue;
                var v = LinearGroups.F64(t);
                var part = ChannelScoring.RowSums(Norm == 1 ? v.abs() : v.square());
                sum = sum is null ? part : sum.add_(part);
            }
            var score = Norm == 1 ? sum! : sum!.sqrt_();
            return score.MoveToOuterDisposeScope();
        }
    }
}
