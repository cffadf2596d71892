using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// The groups of one channel space: group c is slice c (dim 0) of every member's weight and bias (producer filters or
    /// rows, normalizer affine entries, per-channel filters), and the space's gate (participation or mass) multiplies the
    /// output of every gate site (<see cref="ChannelMember.Site"/>). The MLP case is one Linear producer, whose rows and
    /// biases are the groups and which is its own single site (<see cref="ForLinear"/>). Every per-group quantity the
    /// game, selection dynamics and the criteria need is computed here, once, for every shape of space.
    /// </summary>
    public sealed class ChannelGroups
    {
        private readonly ChannelMember[] _members;
        private readonly ChannelMember[] _sites;

        internal ChannelGroups(string name, IEnumerable<ChannelMember> members)
        {
            Name = name;
            _members = members.ToArray();
            if (_members.Length == 0) throw new ArgumentException($"Channel space '{name}' has no producer: its groups have no parameters.", nameof(members));
            _sites = _members.Where(m => m.Role != ChannelRole.Normalizer).Select(m => m.Site!).ToArray();
            SingleLinear = _members.Length == 1 && _members[0].Module is Linear l ? l : null;
        }

        /// <summary>The groups of one Linear layer's output neurons (fan-in row and bias): the MLP case.</summary>
        /// <param name="name">The layer's field name.</param>
        /// <param name="layer">The layer.</param>
        public static ChannelGroups ForLinear(string name, Linear layer)
        {
            if (layer is null) throw new ArgumentNullException(nameof(layer));
            var space = new ChannelSpace(null, name, 0);
            return new ChannelGroups(name, new[] { new ChannelMember(space, name, ChannelRole.Producer, layer, null) });
        }

        /// <summary>The space's name.</summary>
        public string Name { get; }

        /// <summary>The members: producers, their normalizers and per-channel convs, in declaration order.</summary>
        public IReadOnlyList<ChannelMember> Members => _members;

        /// <summary>The members whose outputs the gate multiplies (see <see cref="ChannelMember.Site"/>).</summary>
        public IReadOnlyList<ChannelMember> Sites => _sites;

        /// <summary>The layer when the groups are exactly one Linear's rows (the MLP case), else null.</summary>
        public Linear? SingleLinear { get; }

        /// <summary>The number of groups (channels): dim 0 of the first member's weight.</summary>
        public int Count => (int)ModuleTensors.Outputs(_members[0].Module);

        /// <summary>The modules whose weights have the space's channels as output rows or filters (producers and per-channel convs).</summary>
        internal IEnumerable<ChannelMember> Filters => _members.Where(m => m.Role != ChannelRole.Normalizer);

        /// <summary>Every parameter tensor of the groups (dim 0 the channels), with the member it belongs to and whether it is a bias.</summary>
        public IEnumerable<(ChannelMember Member, Parameter Tensor, bool IsBias)> Tensors()
        {
            foreach (var m in _members)
            {
                if (m.Weight is { } w) yield return (m, w, false);
                if (m.Bias is { } b) yield return (m, b, true);
            }
        }

        /// <summary><c>||theta_c||^2</c> per group: the squared entries of slice c of every member tensor, summed.</summary>
        public Tensor NormSquared()
        {
            using var _ = no_grad();
            Tensor? n = null;
            foreach (var (_, t, _) in Tensors())
            {
                using var sq = t.square();
                using var rows = Rows(sq);
                if (n is null) n = rows.sum(1);
                else if (sq.dim() == 1) n.add_(sq);
                else
                {
                    using var sums = rows.sum(1);
                    n.add_(sums);
                }
            }
            return n!;
        }

        /// <summary>The groups as rows, shape [C, d]: slice c of every member tensor, flattened and concatenated (raw, not gated).</summary>
        public Tensor Matrix()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var parts = Tensors().Select(p => p.Tensor.detach()).ToList();
            if (parts.Count == 1) return Rows(parts[0]).clone().MoveToOuterDisposeScope();
            var rows = parts.Select(p => p.dim() == 1 ? p.unsqueeze(1) : Rows(p)).ToArray();
            return cat(rows, 1).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// <c>s_c dL/ds_c</c> for every group, summed over the gate sites, from the gradients of the last backward pass:
        /// each site's output is homogeneous of degree 1 in its own weight and bias (a Linear's rows, a convolution's
        /// filters, a BatchNorm's affine entries), so <c>&lt;grad, theta&gt;</c> over that site's slice c is the site's share of
        /// <c>s_c dL/ds_c</c> exactly, in training and in eval mode alike (a conv filter followed by BatchNorm in training
        /// mode is not a site: normalization makes its own term vanish, and the BatchNorm's affine carries it). For one Linear
        /// this is <see cref="GroupGradients.Inner(Linear, string, string)"/>.
        /// </summary>
        /// <param name="caller">What needs the gradients, for the error message.</param>
        public Tensor Inner(string caller)
        {
            if (SingleLinear is { } linear) return GroupGradients.Inner(linear, Name, caller);
            using var _ = no_grad();
            Tensor? sum = null;
            foreach (var site in _sites)
            {
                var w = site.Weight ?? throw NoAffine(site);
                var inner = GroupGradients.Inner(w, site.Bias, site.Name, caller);
                if (sum is null) sum = inner;
                else
                {
                    sum.add_(inner);
                    inner.Dispose();
                }
            }
            return sum!;
        }

        /// <summary>Multiplies slice c of every member tensor by <paramref name="keep"/>[c] (0 or 1): pruned groups become zero.</summary>
        /// <param name="keep">One entry per group, in any dtype.</param>
        internal void Scale(Tensor keep)
        {
            using var _ = no_grad();
            foreach (var (_, t, _) in Tensors())
            {
                using var k = Broadcast(keep.to(t.dtype), t.dim());
                t.mul_(k);
            }
        }

        /// <summary>
        /// Folds gate values into every site's affine: slice c of the site's weight and bias times <paramref name="gate"/>[c],
        /// which is exactly what multiplying the site's output by the gate computed.
        /// </summary>
        /// <param name="gate">One value per group.</param>
        internal void Fold(Tensor gate)
        {
            using var _ = no_grad();
            foreach (var site in _sites)
            {
                var w = site.Weight ?? throw NoAffine(site);
                using (var k = Broadcast(gate.to(w.dtype), w.dim())) w.mul_(k);
                if (site.Bias is { } b)
                {
                    using var kb = gate.to(b.dtype);
                    b.mul_(kb);
                }
            }
        }

        /// <summary>The primary weights for the condition-number probe: the filters' rows (Linear rows, conv filters flattened), [C, d].</summary>
        internal Tensor FilterRows()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var rows = Filters.Select(m => Rows(m.Weight!.detach())).ToArray();
            return (rows.Length == 1 ? rows[0].alias() : cat(rows, 1)).MoveToOuterDisposeScope();
        }

        internal static InvalidOperationException NoAffine(ChannelMember site) => new(
            $"'{site.Name}' ({ModuleTensors.Kind(site.Module)}) is a gate site but has no weight: a BatchNorm that normalizes a gated output needs affine parameters (construct it with affine: true), because the gate's benefit and its folding at compaction live in them.");

        /// <summary>t viewed as [C, rest] (a view for contiguous tensors; a 1-D tensor as [C, 1]).</summary>
        private static Tensor Rows(Tensor t) => t.dim() == 2 ? t.alias() : t.dim() == 1 ? t.unsqueeze(1) : t.reshape(t.shape[0], -1);

        /// <summary>A per-channel vector shaped to broadcast along dim 0 of a tensor with <paramref name="dims"/> dimensions.</summary>
        internal static Tensor Broadcast(Tensor perChannel, long dims)
        {
            if (dims <= 1) return perChannel.alias();
            var shape = new long[dims];
            shape[0] = -1;
            for (var i = 1; i < dims; i++) shape[i] = 1;
            return perChannel.view(shape);
        }
    }
}
