using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>
    /// The resolved channel plan of one model class, as the emitter writes it: the body of its <c>DescribeChannels</c>
    /// (the members of each channel space in forward order, then the gates of the spaces that are the class's own), what
    /// <c>RegisterComponents</c> adds when the class is the outermost model (the gates of the spaces that touch its input or
    /// output), and every gate of the model in the order the runtime creates them (its blocks' included).
    /// </summary>
    /// <param name="Describe">The statements of DescribeChannels.</param>
    /// <param name="Output">The variable DescribeChannels returns (<c>input</c> for a block whose output is its input's space).</param>
    /// <param name="OutputName">The name the runtime knows the returned space by (unqualified).</param>
    /// <param name="Root">The statements RegisterComponents runs after DescribeChannels (gates of the spaces at the model's edge).</param>
    /// <param name="Gates">Every gate of the model (its blocks' included): one per gated channel space.</param>
    /// <param name="HasPrune">Whether a gated space of the model (or of a block) has [Prune] settings.</param>
    internal sealed record ClassPlan(
        EquatableArray<PlanStep> Describe,
        string Output,
        string OutputName,
        EquatableArray<PlanStep> Root,
        EquatableArray<GateInfo> Gates,
        bool HasPrune)
    {
        /// <summary>Whether the class's output is its input's channel space (an identity residual block).</summary>
        public bool ReturnsInput => Output == Coupling.InputVariable;
    }

    /// <summary>What a plan statement does: one call of the runtime's <c>ChannelPlanBuilder</c> (names are qualified with the prefix).</summary>
    internal enum StepKind
    {
        /// <summary><c>var {Space} = plan.Space(Name("{Name}"))</c>.</summary>
        Space,

        /// <summary><c>[var {Other} = ]plan.Producer({Space}, Name("{Name}"), {Access})</c>: a Conv2d's or Linear's output channels.</summary>
        Producer,

        /// <summary><c>[var {Other} = ]plan.PerChannel({Space}, Name("{Name}"), {Access})</c>: a depthwise Conv2d (groups == in == out).</summary>
        PerChannel,

        /// <summary><c>plan.Normalizer({Other}, Name("{Name}"), {Access})</c>: the BatchNorm2d directly on that member's output (its gate site).</summary>
        Normalizer,

        /// <summary><c>plan.Consumer({Space}, Name("{Name}"), {Access}[, keepWholeGroupsOf: {Groups}])</c>.</summary>
        Consumer,

        /// <summary><c>plan.ConcatConsumer(Name("{Name}"), {Access}, {Other})</c>: reads the concatenation of the spaces in Other.</summary>
        ConcatConsumer,

        /// <summary><c>plan.FlattenConsumer(Name("{Name}"), {Access}, {Other})</c>: a Linear reading the flattened spaces in Other.</summary>
        FlattenConsumer,

        /// <summary>
        /// <c>var {Space} = {Access}.DescribeChannels(plan, {Other}, Name("{Name}"))</c>: a block (Text: its class's identity);
        /// Space equals Other when the block returns the space it is given (an identity residual).
        /// </summary>
        Block,

        /// <summary><c>plan.Join({Space}, {Other})</c>: a space a block made and another are one.</summary>
        Join,

        /// <summary><c>plan.Opaque({Space}, "{Text}")</c>.</summary>
        Opaque,

        /// <summary><c>plan.Ungated({Space}, "{Text}")</c>.</summary>
        Ungated,

        /// <summary><c>plan.Output({Space})</c>: forward returns it (the outermost model only).</summary>
        Output,

        /// <summary><c>plan.Gate({Space}, {Text}, Name("{Other}"))</c>: the game on the space named {Name}, with the cost settings field {Text} of the group {Other}.</summary>
        Gate,

        /// <summary><c>plan.Evolve({Space}, {Text}, Name("{Other}"))</c>: selection dynamics.</summary>
        Evolve,

        /// <summary><c>plan.Prune({Space}, {Text}, Name("{Other}"))</c>: the [Prune] settings.</summary>
        Prune,
    }

    /// <summary>One statement of a plan.</summary>
    /// <param name="Kind">What it does.</param>
    /// <param name="Space">The space variable it is about.</param>
    /// <param name="Name">The layer's, group's or space's name inside the class (the generated code qualifies it with the prefix).</param>
    /// <param name="Access">The C# expression that reaches the layer.</param>
    /// <param name="Text">An explanation, a settings field, or a block's class identity.</param>
    /// <param name="Other">A member variable, the parts of a concatenation, a block's input, a joined space.</param>
    /// <param name="Groups">For a Linear consumer that is N:M sparse: its M.</param>
    /// <param name="Comment">What it comes from (<c>forward: x = conv1.call(x);</c>), or null when it continues the previous statement's.</param>
    internal sealed record PlanStep(
        StepKind Kind,
        string Space,
        string? Name = null,
        string? Access = null,
        string? Text = null,
        string? Other = null,
        int Groups = 1,
        string? Comment = null);

    /// <summary>One gate of the model.</summary>
    /// <param name="Space">The space's name from the outermost model (<c>fc1</c>, <c>block1.conv1</c>).</param>
    /// <param name="IsGame">Whether it plays the game (else it evolves under selection dynamics).</param>
    internal sealed record GateInfo(string Space, bool IsGame)
    {
        /// <summary>The generated property: <c>Fc1Participation</c>, <c>Block1Conv1Population</c>.</summary>
        public string Property => Emit.Names.Pascal(Space.Replace('.', '_')) + (IsGame ? "Participation" : "Population");
    }
}
