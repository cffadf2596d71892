using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>
    /// What one annotated model class's <c>forward</c> does to channels, read once per class at compile time (strings,
    /// numbers and equatable arrays only; no symbols, syntax or absolute positions, so that an edit before the class or
    /// whitespace inside <c>forward</c> leaves it equal). Blocks (fields whose class is itself a model) are nodes that name
    /// the block's class; <see cref="Coupling"/> expands them from the block's own graph.
    /// </summary>
    /// <param name="Identity">The class's metadata name (<see cref="ModelBuilder.Identity"/>).</param>
    /// <param name="ClassName">The class name.</param>
    /// <param name="QualifiedName">The class as generated code names it: <c>global::Ns.Block</c>.</param>
    /// <param name="Layers">The module fields (and the known children of Sequential fields), in declaration order.</param>
    /// <param name="Nodes">The tensors of forward in evaluation order (SSA: each assignment is a new node).</param>
    /// <param name="Facts">What forward does that PruneDsl does not follow.</param>
    /// <param name="HasForward">False when the class declares no <c>Tensor forward(Tensor)</c> with a body.</param>
    /// <param name="HasInference">Whether the class gets an inference module (a model using it as a block needs one).</param>
    internal sealed record ClassGraph(
        string Identity,
        string ClassName,
        string QualifiedName,
        EquatableArray<LayerInfo> Layers,
        EquatableArray<GraphNode> Nodes,
        EquatableArray<GraphFact> Facts,
        bool HasForward,
        bool HasInference = false);

    /// <summary>Compile-time constants of a layer's factory call; null where an argument is not a constant (or not there).</summary>
    /// <param name="In">Linear in_features, Conv2d in_channels, BatchNorm2d num_features.</param>
    /// <param name="Out">Linear out_features, Conv2d out_channels.</param>
    /// <param name="KernelH">Conv2d kernel height.</param>
    /// <param name="KernelW">Conv2d kernel width.</param>
    /// <param name="Groups">Conv2d groups (1 when not given).</param>
    /// <param name="Bias">Whether the layer has a bias.</param>
    /// <param name="StartDim">Flatten start_dim.</param>
    /// <param name="EndDim">Flatten end_dim.</param>
    internal sealed record LayerSizes(long? In, long? Out, long? KernelH, long? KernelW, long? Groups, bool? Bias, long? StartDim, long? EndDim)
    {
        public static LayerSizes Unknown { get; } = new(null, null, null, null, null, null, null, null);

        /// <summary>The component-wise agreement of two sources (a field assigned twice with different sizes is unknown).</summary>
        public LayerSizes Merge(LayerSizes other) => new(
            In == other.In ? In : null,
            Out == other.Out ? Out : null,
            KernelH == other.KernelH ? KernelH : null,
            KernelW == other.KernelW ? KernelW : null,
            Groups == other.Groups ? Groups : null,
            Bias == other.Bias ? Bias : null,
            StartDim == other.StartDim ? StartDim : null,
            EndDim == other.EndDim ? EndDim : null);

        /// <summary>A Conv2d whose groups equal its in and out channels: channel c of its output depends on channel c of its input only.</summary>
        public bool IsDepthwise => Groups is { } g && g > 1 && In == g && Out == g;
    }

    /// <summary>One module field of a model (or a known child of a Sequential field).</summary>
    /// <param name="Name">Its name in the model: the field name, or <c>features.0</c> for a Sequential's child.</param>
    /// <param name="Access">The C# expression that reaches it from the model: <c>conv1</c>, <c>((global::TorchSharp.Modules.Conv2d)features[0])</c>.</param>
    /// <param name="Kind">What it is to the channel graph.</param>
    /// <param name="TypeName">Its type as the user wrote it, for messages.</param>
    /// <param name="Sizes">Its constant sizes.</param>
    /// <param name="Group">Its [ParticipationGroup] settings, or null when it has none.</param>
    /// <param name="Block">For a <see cref="LayerKind.Block"/>, its class's identity.</param>
    /// <param name="Children">For a Sequential whose children are known, the children in order.</param>
    /// <param name="SparseGroup">For a [Sparsity] Linear, its M (a consumer keeps whole groups of M channels); else 1.</param>
    /// <param name="BlockType">For a <see cref="LayerKind.Block"/>, its class as generated code names it (<c>global::Ns.Block</c>).</param>
    internal sealed record LayerInfo(
        string Name,
        string Access,
        LayerKind Kind,
        string TypeName,
        LayerSizes Sizes,
        GroupLayerModel? Group,
        string? Block,
        EquatableArray<LayerInfo> Children,
        int SparseGroup = 1,
        string? BlockType = null)
    {
        /// <summary>Whether the layer has a [ParticipationGroup].</summary>
        public bool IsGated => Group is not null;

        /// <summary>Whether calling it makes a new channel space of its output channels: a Linear, or a Conv2d with groups 1.</summary>
        public bool Produces => Kind == LayerKind.Linear || (Kind == LayerKind.Conv2d && Sizes.Groups == 1);
    }

    /// <summary>What a node of the graph is.</summary>
    internal enum NodeKind
    {
        /// <summary>forward's parameter.</summary>
        Input,

        /// <summary>A tensor that does not come from forward's input or a layer (created in forward, a field, a constant).</summary>
        Free,

        /// <summary>A module field called on <c>Inputs[0]</c> (<see cref="GraphNode.Layer"/> names it).</summary>
        Layer,

        /// <summary>A block field (a model class of its own) called on <c>Inputs[0]</c>.</summary>
        Block,

        /// <summary>A zero-preserving, channel-preserving operation on <c>Inputs[0]</c>.</summary>
        Same,

        /// <summary>
        /// Inputs whose channels line up element for element: a sum or difference, a concatenation along a dimension other
        /// than the channels, or the value a variable holds after a branch (either branch's).
        /// </summary>
        Join,

        /// <summary>A concatenation of the inputs along the channel dimension (dim 1), in order.</summary>
        Cat,

        /// <summary><c>flatten(1)</c> (or <c>view(n, -1)</c>) of <c>Inputs[0]</c>: each channel owns a block of columns.</summary>
        Flatten,

        /// <summary>The spatial dimensions of <c>Inputs[0]</c> reduced away (<c>mean([2, 3])</c>, <c>squeeze</c>): one column per channel.</summary>
        Features,

        /// <summary>Something not followed (<see cref="GraphNode.Fact"/>), touching the inputs; its result's channels are unknown.</summary>
        Opaque,

        /// <summary>What forward returns (<c>Inputs[0]</c>); one per return statement.</summary>
        Output,
    }

    /// <summary>One tensor of forward.</summary>
    /// <param name="Kind">What it is.</param>
    /// <param name="Inputs">The nodes it is computed from (indices into <see cref="ClassGraph.Nodes"/>, all smaller than its own).</param>
    /// <param name="Layer">For <see cref="NodeKind.Layer"/>, <see cref="NodeKind.Block"/> and module calls of <see cref="NodeKind.Same"/>: the layer's name.</param>
    /// <param name="Statement">The statement it comes from, whitespace normalised to one line (the generated plan's comments quote it).</param>
    /// <param name="Fact">For <see cref="NodeKind.Opaque"/>: the index of its fact in <see cref="ClassGraph.Facts"/>.</param>
    /// <param name="Anchor">
    /// Where to report about this node (a BatchNorm2d call that does not directly follow its producer), else null: only
    /// nodes that may be reported carry one.
    /// </param>
    internal sealed record GraphNode(NodeKind Kind, EquatableArray<int> Inputs, string? Layer, string Statement, int Fact = -1, SourceAnchor? Anchor = null);

    /// <summary>What kind of construct was not followed.</summary>
    internal enum FactKind
    {
        /// <summary>A branch whose condition reads a tensor.</summary>
        Branch,

        /// <summary>A loop that computes tensors.</summary>
        Loop,

        /// <summary>A call of a method PruneDsl does not read.</summary>
        UnseenCall,

        /// <summary>A module whose forward PruneDsl does not read.</summary>
        UnseenModule,

        /// <summary>A tensor operation that is not followed.</summary>
        UnsupportedOp,

        /// <summary>A [ParticipationGroup] layer that forward does not call where PruneDsl can follow it.</summary>
        UnseenLayer,
    }

    /// <summary>Something forward does that PruneDsl does not follow, with what to tell the user.</summary>
    /// <param name="Kind">What kind of construct.</param>
    /// <param name="Code">The construct as written (normalised, one line, shortened).</param>
    /// <param name="Why">Why it is not followed.</param>
    /// <param name="Fix">What to do.</param>
    /// <param name="Anchor">Where it is.</param>
    internal sealed record GraphFact(FactKind Kind, string Code, string Why, string Fix, SourceAnchor Anchor)
    {
        /// <summary>The explanation: the diagnostic's, and the text compaction refuses with.</summary>
        public string Text(string className) => "'" + Code + "' in " + className + ".forward is not followed: " + Why + "; " + Fix;
    }

    /// <summary>What a <see cref="SourceAnchor"/> points into.</summary>
    internal enum AnchorKind
    {
        /// <summary>A node inside the declaration of forward.</summary>
        Forward,

        /// <summary>The [ParticipationGroup] attribute of a field.</summary>
        GroupAttribute,

        /// <summary>The class's name in its declaration.</summary>
        Class,

        /// <summary>A [Reconstruct] attribute: the field's (<see cref="SourceAnchor.Member"/>), or the class's (Member empty).</summary>
        ReconstructAttribute,
    }

    /// <summary>
    /// A source location kept relative to the declaration it is in, so that the models stay equal when code before them
    /// moves: the class, the declaration, and the path of child-node indices from the declaration to the node. The
    /// generator's diagnostic output resolves it against the current compilation.
    /// </summary>
    /// <param name="ClassIdentity">The class's metadata name.</param>
    /// <param name="Kind">What it points into.</param>
    /// <param name="Member">For <see cref="AnchorKind.GroupAttribute"/> and <see cref="AnchorKind.ReconstructAttribute"/>: the field name (empty: the class).</param>
    /// <param name="Path">For <see cref="AnchorKind.Forward"/>: child-node indices from forward's declaration.</param>
    internal sealed record SourceAnchor(string ClassIdentity, AnchorKind Kind, string Member, EquatableArray<int> Path);
}
