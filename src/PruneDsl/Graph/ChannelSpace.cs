using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// One coupling class of channels: every tensor that is added together (and every channel-preserving op of one)
    /// has the same channels, so its channel c is kept or removed everywhere at once. Created by
    /// <see cref="ChannelPlanBuilder.Space"/>; the generated code holds it in a local and passes it to the builder's calls.
    /// </summary>
    public sealed class ChannelSpace
    {
        private ChannelSpace? _parent;

        internal ChannelSpace(ChannelPlanBuilder? builder, string name, int index)
        {
            Builder = builder;
            DeclaredName = name;
            Index = index;
        }

        /// <summary>The name given to <see cref="ChannelPlanBuilder.Space"/>.</summary>
        public string DeclaredName { get; }

        /// <summary>
        /// The space's name for reports, errors, buffers and widths files: the name of the first-declared space of its
        /// class when <see cref="ChannelPlanBuilder.Join"/> merged several.
        /// </summary>
        public string Name => Root.DeclaredName;

        /// <summary>The builder that created it.</summary>
        internal ChannelPlanBuilder? Builder { get; }

        /// <summary>Declaration order.</summary>
        internal int Index { get; }

        /// <summary>The representative of the space's class (union-find with path halving).</summary>
        internal ChannelSpace Root
        {
            get
            {
                var s = this;
                while (s._parent is not null)
                {
                    if (s._parent._parent is not null) s._parent = s._parent._parent;
                    s = s._parent;
                }
                return s;
            }
        }

        /// <summary>Makes <paramref name="other"/>'s class part of this one's (the lower declaration index stays the root).</summary>
        internal void Union(ChannelSpace other)
        {
            var a = Root;
            var b = other.Root;
            if (ReferenceEquals(a, b)) return;
            if (a.Index < b.Index) b._parent = a;
            else a._parent = b;
        }

        /// <inheritdoc />
        public override string ToString() => Name;
    }

    /// <summary>What a module is to the channels of a space.</summary>
    public enum ChannelRole
    {
        /// <summary>Writes the space's channels: a Conv2d's output channels (weight dim 0, bias) or a Linear's rows.</summary>
        Producer,

        /// <summary>A BatchNorm that normalizes one producer's (or per-channel conv's) output: weight, bias, running stats.</summary>
        Normalizer,

        /// <summary>A depthwise Conv2d (groups == in == out): its input and output channels are both the space.</summary>
        PerChannel,
    }

    /// <summary>
    /// One module of a space's groups: a producer, a normalizer or a per-channel conv. Channel c of the space owns slice c
    /// (dim 0) of the member's weight and bias (and, for a normalizer, of its running statistics).
    /// </summary>
    public sealed class ChannelMember
    {
        internal ChannelMember(ChannelSpace space, string name, ChannelRole role, nn.Module module, ChannelMember? normalizes)
        {
            DeclaredSpace = space;
            Name = name;
            Role = role;
            Module = module;
            Normalizes = normalizes;
        }

        /// <summary>The member's qualified field name, e.g. <c>block1.conv2</c>.</summary>
        public string Name { get; }

        /// <summary>Producer, normalizer or per-channel conv.</summary>
        public ChannelRole Role { get; }

        /// <summary>The module (Linear, Conv2d or BatchNorm).</summary>
        public nn.Module Module { get; }

        /// <summary>The space the member was declared on (its <see cref="ChannelSpace.Root"/> after joins is the space it belongs to).</summary>
        internal ChannelSpace DeclaredSpace { get; }

        /// <summary>The space the member belongs to.</summary>
        public ChannelSpace Space => DeclaredSpace.Root;

        /// <summary>For a normalizer: the producer or per-channel conv whose output it normalizes; else null.</summary>
        public ChannelMember? Normalizes { get; }

        /// <summary>For a producer or per-channel conv: the normalizer of its output, if one was declared.</summary>
        public ChannelMember? Normalizer { get; internal set; }

        /// <summary>
        /// Where the space's gate multiplies this member's output, for a producer or per-channel conv: its normalizer when
        /// it has one (normalization after the gate would undo it), else the member itself. Null for a normalizer.
        /// </summary>
        public ChannelMember? Site => Role == ChannelRole.Normalizer ? null : Normalizer ?? this;

        /// <summary>The weight (null for a BatchNorm without affine parameters).</summary>
        internal Parameter? Weight => ModuleTensors.Weight(Module);

        /// <summary>The bias, if any.</summary>
        internal Parameter? Bias => ModuleTensors.Bias(Module);

        /// <inheritdoc />
        public override string ToString() => $"{Role} '{Name}' ({ModuleTensors.Kind(Module)})";
    }
}
