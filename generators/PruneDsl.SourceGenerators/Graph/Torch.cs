using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>What a module field is to the channel graph.</summary>
    internal enum LayerKind
    {
        /// <summary>A module PruneDsl does not read (its forward maps channels in a way it cannot know).</summary>
        Other,

        /// <summary>TorchSharp.Modules.Linear: consumes the last dimension, produces out_features.</summary>
        Linear,

        /// <summary>TorchSharp.Modules.Conv2d: consumes in_channels (dim 1), produces out_channels.</summary>
        Conv2d,

        /// <summary>TorchSharp.Modules.BatchNorm2d: an affine per channel (and running statistics).</summary>
        BatchNorm2d,

        /// <summary>A channel-preserving module whose output is 0 where its input is 0: pooling, dropout, ReLU-style activations, Identity.</summary>
        Elementwise,

        /// <summary>TorchSharp.Modules.Flatten (start_dim and end_dim in <see cref="LayerInfo"/>).</summary>
        Flatten,

        /// <summary>TorchSharp.Modules.Sequential: a chain of its children (read from its initializer when they are known).</summary>
        Sequential,

        /// <summary>TorchSharp.Modules.ModuleList (or ModuleDict): called in a loop PruneDsl does not unroll.</summary>
        ModuleList,

        /// <summary>A field whose class is itself a PruneDsl model: it describes its own channels (a block).</summary>
        Block,
    }

    /// <summary>What an operation on a tensor does to its channels.</summary>
    internal enum OpKind
    {
        /// <summary>Not followed: PruneDsl does not know how it maps channels, or a pruned (zero) channel would not stay zero.</summary>
        Unsupported,

        /// <summary>Keeps every channel where it is and maps 0 to 0 (activations, pooling, dropout, scaling, copies).</summary>
        Same,

        /// <summary>Element-wise sum or difference of tensors: their channels are one coupling class.</summary>
        Add,

        /// <summary>Concatenation (<c>cat</c>).</summary>
        Cat,

        /// <summary><c>flatten(1)</c>, <c>view(n, -1)</c>, <c>reshape(n, -1)</c>: channel c owns columns c*H*W .. (c+1)*H*W - 1.</summary>
        Flatten,

        /// <summary>Mean over the spatial dimensions (<c>mean([2, 3])</c>) or <c>squeeze</c>: one column per channel.</summary>
        Features,

        /// <summary>Returns no tensor (shape, size, item, device): a read.</summary>
        Read,
    }

    /// <summary>
    /// Everything PruneDsl knows about TorchSharp's layers and tensor operations, recognised by name (structural: the
    /// containing type's name and namespace, no symbol lookup), in one place: which modules and operations are followed
    /// through forward and how each maps channels.
    /// </summary>
    internal static class Torch
    {
        /// <summary>
        /// Channel-preserving operations that map 0 to 0, so a pruned channel stays exactly 0 through them: as functions of
        /// <c>torch.nn.functional</c>, methods of <c>Tensor</c> (with their in-place <c>_</c> forms), or static <c>torch</c> methods.
        /// </summary>
        private static readonly HashSet<string> SameOps = new(System.StringComparer.Ordinal)
        {
            "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish", "hardtanh",
            "tanh", "tanhshrink", "softshrink", "hardshrink", "softsign", "abs", "neg",
            "dropout", "dropout1d", "dropout2d", "dropout3d",
            "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "lp_pool2d",
            "contiguous", "clone", "detach", "to", "cpu", "cuda", "alias",
        };

        /// <summary>TorchSharp's module classes that are <see cref="LayerKind.Elementwise"/>.</summary>
        private static readonly HashSet<string> ElementwiseModules = new(System.StringComparer.Ordinal)
        {
            "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Hardswish", "Hardtanh", "Tanh",
            "Tanhshrink", "Softshrink", "Hardshrink", "Softsign",
            "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
            "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool2d", "Identity",
        };

        /// <summary>Why a known operation is not followed on channels that can be pruned, where there is more to say than "not known".</summary>
        private static readonly Dictionary<string, string> WhyNot = new(System.StringComparer.Ordinal)
        {
            ["sigmoid"] = "sigmoid(0) = 0.5, so a pruned channel would still feed what follows",
            ["hardsigmoid"] = "hardsigmoid(0) = 0.5, so a pruned channel would still feed what follows",
            ["softplus"] = "softplus(0) = log 2, so a pruned channel would still feed what follows",
            ["exp"] = "exp(0) = 1, so a pruned channel would still feed what follows",
            ["logsigmoid"] = "logsigmoid(0) = -log 2, so a pruned channel would still feed what follows",
            ["softmax"] = "it normalises across elements, so removing a channel changes the others",
            ["log_softmax"] = "it normalises across elements, so removing a channel changes the others",
            ["layer_norm"] = "it normalises across channels, so removing a channel changes the others",
            ["group_norm"] = "it normalises across channels, so removing a channel changes the others",
            ["batch_norm"] = "a functional batch_norm has no module whose statistics compaction could shrink",
            ["matmul"] = "PruneDsl does not know which of its dimensions are the channels",
            ["mm"] = "PruneDsl does not know which of its dimensions are the channels",
            ["bmm"] = "PruneDsl does not know which of its dimensions are the channels",
            ["linear"] = "a functional linear has no module whose columns compaction could remove",
            ["conv2d"] = "a functional conv2d has no module whose filters compaction could remove",
            ["mean"] = "it averages over the channels (only mean over the spatial dimensions 2 and 3 is followed)",
            ["sum"] = "it sums over the channels",
            ["permute"] = "it moves the channel dimension",
            ["transpose"] = "it moves the channel dimension",
            ["index_select"] = "it selects channels by index, and indices change when channels are removed",
            ["narrow"] = "it selects channels by position, and positions change when channels are removed",
            ["chunk"] = "it splits channels by position, and positions change when channels are removed",
            ["split"] = "it splits channels by position, and positions change when channels are removed",
            ["pad"] = "padding with a value other than 0 would not keep a pruned channel at 0",
        };

        /// <summary>
        /// The kind of a module field: by its declared type, else (a field declared as a base type, e.g.
        /// <c>Module&lt;Tensor, Tensor&gt; act = ReLU()</c>) by the <c>nn</c> factory that creates it.
        /// </summary>
        /// <param name="type">The field's type.</param>
        /// <param name="factory">The name of the <c>torch.nn</c> factory in its initializer, if any.</param>
        public static LayerKind KindOf(ITypeSymbol type, string? factory)
        {
            if (type is INamedTypeSymbol { ContainingNamespace: { Name: "Modules", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } } } module)
            {
                var kind = KindOfName(module.Name);
                if (kind != LayerKind.Other || module.Arity == 0) return kind;
            }
            return factory is null ? LayerKind.Other : KindOfName(factory);
        }

        /// <summary>The kind of the module a <c>torch.nn</c> factory of that name makes.</summary>
        /// <param name="name">The factory's name, e.g. <c>Conv2d</c>.</param>
        public static LayerKind KindOfName(string name) => name switch
        {
            "Linear" => LayerKind.Linear,
            "Conv2d" => LayerKind.Conv2d,
            "BatchNorm2d" => LayerKind.BatchNorm2d,
            "Flatten" => LayerKind.Flatten,
            "Sequential" => LayerKind.Sequential,
            "ModuleList" or "ModuleDict" => LayerKind.ModuleList,
            _ => ElementwiseModules.Contains(name) ? LayerKind.Elementwise : LayerKind.Other,
        };

        /// <summary>Whether the method is TorchSharp's: a member of torch, torch.nn.functional or Tensor.</summary>
        /// <param name="method">The method.</param>
        public static bool IsTorch(IMethodSymbol method)
        {
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (type.ContainingType is null)
                    return type is { Name: "torch", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } };
            }
            return false;
        }

        /// <summary>Whether the method is a <c>torch.nn</c> factory (<c>nn.Conv2d(...)</c>), returning its name.</summary>
        /// <param name="method">The method.</param>
        public static bool IsNnFactory(IMethodSymbol method) =>
            method is { IsStatic: true, ContainingType: { Name: "nn", ContainingType: { Name: "torch", ContainingType: null } torch } }
            && torch.ContainingNamespace is { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true };

        /// <summary>
        /// What a TorchSharp method does to the channels of its tensor: <see cref="OpKind.Same"/> for the zero-preserving
        /// channel-wise ones, <see cref="OpKind.Add"/>, <see cref="OpKind.Cat"/>, the reshapes, and
        /// <see cref="OpKind.Unsupported"/> for everything else that returns a tensor.
        /// </summary>
        /// <param name="method">A method of torch, torch.nn.functional or Tensor.</param>
        public static OpKind Classify(IMethodSymbol method)
        {
            if (!Configuration.AttributeNames.IsTensor(method.ReturnType)) return OpKind.Read;
            var name = method.Name;
            var core = name.Length > 1 && name[name.Length - 1] == '_' ? name.Substring(0, name.Length - 1) : name;
            if (SameOps.Contains(core)) return OpKind.Same;
            switch (core)
            {
                case "add":
                case "sub":
                    return OpKind.Add;
                case "mul":
                case "div":
                    return OpKind.Same; // by a scalar; a tensor factor is decided by the reader
                case "cat":
                case "concat":
                case "concatenate":
                    return OpKind.Cat;
                case "flatten":
                case "view":
                case "reshape":
                    return OpKind.Flatten;
                case "squeeze":
                case "mean":
                    return OpKind.Features;
                default:
                    return OpKind.Unsupported;
            }
        }

        /// <summary>Why an operation is not followed, for the diagnostic: a known reason, or that its channel mapping is not known.</summary>
        /// <param name="name">The method name.</param>
        public static string WhyNotFollowed(string name)
        {
            var core = name.Length > 1 && name[name.Length - 1] == '_' ? name.Substring(0, name.Length - 1) : name;
            return WhyNot.TryGetValue(core, out var why)
                ? why
                : "PruneDsl does not know how '" + name + "' maps channels (it follows Linear, Conv2d, BatchNorm2d, pooling, dropout, zero-preserving activations, +, cat, flatten and view)";
        }
    }
}
