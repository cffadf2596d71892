using System;
using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// Uniform access to the weight, bias and size fields of the module kinds a channel plan knows (Linear, Conv2d,
    /// BatchNorm), and the one place that keeps a module's size fields consistent with its tensors after compaction.
    /// </summary>
    internal static class ModuleTensors
    {
        // Conv2d's in_channels/out_channels have no setter in TorchSharp 0.107, and its forward checks the input's channel
        // count against in_channels (ValidateShape reads a protected field input_channels in some versions): both are
        // written through their backing fields, found once here; a missing field is reported by EnsureResizable.
        private static readonly FieldInfo? ConvIn = Find(typeof(Convolution), "<in_channels>k__BackingField");
        private static readonly FieldInfo? ConvOut = Find(typeof(Convolution), "<out_channels>k__BackingField");
        private static readonly FieldInfo? ConvInput = Find(typeof(Convolution), "input_channels");
        private static readonly PropertyInfo? NormFeatures = typeof(NormBase).GetProperty("num_features", BindingFlags.Instance | BindingFlags.Public);

        private static FieldInfo? Find(Type type, string name) =>
            type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);

        /// <summary>Throws when this TorchSharp build does not let compaction resize a Conv2d.</summary>
        public static void EnsureResizable()
        {
            if (ConvIn is null || ConvOut is null)
                throw new NotSupportedException(
                    "This TorchSharp version does not expose Conv2d's in_channels/out_channels backing fields, so a compacted Conv2d cannot be resized; PruneDsl supports TorchSharp 0.107.");
        }

        /// <summary>A short kind name for messages.</summary>
        public static string Kind(nn.Module module) => module switch
        {
            Linear => "Linear",
            Conv2d => "Conv2d",
            BatchNorm2d => "BatchNorm2d",
            BatchNorm1d => "BatchNorm1d",
            _ => module.GetType().Name,
        };

        public static Parameter? Weight(nn.Module module) => module switch
        {
            Linear l => l.weight,
            Convolution c => c.weight,
            NormBase n => n.weight,
            _ => throw Unsupported(module),
        };

        public static Parameter? Bias(nn.Module module) => module switch
        {
            Linear l => l.bias,
            Convolution c => c.bias,
            NormBase n => n.bias,
            _ => throw Unsupported(module),
        };

        public static void SetWeight(nn.Module module, Tensor value)
        {
            var p = new Parameter(value, requires_grad: Weight(module)?.requires_grad ?? true);
            switch (module)
            {
                case Linear l: l.weight = p; break;
                case Convolution c: c.weight = p; break;
                case NormBase n: n.weight = p; break;
                default: throw Unsupported(module);
            }
        }

        public static void SetBias(nn.Module module, Tensor value)
        {
            var p = new Parameter(value, requires_grad: Bias(module)?.requires_grad ?? true);
            switch (module)
            {
                case Linear l: l.bias = p; break;
                case Convolution c: c.bias = p; break;
                case NormBase n: n.bias = p; break;
                default: throw Unsupported(module);
            }
        }

        /// <summary>Output channels/features of a producer module (rows of its weight).</summary>
        public static long Outputs(nn.Module module) => module switch
        {
            Linear l => l.weight!.shape[0],
            Convolution c => c.weight!.shape[0],
            NormBase n => n.num_features,
            _ => throw Unsupported(module),
        };

        /// <summary>Input channels/features of a consumer module.</summary>
        public static long Inputs(nn.Module module) => module switch
        {
            Linear l => l.weight!.shape[1],
            Convolution c => c.weight!.shape[1] * c.groups,
            _ => throw Unsupported(module),
        };

        /// <summary>Writes the size fields of <paramref name="module"/> from its current tensors.</summary>
        public static void SyncSizes(nn.Module module)
        {
            switch (module)
            {
                case Linear l:
                    l.in_features = l.weight!.shape[1];
                    l.out_features = l.weight.shape[0];
                    break;
                case Convolution c:
                    EnsureResizable();
                    var outputs = c.weight!.shape[0];
                    var inputs = c.weight.shape[1] * c.groups;
                    ConvOut!.SetValue(c, outputs);
                    ConvIn!.SetValue(c, inputs);
                    ConvInput?.SetValue(c, inputs);
                    break;
                case NormBase n:
                    // num_features has a non-public setter in TorchSharp 0.107.
                    var features = n.running_mean?.shape[0] ?? n.weight?.shape[0] ?? n.num_features;
                    var setter = NormFeatures?.GetSetMethod(nonPublic: true) ?? throw new NotSupportedException(
                        "This TorchSharp version does not let BatchNorm.num_features be set, so a compacted BatchNorm cannot be resized; PruneDsl supports TorchSharp 0.107.");
                    setter.Invoke(n, new object[] { features });
                    break;
                default:
                    throw Unsupported(module);
            }
        }

        private static NotSupportedException Unsupported(nn.Module module) => new(
            $"A channel plan handles Linear, Conv2d and BatchNorm modules; '{module.GetType().Name}' is none of them.");
    }
}
