namespace PruneDsl.Graph
{
    /// <summary>
    /// Implemented by generated code for an annotated model class (a "block", e.g. a residual block) so that an annotated
    /// model that holds it as a field can describe the block's channels inside its own plan. The block's class is analysed
    /// once; each field of that class describes itself with its own prefix.
    /// </summary>
    /// <remarks>
    /// <para>Contract of <see cref="DescribeChannels"/>: it adds the block's members, consumers, refusals and gates to
    /// <c>plan</c>, naming every space and member with <see cref="ChannelPlanBuilder.Qualify"/>(prefix, name);
    /// the block's <c>forward</c> input is the space <c>input</c> (consumers of the input call
    /// <c>plan.Consumer(input, ...)</c>; producers whose output is added to the input, as in an identity residual, are
    /// declared on <c>input</c>); it returns the space of the block's output (<c>input</c> itself
    /// for an identity residual). It never calls <see cref="ChannelPlanBuilder.Build"/>.</para>
    /// <para>Standalone, the block's own <c>RegisterComponents()</c> builds its own plan: a space "input" marked
    /// <see cref="ChannelPlanBuilder.Ungated"/> ("the input of forward"), <c>DescribeChannels(plan, input, "")</c>, the
    /// returned space marked <see cref="ChannelPlanBuilder.Output"/>, then <c>Build()</c>. When the block is a field of an
    /// annotated outer model, the outer plan's <c>Build()</c> takes the block's modules over: the block's own gates are
    /// removed and its buffers unregistered (the block is gated once, by the outer plan), and the block's own steps and
    /// compaction throw, saying to use the outer model's.</para>
    /// </remarks>
    public interface IChannelBlock
    {
        /// <summary>The block's own plan (standalone), or the plan an outer model superseded (<see cref="ChannelPlan.SupersededBy"/>).</summary>
        ChannelPlan ChannelPlan { get; }

        /// <summary>Adds the block's channels to an outer plan (see the remarks).</summary>
        /// <param name="plan">The outer model's builder.</param>
        /// <param name="input">The space of the block's forward input.</param>
        /// <param name="prefix">The block's field name in the outer model (qualified, e.g. <c>layer1.block0</c>); "" standalone.</param>
        /// <returns>The space of the block's output.</returns>
        ChannelSpace DescribeChannels(ChannelPlanBuilder plan, ChannelSpace input, string prefix);
    }

    /// <summary>Implemented by generated code for every model with a channel plan: the plan behind its generated members.</summary>
    public interface IChannelPlanModel
    {
        /// <summary>The model's plan.</summary>
        ChannelPlan ChannelPlan { get; }
    }
}
