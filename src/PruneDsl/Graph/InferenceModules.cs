using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Compaction;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ConvModule = TorchSharp.Modules.Conv2d;
using LinearModule = TorchSharp.Modules.Linear;

namespace PruneDsl.Graph
{
    /// <summary>
    /// Detached copies of a (compacted) channel plan's modules for an inference module: no gate hooks, eval mode, every
    /// gate value that is not 1 folded into its site, and every BatchNorm folded into the Conv2d or Linear it normalizes
    /// (<c>W' = W gamma / sqrt(var + eps)</c>, <c>b' = (b - mean) gamma / sqrt(var + eps) + beta</c>, computed in float64
    /// from the running statistics), the BatchNorm itself replaced by an <see cref="Identity"/>. So a generated inference
    /// module runs the model's own forward with one convolution where the model ran a convolution, a BatchNorm and a gate.
    /// Made by <see cref="ChannelPlan.InferenceCopies"/>; generated <c>ToInference()</c> code takes each field from it by
    /// the member's qualified name, and copies modules outside the plan with <see cref="Copy"/>.
    /// </summary>
    public sealed class InferenceModules
    {
        private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _byName;

        private InferenceModules(Dictionary<string, nn.Module<Tensor, Tensor>> byName) => _byName = byName;

        /// <summary>The names of the copied modules (members and consumers of the plan, qualified).</summary>
        public IEnumerable<string> Names => _byName.Keys;

        /// <summary>The copy of the Conv2d named <paramref name="name"/> (with its BatchNorm and gate folded in, if any).</summary>
        /// <param name="name">The module's qualified name in the plan.</param>
        public ConvModule Conv2d(string name) => Get<ConvModule>(name);

        /// <summary>The copy of the Linear named <paramref name="name"/>.</summary>
        /// <param name="name">The module's qualified name in the plan.</param>
        public LinearModule Linear(string name) => Get<LinearModule>(name);

        /// <summary>
        /// The copy of any module of the plan: for a BatchNorm folded into its producer an <see cref="Identity"/>, so the
        /// inference module's field for it has the type <c>Module&lt;Tensor, Tensor&gt;</c>.
        /// </summary>
        /// <param name="name">The module's qualified name in the plan.</param>
        public nn.Module<Tensor, Tensor> Module(string name) =>
            _byName.TryGetValue(name, out var m) ? m : throw new ArgumentException(
                $"The inference copies have no module '{name}'; they hold {string.Join(", ", _byName.Keys.Select(k => $"'{k}'"))}. Copy modules outside the channel plan with InferenceModules.Copy.", nameof(name));

        private T Get<T>(string name) where T : nn.Module<Tensor, Tensor> =>
            Module(name) as T ?? throw new ArgumentException($"The inference copy of '{name}' is a {_byName[name].GetType().Name}, not a {typeof(T).Name}.", nameof(name));

        /// <summary>
        /// A detached copy of a Linear, Conv2d or BatchNorm (new parameters and buffers, no hooks, eval mode); any other
        /// module (pooling, activation, dropout: nothing to copy) is returned as it is.
        /// </summary>
        /// <param name="module">The module.</param>
        public static nn.Module<Tensor, Tensor> Copy(nn.Module<Tensor, Tensor> module) => CopyModule(module, forceBias: false);

        internal static InferenceModules From(ChannelPlan plan)
        {
            using var _ = no_grad();
            var copies = new Dictionary<nn.Module, nn.Module<Tensor, Tensor>>(ReferenceEqualityComparer.Instance);
            var byName = new Dictionary<string, nn.Module<Tensor, Tensor>>(StringComparer.Ordinal);
            var folded = new HashSet<nn.Module>(plan.Spaces.SelectMany(s => s.Members)
                .Where(m => m.Role == ChannelRole.Normalizer && m.Normalizes!.Module is ConvModule or LinearModule)
                .Select(m => m.Normalizes!.Module), ReferenceEqualityComparer.Instance);

            nn.Module<Tensor, Tensor> CopyOf(nn.Module module, string name)
            {
                if (!copies.TryGetValue(module, out var copy))
                {
                    copy = CopyModule((nn.Module<Tensor, Tensor>)module, forceBias: folded.Contains(module));
                    copies[module] = copy;
                }
                byName[name] = copy;
                return copy;
            }

            foreach (var space in plan.Spaces)
                foreach (var m in space.Members) CopyOf(m.Module, m.Name);
            foreach (var c in plan.Consumers) CopyOf(c.Module, c.Name);

            // Gates that are not all 1 (spaces left alone by compaction, or a model not compacted) fold into their sites.
            foreach (var space in plan.Spaces.Where(s => s.Gate is not null))
            {
                using var gate = space.Gate!.Gate.detach().clone();
                using var isOne = gate.eq(1).all();
                if (isOne.item<bool>()) continue;
                foreach (var site in space.Groups!.Sites) FoldScale(copies[site.Module], gate);
            }

            // Each BatchNorm into the copy of the module it normalizes; the BatchNorm becomes an Identity.
            foreach (var norm in plan.Spaces.SelectMany(s => s.Members).Where(m => m.Role == ChannelRole.Normalizer))
            {
                var producer = norm.Normalizes!.Module;
                if (producer is not (ConvModule or LinearModule)) continue;
                FoldBatchNorm(copies[producer], (BatchNorm)copies[norm.Module]);
                byName[norm.Name] = nn.Identity();
            }
            foreach (var copy in byName.Values) copy.eval();
            return new InferenceModules(byName);
        }

