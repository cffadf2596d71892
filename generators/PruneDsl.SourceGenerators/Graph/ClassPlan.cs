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
    /// <param name="Root">The statements RegisterComponents runs after DescribeChannels (gates of the spaces at the model's edge).</param>
    /// <param name="Gates">Every gate of the model, in the order the runtime creates them.</param>
    internal sealed record ClassPlan(
        EquatableArray<PlanStep> Describe,
        string Output,
        EquatableArray<PlanStep> Root,
        EquatableArray<GateInfo> Gates)
    {
        /// <summary>Whether the class's output is its input's channel space (an identity residual block).</summary>
        public bool ReturnsInput => Output == Coupling.InputVariable;
    }

    /// <summary>What a plan statement does (one builder call of the runtime's channel plan).</summary>
    internal enum StepKind
    {
        /// <summary><c>var {Space} = plan.Space(prefix + "{Name}")</c>.</summary>
        Space,

        /// <summary><c>plan.Producer({Space}, prefix + "{Name}", {Access})</c>: output channels of a Conv2d or Linear.</summary>
        Producer,

        /// <summary><c>plan.Normalizer(...)</c>: the BatchNorm2d directly on a producer's output (the gate site).</summary>
        Normalizer,

        /// <summary><c>plan.PerChannel(...)</c>: a depthwise Conv2d (groups == in == out) on the space.</summary>
        PerChannel,

        /// <summary><c>plan.Consumer(..., offset: {Offset})</c>: input channels of a Conv2d, input columns of a Linear.</summary>
        Consumer,

        /// <summary><c>plan.FlattenConsumer(..., offset: {Offset}, spaceChannelsBefore: {Offset}, totalFlattenedChannels: {Total})</c>.</summary>
        FlattenConsumer,

        /// <summary><c>var {Space} = {Access}.DescribeChannels(plan, {Other}, prefix + "{Name}.")</c>.</summary>
        Block,

        /// <summary><c>plan.Couple({Space}, {Other})</c>: two spaces made elsewhere (a block's, the input) are one.</summary>
        Couple,

        /// <summary><c>plan.Opaque({Space}, "{Text}")</c>.</summary>
        Opaque,

        /// <summary><c>plan.Ungated({Space}, "{Text}")</c>.</summary>
        Ungated,

        /// <summary><c>plan.Gate({Space}, {Text})</c>: the game, with the cost settings {Text}.</summary>
        Gate,

        /// <summary><c>plan.Evolve({Space}, {Text})</c>: selection dynamics {Text}.</summary>
        Evolve,

        /// <summary><c>plan.Prune({Space}, {Text})</c>: the [Prune] settings {Text}.</summary>
        Prune,
    }

    /// <summary>One statement of a plan.</summary>
    /// <param name="Kind">What it does.</param>
    /// <param name="Space">The space variable it is about.</param>
    /// <param name="Name">A layer's or space's name, relative to the class (the generated code prepends the prefix).</param>
    /// <param name="Access">The C# expression that reaches the layer.</param>
    /// <param name="Offset">A consumer's first channel (or column block) of this space.</param>
    /// <param name="Total">A flatten consumer's total number of flattened channels.</param>
    /// <param name="Text">An explanation, or a settings field.</param>
    /// <param name="Other">The second space of a Couple, the input space of a Block.</param>
    /// <param name="Comment">The forward statement it comes from, or null when it continues the previous statement's.</param>
    internal sealed record PlanStep(
        StepKind Kind,
        string Space,
        string? Name = null,
        string? Access = null,
        long Offset = 0,
        long Total = 0,
        string? Text = null,
        string? Other = null,
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
