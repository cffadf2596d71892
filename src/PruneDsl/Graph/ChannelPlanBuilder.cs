using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// Declares a model's channel plan: its channel spaces (coupling classes of channels), the modules that produce,
    /// normalize and consume each one, what cannot be pruned and why, and the gate of every gated space. The coupling is
    /// decided by the caller (the source generator reads it from <c>forward</c> at compile time and emits these calls in
    /// order, one statement per fact, so a user can step through them); <see cref="Build"/> checks that the declared plan
    /// is consistent with the modules' shapes, attaches the gates and returns the <see cref="ChannelPlan"/> that trains,
    /// prunes and compacts. The builder never re-derives coupling.
    /// </summary>
    /// <example>
    /// <code>
    /// var plan = new ChannelPlanBuilder(this, "ResNetSmall");
    /// var input = plan.Space("input");
    /// plan.Ungated(input, "the input of forward");
    /// plan.Consumer(input, "stem", stem);
    /// var s0 = plan.Space("stem");
    /// var stemConv = plan.Producer(s0, "stem", stem);
    /// plan.Normalizer(stemConv, "stem_bn", stem_bn);
    /// plan.Gate(s0, StemCost);
    /// var s1 = block1.DescribeChannels(plan, s0, "block1");
    /// plan.FlattenConsumer("head", head, s1);
    /// _channelPlan = plan.Build();
    /// </code>
    /// </example>
    public sealed class ChannelPlanBuilder
    {
        private readonly List<ChannelSpace> _spaces = new();
        private readonly List<ChannelMember> _members = new();
        private readonly List<ChannelConsumer> _consumers = new();
        private readonly List<(ChannelSpace Space, SpaceRefusal Refusal)> _refusals = new();
        private readonly List<(ChannelSpace Space, object Spec, string Origin)> _gates = new();
        private readonly List<(ChannelSpace Space, PruneSpec Spec, string Origin)> _prunes = new();
        private long[]? _inputShape;
        private bool _built;

        /// <summary>Starts the plan of <paramref name="owner"/>.</summary>
        /// <param name="owner">The model whose modules the plan covers; gate buffers are registered on it.</param>
        /// <param name="modelName">The model class, for messages.</param>
        public ChannelPlanBuilder(nn.Module owner, string modelName)
        {
            Owner = owner ?? throw new ArgumentNullException(nameof(owner));
            ModelName = string.IsNullOrEmpty(modelName) ? owner.GetType().Name : modelName;
        }

        /// <summary>The model.</summary>
        public nn.Module Owner { get; }

        /// <summary>The model class, for messages.</summary>
        public string ModelName { get; }

        /// <summary>
        /// The qualified name of a member of a block: <paramref name="name"/> when <paramref name="prefix"/> is empty, else
        /// <c>prefix + "." + name</c>. Generated <c>DescribeChannels</c> methods name every space and member with it.
        /// </summary>
        /// <param name="prefix">The block's prefix (its field name in the outer model, or "" standalone).</param>
        /// <param name="name">The field or space name inside the block.</param>
        public static string Qualify(string prefix, string name) => string.IsNullOrEmpty(prefix) ? name : prefix + "." + name;

        /// <summary>Declares a new channel space.</summary>
        /// <param name="name">Unique in the plan; used in reports, errors, gate buffer names (dots become underscores) and widths files.</param>
        public ChannelSpace Space(string name)
        {
            EnsureOpen();
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A channel space needs a name.", nameof(name));
            if (_spaces.Any(s => s.DeclaredName == name))
                throw new ArgumentException($"{ModelName}: the channel space '{name}' is declared twice; every space needs its own name.", nameof(name));
            var space = new ChannelSpace(this, name, _spaces.Count);
            _spaces.Add(space);
            return space;
        }

        /// <summary>
        /// Declares that <paramref name="a"/> and <paramref name="b"/> are one space (their tensors are added together, e.g.
        /// a block's output added to another tensor in the outer forward). The first-declared name names the union.
        /// </summary>
        /// <param name="a">A space.</param>
        /// <param name="b">Another space of this plan.</param>
        /// <returns>The union (either argument refers to it from now on).</returns>
        public ChannelSpace Join(ChannelSpace a, ChannelSpace b)
        {
            Own(a, nameof(a));
            Own(b, nameof(b));
            a.Union(b);
            return a.Root;
        }

        /// <summary>A Conv2d whose output channels are the space's channels: filters (weight dim 0) and bias.</summary>
        /// <param name="space">The space it writes.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="conv">The module (groups 1; a depthwise conv is <see cref="PerChannel"/>).</param>
        public ChannelMember Producer(ChannelSpace space, string name, Conv2d conv) => AddFilter(space, name, conv, ChannelRole.Producer);

        /// <summary>A Linear whose outputs are the space's channels: rows (weight dim 0) and bias.</summary>
        /// <param name="space">The space it writes.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="linear">The module.</param>
        public ChannelMember Producer(ChannelSpace space, string name, Linear linear) => AddFilter(space, name, linear, ChannelRole.Producer);

        /// <summary>
        /// A depthwise Conv2d (groups == in_channels == out_channels == the space's width): channel c of its input and of
        /// its output is channel c of the space, so it is both a member (its filter c and bias c are group c) and a reader
        /// of the space, compacted by removing filters and lowering groups, in_channels and out_channels together.
        /// </summary>
        /// <param name="space">The space it reads and writes.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="conv">The module.</param>
        public ChannelMember PerChannel(ChannelSpace space, string name, Conv2d conv) => AddFilter(space, name, conv, ChannelRole.PerChannel);

        /// <summary>
        /// A BatchNorm that normalizes exactly the output of <paramref name="of"/> (nothing in between): its weight, bias,
        /// running mean and running variance are per channel of the space. The space's gate then multiplies the
        /// normalizer's output, not the producer's (normalization would undo a gate before it), and compaction folds the
        /// kept gates into the normalizer's weight and bias.
        /// </summary>
        /// <param name="of">The producer or per-channel conv it normalizes.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="norm">The module (BatchNorm1d or BatchNorm2d, with affine parameters).</param>
        public ChannelMember Normalizer(ChannelMember of, string name, BatchNorm norm)
        {
            EnsureOpen();
            if (of is null) throw new ArgumentNullException(nameof(of));
            Own(of.DeclaredSpace, nameof(of));
            if (of.Role == ChannelRole.Normalizer)
                throw new ArgumentException($"{ModelName}: '{name}' normalizes '{of.Name}', which is itself a normalizer; a normalizer follows a producer or a per-channel conv.", nameof(of));
            if (of.Normalizer is not null)
                throw new ArgumentException($"{ModelName}: '{of.Name}' already has the normalizer '{of.Normalizer.Name}'; '{name}' cannot normalize it too.", nameof(of));
            var member = AddMember(of.DeclaredSpace, name, norm, ChannelRole.Normalizer, of);
            of.Normalizer = member;
            return member;
        }

        /// <summary>A Conv2d (groups 1) whose input channels are exactly the space's channels (weight dim 1).</summary>
        /// <param name="space">The space it reads.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="conv">The module.</param>
        public ChannelConsumer Consumer(ChannelSpace space, string name, Conv2d conv) =>
            AddConsumer(name, conv, ConsumerKind.Channels, new[] { space }, 1);

        /// <summary>A Linear whose input columns are exactly the space's channels (weight dim 1).</summary>
        /// <param name="space">The space it reads.</param>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="linear">The module.</param>
        /// <param name="keepWholeGroupsOf">
        /// The consumer's N:M group size M when it is N:M sparse (channels then go only in whole aligned groups of M); 1 otherwise.
        /// </param>
        public ChannelConsumer Consumer(ChannelSpace space, string name, Linear linear, int keepWholeGroupsOf = 1)
        {
            if (keepWholeGroupsOf < 1) throw new ArgumentOutOfRangeException(nameof(keepWholeGroupsOf), keepWholeGroupsOf, "The group size is at least 1.");
            return AddConsumer(name, linear, ConsumerKind.Channels, new[] { space }, keepWholeGroupsOf);
        }

        /// <summary>
        /// A Conv2d (groups 1) whose input is the channel concatenation (<c>cat(new[] {a, b, ...}, 1)</c>) of
        /// <paramref name="parts"/>, in order: part k occupies the input channels after the parts before it.
        /// </summary>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="conv">The module.</param>
        /// <param name="parts">The concatenated spaces, in order.</param>
        public ChannelConsumer ConcatConsumer(string name, Conv2d conv, params ChannelSpace[] parts) =>
            AddConsumer(name, conv, ConsumerKind.Channels, parts, 1);

        /// <summary>A Linear whose input is the concatenation (along its last dim) of <paramref name="parts"/>, in order.</summary>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="linear">The module.</param>
        /// <param name="parts">The concatenated spaces, in order.</param>
        public ChannelConsumer ConcatConsumer(string name, Linear linear, params ChannelSpace[] parts) =>
            AddConsumer(name, linear, ConsumerKind.Channels, parts, 1);

        /// <summary>
        /// A Linear reading <c>flatten(1)</c> / <c>view(n, -1)</c> / <c>reshape(n, -1)</c> of a [N, C, H, W] tensor whose
        /// channels are <paramref name="parts"/> concatenated in order (usually one space, possibly pooled first): channel
        /// k owns columns <c>k*HW .. (k+1)*HW - 1</c>, <c>HW = in_features / C</c>, checked to divide exactly.
        /// </summary>
        /// <param name="name">The module's qualified field name.</param>
        /// <param name="linear">The module.</param>
        /// <param name="parts">The spaces of the flattened tensor's channels, in order.</param>
        public ChannelConsumer FlattenConsumer(string name, Linear linear, params ChannelSpace[] parts) =>
            AddConsumer(name, linear, ConsumerKind.Flatten, parts, 1);

        /// <summary>
        /// Something the plan does not understand touches this space (the generator's diagnostic text): the space still
        /// trains with its gate, and compaction leaves it alone and says so with <paramref name="reason"/>.
        /// </summary>
        /// <param name="space">The space.</param>
        /// <param name="reason">What was not followed, where, and what to do (shown at run time as given).</param>
        public void Opaque(ChannelSpace space, string reason) => Refuse(space, SpaceRefusalKind.Opaque, reason);

        /// <summary>
        /// An ungated path feeds this space (the model's input, an identity shortcut from an ungated layer): its channels
        /// cannot be removed, since removing a channel would drop what that path adds. Compaction leaves it alone.
        /// </summary>
        /// <param name="space">The space.</param>
        /// <param name="reason">Which path, e.g. "the input of forward".</param>
        public void Ungated(ChannelSpace space, string reason) => Refuse(space, SpaceRefusalKind.Ungated, reason);

        /// <summary>The space leaves the model (returned from <c>forward</c>): its width is the model's output width and stays.</summary>
        /// <param name="space">The space.</param>
        public void Output(ChannelSpace space) => Refuse(space, SpaceRefusalKind.Output, "it is the output of forward, whose width the model's users rely on");

        /// <summary>
        /// Declares the shape of one input example (without the batch dimension, e.g. 1, 28, 28), used to count MACs in
        /// compaction reports with one probe forward pass.
        /// </summary>
        /// <param name="shape">The per-example input shape.</param>
        public void InputShape(params long[] shape)
        {
            EnsureOpen();
            if (shape is null || shape.Length == 0 || shape.Any(d => d < 1))
                throw new ArgumentException("The input shape needs at least one dimension, each at least 1.", nameof(shape));
            _inputShape = (long[])shape.Clone();
        }

        /// <summary>
        /// Gates the space with the game of "Pruning as a Game": one participation per channel, shared by every gate site
        /// of the space. Coupled groups declared in several places (an identity residual: the stem and each block's last
        /// conv) call this once each with the same settings; different settings are an error.
        /// </summary>
        /// <param name="space">The space.</param>
        /// <param name="cost">The cost settings (the generated <c>static readonly CostSpec</c>).</param>
        /// <param name="origin">Which declaration asks for it (for the error when two disagree), e.g. the field name.</param>
        public void Gate(ChannelSpace space, CostSpec cost, string? origin = null)
        {
            if (cost is null) throw new ArgumentNullException(nameof(cost));
            AddGate(space, cost, origin);
        }

        /// <summary>Gates the space with selection dynamics: one population mass per channel, shared by every gate site.</summary>
        /// <param name="space">The space.</param>
        /// <param name="dynamics">The selection-dynamics settings.</param>
        /// <param name="origin">Which declaration asks for it, for messages.</param>
        public void Evolve(ChannelSpace space, DynamicsSpec dynamics, string? origin = null)
        {
            if (dynamics is null) throw new ArgumentNullException(nameof(dynamics));
            AddGate(space, dynamics, origin);
        }

        /// <summary>The <c>[Prune]</c> settings of a gated space: which criterion scores its channels and which threshold keeps them.</summary>
        /// <param name="space">A space given <see cref="Gate"/> or <see cref="Evolve"/>.</param>
        /// <param name="spec">The criterion and threshold.</param>
        /// <param name="origin">Which declaration asks for it, for messages.</param>
        public void Prune(ChannelSpace space, PruneSpec spec, string? origin = null)
        {
            EnsureOpen();
            Own(space, nameof(space));
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            _prunes.Add((space, spec, origin ?? space.DeclaredName));
        }

        /// <summary>
        /// Checks the plan against the modules' shapes (every member of a space has its width, every consumer's input
        /// matches its parts, flatten blocks divide exactly, gated spaces have members, coupled settings agree), attaches
        /// one gate per gated space (buffer <c>{space}_participation</c> or <c>{space}_mass</c> on the owner, hooks at every
        /// gate site), takes the modules over from the standalone plans of annotated blocks inside the model (their gates
        /// are removed) and returns the plan. Throws <see cref="InvalidOperationException"/> naming the model, the space and
        /// the module when the declared plan does not match the modules; nothing is attached then.
        /// </summary>
        public ChannelPlan Build()
        {
            EnsureOpen();
            var roots = _spaces.Where(s => ReferenceEquals(s.Root, s)).ToList();
            var problems = new List<string>();
            var spaces = new List<PlannedSpace>();
            foreach (var root in roots)
            {
                var members = _members.Where(m => ReferenceEquals(m.Space, root)).ToList();
                var refusals = _refusals.Where(r => ReferenceEquals(r.Space.Root, root)).Select(r => r.Refusal).ToList();
                var gate = OneSetting(root, _gates.Where(g => ReferenceEquals(g.Space.Root, root)).Select(g => (g.Spec, g.Origin)).ToList(), "gate", problems);
                var prune = OneSetting(root, _prunes.Where(g => ReferenceEquals(g.Space.Root, root)).Select(g => ((object)g.Spec, g.Origin)).ToList(), "[Prune]", problems) as PruneSpec;
                spaces.Add(new PlannedSpace(root, members, refusals, gate as CostSpec, gate as DynamicsSpec, prune));
            }
            var byRoot = spaces.ToDictionary(s => s.Root);
            foreach (var consumer in _consumers)
                foreach (var part in consumer.Parts)
                    byRoot[part].AddConsumer(consumer);

            foreach (var space in spaces) CheckSpace(space, problems);
            foreach (var consumer in _consumers) CheckConsumer(consumer, byRoot, problems);
            CheckDuplicates(problems);
            if (problems.Count > 0)
                throw new InvalidOperationException(
                    $"The channel plan of '{ModelName}' does not match its modules:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", problems));

            _built = true;
            var plan = new ChannelPlan(Owner, ModelName, spaces, _consumers, _inputShape);
            plan.Attach();
            return plan;
        }

        private void CheckSpace(PlannedSpace space, List<string> problems)
        {
            var filters = space.Members.Where(m => m.Role != ChannelRole.Normalizer).ToList();
            var gated = space.Cost is not null || space.Dynamics is not null;
            if (filters.Count == 0)
            {
                if (gated) problems.Add($"space '{space.Name}' is gated but has no producer: a gate needs modules whose outputs it multiplies.");
                else if (space.Refusals.Count == 0 && space.Consumers.Count > 0)
                    problems.Add($"space '{space.Name}' has no producer and is not marked Ungated or Opaque: say what feeds it (e.g. plan.Ungated(space, \"the input of forward\")).");
                if (space.Prune is not null) problems.Add($"space '{space.Name}' has [Prune] settings but no gate; [Prune] chooses among a gate's groups.");
                return;
            }
            if (space.Prune is not null && !gated)
                problems.Add($"space '{space.Name}' has [Prune] settings but no gate; [Prune] chooses among a gate's groups.");
            var width = ModuleTensors.Outputs(filters[0].Module);
            foreach (var m in space.Members)
            {
                var kind = ModuleTensors.Kind(m.Module);
                switch (m.Role)
                {
                    case ChannelRole.Producer when m.Module is Conv2d conv && conv.groups != 1:
                        problems.Add($"'{m.Name}' (Conv2d, groups {conv.groups}) is declared a producer of '{space.Name}'; a depthwise conv is PerChannel, and other grouped convolutions are not supported (declare the space Opaque).");
                        break;
                    case ChannelRole.PerChannel:
                        var dw = (Conv2d)m.Module;
                        if (dw.groups != dw.in_channels || dw.in_channels != dw.out_channels)
                            problems.Add($"'{m.Name}' is declared per-channel in '{space.Name}' but has groups {dw.groups}, in_channels {dw.in_channels}, out_channels {dw.out_channels}; a per-channel (depthwise) conv has groups == in_channels == out_channels.");
                        break;
                    case ChannelRole.Normalizer:
                        var bn = (BatchNorm)m.Module;
                        if (!bn.affine || bn.weight is null)
                            problems.Add($"'{m.Name}' normalizes '{m.Normalizes!.Name}' but has no affine parameters; construct it with affine: true (the gate of '{space.Name}' is applied and folded there).");
                        break;
                }
                var outputs = ModuleTensors.Outputs(m.Module);
                if (outputs != width)
                    problems.Add($"space '{space.Name}' has {width} channels (from '{filters[0].Name}') but '{m.Name}' ({kind}) has {outputs}: everything added together must have the same channels.");
            }
        }

        private void CheckConsumer(ChannelConsumer consumer, Dictionary<ChannelSpace, PlannedSpace> byRoot, List<string> problems)
        {
            var kind = ModuleTensors.Kind(consumer.Module);
            if (consumer.Module is Conv2d conv && conv.groups != 1)
            {
                problems.Add($"'{consumer.Name}' (Conv2d, groups {conv.groups}) is declared a consumer; a depthwise conv is PerChannel, and other grouped convolutions are not supported (declare the space Opaque).");
                return;
            }
            var inputs = ModuleTensors.Inputs(consumer.Module);
            var widths = consumer.Parts.Select(p => byRoot[p].Width).ToList();
            if (consumer.KeepWholeGroupsOf > 1 && consumer.Parts.Count != 1)
                problems.Add($"'{consumer.Name}' keeps whole N:M groups but reads {consumer.Parts.Count} spaces; an N:M consumer must read one space.");
            if (widths.Any(w => w is null))
            {
                if (widths.Count(w => w is null) > 1)
                    problems.Add($"'{consumer.Name}' reads {string.Join(" + ", consumer.Parts.Select(p => p.Name))}, of which more than one has no producer, so their offsets are unknown; give every part but one a producer, or declare the spaces Opaque.");
                return;
            }
            var total = widths.Sum(w => w!.Value);
            if (consumer.Kind == ConsumerKind.Channels && total != inputs)
                problems.Add($"'{consumer.Name}' ({kind}) takes {inputs} input channels but reads {string.Join(" + ", consumer.Parts.Select((p, i) => $"'{p.Name}' ({widths[i]})"))} = {total}.");
            if (consumer.Kind == ConsumerKind.Flatten && (total == 0 || inputs % total != 0))
                problems.Add($"'{consumer.Name}' (Linear) takes {inputs} inputs, which is not a whole number of positions per channel for the {total} flattened channels of {string.Join(" + ", consumer.Parts.Select(p => $"'{p.Name}'"))}.");
        }

        private void CheckDuplicates(List<string> problems)
        {
            foreach (var g in _members.GroupBy(m => m.Module, ReferenceEqualityComparer.Instance).Where(g => g.Count() > 1))
                problems.Add($"the module of {string.Join(" and ", g.Select(m => $"'{m.Name}'"))} is declared {g.Count()} times as a member; a module writes one space once (a module called twice in forward is not supported: declare its spaces Opaque).");
            foreach (var g in _consumers.GroupBy(c => c.Module, ReferenceEqualityComparer.Instance).Where(g => g.Count() > 1))
                problems.Add($"the module of {string.Join(" and ", g.Select(c => $"'{c.Name}'"))} is declared a consumer {g.Count()} times; a module has one input (a concatenation is one ConcatConsumer).");
            foreach (var c in _consumers)
            {
                var member = _members.FirstOrDefault(m => ReferenceEquals(m.Module, c.Module));
                if (member is not null && member.Role != ChannelRole.Producer)
                    problems.Add($"'{c.Name}' is declared a consumer but its module is the {member.Role.ToString().ToLowerInvariant()} '{member.Name}'; only a producer (a conv or Linear of another space) also consumes.");
            }
        }

        private object? OneSetting(ChannelSpace root, List<(object Spec, string Origin)> settings, string what, List<string> problems)
        {
            if (settings.Count == 0) return null;
            var first = settings[0];
            foreach (var other in settings.Skip(1))
            {
                if (other.Spec.GetType() != first.Spec.GetType())
                    problems.Add($"space '{root.Name}' is gated by the game ('{Origin(first)}') and by selection dynamics ('{Origin(other)}'); coupled groups share one gate: give them the same kind.");
                else if (!Equals(other.Spec, first.Spec))
                    problems.Add($"space '{root.Name}' gets two {what} settings: '{first.Origin}' declares {first.Spec} and '{other.Origin}' declares {other.Spec}; coupled groups share one participation, so give them the same settings.");
            }
            return first.Spec;

            static string Origin((object Spec, string Origin) s) => s.Origin;
        }

        private ChannelMember AddFilter(ChannelSpace space, string name, nn.Module module, ChannelRole role) =>
            AddMember(space, name, module, role, null);

        private ChannelMember AddMember(ChannelSpace space, string name, nn.Module module, ChannelRole role, ChannelMember? normalizes)
        {
            EnsureOpen();
            Own(space, nameof(space));
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A member needs its field name.", nameof(name));
            if (module is null)
                throw new ArgumentNullException(nameof(module), $"{ModelName}: the field '{name}' is null when the channel plan is built; create the module before calling RegisterComponents().");
            var member = new ChannelMember(space, name, role, module, normalizes);
            _members.Add(member);
            return member;
        }

        private ChannelConsumer AddConsumer(string name, nn.Module module, ConsumerKind kind, ChannelSpace[] parts, int keepWholeGroupsOf)
        {
            EnsureOpen();
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A consumer needs its field name.", nameof(name));
            if (module is null)
                throw new ArgumentNullException(nameof(module), $"{ModelName}: the field '{name}' is null when the channel plan is built; create the module before calling RegisterComponents().");
            if (parts is null || parts.Length == 0) throw new ArgumentException($"{ModelName}: consumer '{name}' reads no space.", nameof(parts));
            foreach (var p in parts) Own(p, nameof(parts));
            var consumer = new ChannelConsumer(name, module, kind, parts, keepWholeGroupsOf);
            _consumers.Add(consumer);
            return consumer;
        }

        private void AddGate(ChannelSpace space, object spec, string? origin)
        {
            EnsureOpen();
            Own(space, nameof(space));
            _gates.Add((space, spec, origin ?? space.DeclaredName));
        }

        private void Refuse(ChannelSpace space, SpaceRefusalKind kind, string reason)
        {
            EnsureOpen();
            Own(space, nameof(space));
            if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("Say why the space cannot be compacted.", nameof(reason));
            _refusals.Add((space, new SpaceRefusal(kind, reason)));
        }

        private void Own(ChannelSpace space, string parameter)
        {
            if (space is null) throw new ArgumentNullException(parameter);
            if (!ReferenceEquals(space.Builder, this))
                throw new ArgumentException($"{ModelName}: the channel space '{space.Name}' belongs to another plan.", parameter);
        }

        private void EnsureOpen()
        {
            if (_built) throw new InvalidOperationException($"The channel plan of '{ModelName}' is already built; a builder builds once.");
        }
    }
}