        private static nn.Module<Tensor, Tensor> CopyModule(nn.Module<Tensor, Tensor> module, bool forceBias)
        {
            if (module is null) throw new ArgumentNullException(nameof(module));
            using var _ = no_grad();
            nn.Module<Tensor, Tensor> copy;
            switch (module)
            {
                case LinearModule linear:
                    var l = Compactor.DetachedCopy(linear);
                    if (forceBias && l.bias is null) l.bias = new Parameter(zeros(l.weight!.shape[0], dtype: l.weight.dtype, device: l.weight.device));
                    copy = l;
                    break;
                case ConvModule conv:
                    var w = conv.weight!;
                    var k = conv.kernel_size;
                    var c = conv.padding_type is { } padding
                        ? nn.Conv2d(conv.in_channels, conv.out_channels, (k[0], k[1]), padding, (conv.stride[0], conv.stride[1]), (conv.dilation[0], conv.dilation[1]),
                            conv.padding_mode, conv.groups, conv.bias is not null || forceBias, w.device, w.dtype)
                        : nn.Conv2d(conv.in_channels, conv.out_channels, (k[0], k[1]), (conv.stride[0], conv.stride[1]), (conv.padding![0], conv.padding[1]),
                            (conv.dilation[0], conv.dilation[1]), conv.padding_mode, conv.groups, conv.bias is not null || forceBias, w.device, w.dtype);
                    c.weight!.copy_(w);
                    if (conv.bias is not null) c.bias!.copy_(conv.bias);
                    else c.bias?.zero_();
                    copy = c;
                    break;
                case BatchNorm bn:
                    BatchNorm b = bn is BatchNorm1d
                        ? nn.BatchNorm1d(bn.num_features, bn.eps, bn.momentum ?? 0.1, bn.affine, bn.track_running_stats, bn.running_mean?.device ?? CPU, bn.running_mean?.dtype)
                        : nn.BatchNorm2d(bn.num_features, bn.eps, bn.momentum ?? 0.1, bn.affine, bn.track_running_stats, bn.running_mean?.device ?? CPU, bn.running_mean?.dtype);
                    if (bn.weight is not null) b.weight?.copy_(bn.weight);
                    if (bn.bias is not null) b.bias?.copy_(bn.bias);
                    b.running_mean?.copy_(bn.running_mean!);
                    b.running_var?.copy_(bn.running_var!);
                    copy = b;
                    break;
                default:
                    return module;
            }
            copy.eval();
            return copy;
        }

        /// <summary>Multiplies output channel c of a gate site's copy by gate[c] (its rows or affine entries and bias).</summary>
        private static void FoldScale(nn.Module<Tensor, Tensor> site, Tensor gate)
        {
            var w = ModuleTensors.Weight(site)!;
            using (var k = ChannelGroups.Broadcast(gate.to(w.dtype), w.dim())) w.mul_(k);
            var b = ModuleTensors.Bias(site);
            if (b is not null)
            {
                using var kb = gate.to(b.dtype);
                b.mul_(kb);
            }
        }

        private static void FoldBatchNorm(nn.Module<Tensor, Tensor> producer, BatchNorm bn)
        {
            using var scope = NewDisposeScope();
            var w = ModuleTensors.Weight(producer)!;
            var b = ModuleTensors.Bias(producer)!;
            var mean = bn.running_mean!.to(ScalarType.Float64);
            var variance = bn.running_var!.to(ScalarType.Float64);
            var gamma = bn.weight is null ? ones_like(mean) : bn.weight.to(ScalarType.Float64);
            var beta = bn.bias is null ? zeros_like(mean) : bn.bias.to(ScalarType.Float64);
            var scale = gamma / (variance + bn.eps).sqrt();
            var newW = w.to(ScalarType.Float64) * ChannelGroups.Broadcast(scale, w.dim());
            var newB = (b.to(ScalarType.Float64) - mean) * scale + beta;
            w.copy_(newW.to(w.dtype));
            b.copy_(newB.to(b.dtype));
        }
    }
}
