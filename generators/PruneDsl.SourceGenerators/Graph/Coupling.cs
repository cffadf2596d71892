using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Emit;
using PruneDsl.SourceGenerators.Models;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>
    /// The coupling rule, in one place (the runtime executes the plan and never derives it again). Channels are coupled
    /// when they must be kept or removed together: the output channels of a producer (a Conv2d or Linear) start a space;
    /// channel-preserving operations keep it; tensors added together (and the two sides of a branch) are one space;
    /// a concatenation along the channels lays spaces side by side (consumers see them at offsets); a depthwise Conv2d
    /// maps a space onto itself; a flatten gives each channel a block of a Linear's columns. A block (a field whose class
    /// is a PruneDsl model) is expanded from its own graph, so its input and output couple with the outer graph.
    /// A space is gated when it has a [ParticipationGroup] producer and every tensor that feeds it comes from one (not
    /// forward's input, not a tensor made in forward, not an un-annotated producer); what is not followed makes it opaque
    /// (it keeps its gate; compaction refuses it with the explanation).
    /// </summary>
    internal sealed class Coupling
    {
        /// <summary>The name of DescribeChannels' input parameter.</summary>
        public const string InputVariable = "input";

        private readonly ClassGraph _root;
        private readonly IReadOnlyDictionary<string, ClassGraph> _graphs;
        private readonly Dictionary<string, ClassPlan?> _plans;
        private readonly List<Flat> _flat = new();
        private readonly List<Space> _spaces = new();
        private readonly List<int> _uses = new();
        private readonly List<(int Space, int Flat)> _producers = new();
        private readonly List<(int Space, int Flat, int Producer)> _normalizers = new();
        private readonly List<(int Space, int Flat)> _perChannel = new();
        private readonly List<(int Flat, int[] Segments, bool Flatten)> _consumers = new();
        private readonly List<(int Space, string Text, SourceAnchor? Anchor)> _opaque = new();
        private readonly List<(int Space, int Flat, string How)> _normalizedAfterGate = new();
        private readonly List<(int Space, int Flat)> _frees = new();
        private readonly List<(int A, int B, int Flat)> _joins = new();
        private readonly List<DiagnosticInfo> _diagnostics = new();

        private Coupling(ClassGraph root, IReadOnlyDictionary<string, ClassGraph> graphs, Dictionary<string, ClassPlan?> plans)
        {
            _root = root;
            _graphs = graphs;
            _plans = plans;
        }

        /// <summary>One node of the expanded graph: the root's own nodes (depth 0) and its blocks' nodes, inlined.</summary>
        private sealed class Flat
        {
            public NodeKind Kind;
            public int[] Inputs = System.Array.Empty<int>();
            public LayerInfo? Layer;
            public string Path = string.Empty;
            public int Depth;
            public ClassGraph Owner = null!;
            public GraphNode Node = null!;
            public string? Text;
            public Layout Layout = Layout.None;
            public int Output = -1;
        }

        private enum Rank
        {
            Unknown,
            Spatial,
            Features,
        }

        /// <summary>The channels of a tensor: its spaces side by side (one unless concatenated), and whether it was flattened.</summary>
        private sealed class Layout
        {
            public static readonly Layout None = new(new int[0], Rank.Unknown, false);

            public Layout(int[] segments, Rank rank, bool flattened)
            {
                Segments = segments;
                Rank = rank;
                Flattened = flattened;
            }

            public int[] Segments { get; }

            public Rank Rank { get; }

            public bool Flattened { get; }
        }

        private sealed class Space
        {
            public int Parent;
            public string Name = string.Empty;
            public long? Width;
            public bool IsInput;
        }

        /// <summary>
        /// The pipeline's step after every class is read: the class's plan, resolved with the graphs of all model classes
        /// (its blocks'), set on its model, and the diagnostics about its channels added to its own.
        /// </summary>
        /// <param name="result">The class as read.</param>
        /// <param name="graphs">Every model class's graph.</param>
        public static ModelResult Apply(ModelResult result, EquatableArray<ClassGraph> graphs)
        {
            if (result.Graph is not { } graph || result.Model is null) return result;
            var byIdentity = new Dictionary<string, ClassGraph>();
            var usedAsBlock = false;
            foreach (var other in graphs)
            {
                byIdentity[other.Identity] = other;
                usedAsBlock |= other.Layers.Any(l => l.Block == graph.Identity);
            }
            var (plan, diagnostics) = Resolve(graph, byIdentity, usedAsBlock);
            return result with
            {
                Model = result.Model with { Plan = plan },
                Diagnostics = diagnostics.Count == 0 ? result.Diagnostics : new EquatableArray<DiagnosticInfo>(result.Diagnostics.Concat(diagnostics)),
            };
        }

        /// <summary>
        /// Resolves a model class: its plan and the diagnostics about its channels. The class is read as the outermost
        /// model; when <paramref name="usedAsBlock"/>, the spaces that touch its input or output are left to the models that
        /// use it (they report them with their own couplings).
        /// </summary>
        /// <param name="graph">The class.</param>
        /// <param name="graphs">Every model class's graph by identity (its blocks').</param>
        /// <param name="usedAsBlock">Whether another model has a field of this class.</param>
        public static (ClassPlan? Plan, List<DiagnosticInfo> Diagnostics) Resolve(ClassGraph graph, IReadOnlyDictionary<string, ClassGraph> graphs, bool usedAsBlock) =>
            Resolve(graph, graphs, usedAsBlock, new Dictionary<string, ClassPlan?>());

        private static (ClassPlan? Plan, List<DiagnosticInfo> Diagnostics) Resolve(ClassGraph graph, IReadOnlyDictionary<string, ClassGraph> graphs,
            bool usedAsBlock, Dictionary<string, ClassPlan?> plans)
        {
            plans[graph.Identity] = null; // being resolved: a block of itself is a cycle
            var coupling = new Coupling(graph, graphs, plans);
            coupling.Expand(graph, string.Empty, 0, -1, new HashSet<string> { graph.Identity });
            coupling.Propagate();
            var plan = coupling.Plan(usedAsBlock);
            plans[graph.Identity] = plan;
            return (plan, coupling._diagnostics);
        }

        // ---- expansion ----

        /// <summary>Appends a class's nodes (a block's with its prefix); returns the node of what its forward returns.</summary>
        private int Expand(ClassGraph graph, string prefix, int depth, int input, HashSet<string> active)
        {
            var map = new int[graph.Nodes.Count];
            var layers = LayersByName(graph);
            var outputs = new List<int>();
            for (var i = 0; i < graph.Nodes.Count; i++)
            {
                var node = graph.Nodes[i];
                var inputs = node.Inputs.Select(n => map[n]).ToArray();
                layers.TryGetValue(node.Layer ?? string.Empty, out var layer);
                switch (node.Kind)
                {
                    case NodeKind.Input when input >= 0:
                        map[i] = input;
                        continue;
                    case NodeKind.Output when depth > 0:
                        outputs.Add(inputs[0]);
                        map[i] = inputs[0];
                        continue;
                    case NodeKind.Block:
                    {
                        ClassGraph? block = null;
                        var why = layer?.Block is not { } identity ? "it is not a PruneDsl model"
                            : !_graphs.TryGetValue(identity, out block) ? "its class has no generated plan (see its own diagnostics)"
                            : active.Contains(identity) ? "its class contains itself"
                            : !block.HasForward ? "its class declares no 'Tensor forward(Tensor)'"
                            : null;
                        if (why is not null)
                        {
                            map[i] = Add(NodeKind.Opaque, inputs, layer, prefix, depth, graph, node,
                                "'" + node.Statement + "' in " + graph.ClassName + ".forward is not followed: '" + prefix + node.Layer + "' is a block PruneDsl cannot read, because " + why
                                + "; make the field's class a partial PruneDsl model");
                            continue;
                        }
                        var call = Add(NodeKind.Block, inputs, layer, prefix, depth, graph, node);
                        active.Add(block!.Identity);
                        map[i] = Expand(block, prefix + node.Layer + ".", depth + 1, inputs[0], active);
                        active.Remove(block.Identity);
                        _flat[call].Output = map[i];
                        continue;
                    }
                }
                map[i] = Add(node.Kind, inputs, layer, prefix, depth, graph, node,
                    node.Kind == NodeKind.Opaque && node.Fact >= 0 ? graph.Facts[node.Fact].Text(graph.ClassName) : null);
            }
            if (depth == 0) return -1;
            if (outputs.Count == 1) return outputs[0];
            return Add(NodeKind.Join, outputs.ToArray(), null, prefix, depth, graph, new GraphNode(NodeKind.Join, EquatableArray<int>.Empty, null, graph.ClassName + ".forward returns"));
        }

        private int Add(NodeKind kind, int[] inputs, LayerInfo? layer, string prefix, int depth, ClassGraph owner, GraphNode node, string? text = null)
        {
            foreach (var input in inputs) _uses[input]++;
            _flat.Add(new Flat
            {
                Kind = kind,
                Inputs = inputs,
                Layer = layer,
                Path = layer is null ? string.Empty : prefix + layer.Name,
                Depth = depth,
                Owner = owner,
                Node = node,
                Text = text,
            });
            _uses.Add(0);
            return _flat.Count - 1;
        }

        private static Dictionary<string, LayerInfo> LayersByName(ClassGraph graph)
        {
            var result = new Dictionary<string, LayerInfo>();
            foreach (var layer in graph.Layers)
            {
                result[layer.Name] = layer;
                foreach (var child in layer.Children) result[child.Name] = child;
            }
            return result;
        }

        // ---- spaces ----

        private int NewSpace(string name, long? width)
        {
            _spaces.Add(new Space { Parent = _spaces.Count, Name = name, Width = width });
            return _spaces.Count - 1;
        }

        private int Find(int space)
        {
            while (_spaces[space].Parent != space)
            {
                _spaces[space].Parent = _spaces[_spaces[space].Parent].Parent;
                space = _spaces[space].Parent;
            }
            return space;
        }

        private void Union(int a, int b, int at)
        {
            a = Find(a);
            b = Find(b);
            if (a == b) return;
            _joins.Add((a, b, at));
            // The older space stays the representative: its name (the first producer's) names the union.
            if (b < a) (a, b) = (b, a);
            _spaces[b].Parent = a;
            _spaces[a].Width ??= _spaces[b].Width;
            _spaces[a].IsInput |= _spaces[b].IsInput;
        }

        private long? Width(int space) => _spaces[Find(space)].Width;

        /// <summary>Computes every node's layout, creating and joining spaces and recording each space's members.</summary>
        private void Propagate()
        {
            for (var i = 0; i < _flat.Count; i++)
            {
                var node = _flat[i];
                var first = node.Inputs.Length > 0 ? _flat[node.Inputs[0]].Layout : Layout.None;
                switch (node.Kind)
                {
                    case NodeKind.Input:
                    {
                        var space = NewSpace(InputVariable, null);
                        _spaces[space].IsInput = true;
                        node.Layout = new Layout(new[] { space }, Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Free:
                    {
                        var space = NewSpace("tensor", null);
                        _frees.Add((space, i));
                        node.Layout = new Layout(new[] { space }, Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Layer:
                        node.Layout = ApplyLayer(i, node, first);
                        break;
                    case NodeKind.Same:
                        node.Layout = first;
                        break;
                    case NodeKind.Features:
                        node.Layout = new Layout(first.Segments, Rank.Features, false);
                        break;
                    case NodeKind.Flatten:
                        node.Layout = first.Rank == Rank.Features ? first : new Layout(first.Segments, Rank.Features, true);
                        break;
                    case NodeKind.Join:
                        node.Layout = Join(i, node);
                        break;
                    case NodeKind.Cat:
                    {
                        var parts = node.Inputs.Select(n => _flat[n].Layout).ToList();
                        if (parts.Any(p => p.Flattened))
                        {
                            node.Layout = NotFollowed(i, node, "it concatenates flattened tensors, whose columns PruneDsl cannot assign to channels; concatenate first, then flatten");
                            break;
                        }
                        node.Layout = new Layout(parts.SelectMany(p => p.Segments).ToArray(),
                            parts.All(p => p.Rank == Rank.Spatial) ? Rank.Spatial : parts.All(p => p.Rank == Rank.Features) ? Rank.Features : Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Opaque:
                    {
                        var text = node.Text ?? "'" + node.Node.Statement + "' is not followed";
                        var anchor = node.Node.Fact >= 0 ? node.Owner.Facts[node.Node.Fact].Anchor : node.Node.Anchor;
                        foreach (var input in node.Inputs)
                            foreach (var segment in _flat[input].Layout.Segments)
                                _opaque.Add((segment, text, anchor));
                        var space = NewSpace("unknown", null);
                        _opaque.Add((space, text, anchor));
                        node.Layout = new Layout(new[] { space }, Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Block:
                        node.Layout = first;
                        break;
                    case NodeKind.Output:
                        node.Layout = first;
                        break;
                }
            }
        }

        private Layout ApplyLayer(int index, Flat node, Layout input)
        {
            var layer = node.Layer!;
            var sizes = layer.Sizes;
            switch (layer.Kind)
            {
                case LayerKind.Linear:
                {
                    _consumers.Add((index, input.Segments, input.Flattened));
                    var space = NewSpace(node.Path, sizes.Out);
                    _producers.Add((space, index));
                    return new Layout(new[] { space }, Rank.Features, false);
                }
                case LayerKind.Conv2d when sizes.IsDepthwise:
                    if (input.Segments.Length != 1)
                        return NotFollowed(index, node, "'" + node.Path + "' is a depthwise convolution applied to a concatenation, which PruneDsl does not follow; apply it to each part");
                    _perChannel.Add((input.Segments[0], index));
                    _spaces[Find(input.Segments[0])].Width ??= sizes.Out;
                    return new Layout(input.Segments, Rank.Spatial, false);
                case LayerKind.Conv2d when sizes.Groups == 1:
                {
                    _consumers.Add((index, input.Segments, false));
                    var space = NewSpace(node.Path, sizes.Out);
                    _producers.Add((space, index));
                    return new Layout(new[] { space }, Rank.Spatial, false);
                }
                case LayerKind.Conv2d:
                {
                    var why = sizes.Groups is { } g
                        ? "'" + node.Path + "' is a grouped convolution (groups = " + g.ToString(CultureInfo.InvariantCulture) + ", not a depthwise one with groups == in == out), whose channels can only be removed in whole groups"
                        : "the groups of '" + node.Path + "' are not a compile-time constant, so PruneDsl cannot tell whether it is depthwise";
                    var text = Explain(node, why, "give it groups: 1, or groups == in_channels == out_channels (depthwise), as constants");
                    node.Text = text;
                    foreach (var segment in input.Segments) _opaque.Add((segment, text, node.Node.Anchor));
                    var space = NewSpace(node.Path, sizes.Out);
                    _producers.Add((space, index));
                    _opaque.Add((space, text, node.Node.Anchor));
                    return new Layout(new[] { space }, Rank.Spatial, false);
                }
                case LayerKind.BatchNorm2d:
                {
                    var producer = node.Inputs[0];
                    var direct = input.Segments.Length == 1 && _flat[producer] is { Kind: NodeKind.Layer, Layer.Produces: true } && _uses[producer] == 1;
                    if (direct)
                    {
                        _normalizers.Add((input.Segments[0], index, producer));
                    }
                    else
                    {
                        var how = HowAfterGate(producer);
                        foreach (var segment in input.Segments) _normalizedAfterGate.Add((segment, index, how));
                    }
                    return new Layout(input.Segments, Rank.Spatial, false);
                }
                default:
                    return input;
            }
        }

        /// <summary>Why a BatchNorm2d's input is not its producer's direct output (for PD0027).</summary>
        private string HowAfterGate(int input)
        {
            var node = _flat[input];
            return node switch
            {
                { Kind: NodeKind.Layer, Layer.Produces: true } => "the output of '" + node.Path + "' is also used elsewhere, so its gate stays on '" + node.Path + "'",
                { Kind: NodeKind.Layer, Layer.Kind: LayerKind.Conv2d } => "it follows the depthwise '" + node.Path + "'",
                { Kind: NodeKind.Layer, Layer.Kind: LayerKind.BatchNorm2d } => "it follows another BatchNorm2d, '" + node.Path + "'",
                { Kind: NodeKind.Same } => "it follows '" + node.Node.Statement + "'",
                { Kind: NodeKind.Join } => "the channels were added together first",
                { Kind: NodeKind.Cat } => "the channels were concatenated first",
                { Kind: NodeKind.Input } => "it normalizes forward's input",
                _ => "it does not follow the layer that produces the channels directly",
            };
        }

        private Layout Join(int index, Flat node)
        {
            var parts = node.Inputs.Select(n => _flat[n].Layout).ToList();
            var first = parts[0];
            if (parts.Any(p => p.Segments.Length != first.Segments.Length || p.Flattened != first.Flattened))
                return NotFollowed(index, node, "it adds tensors whose channels are laid out differently (a concatenation and a single tensor, or a flattened and a 4-D one)");
            foreach (var part in parts.Skip(1))
                for (var k = 0; k < first.Segments.Length; k++)
                    Union(first.Segments[k], part.Segments[k], index);
            var rank = parts.All(p => p.Rank == first.Rank) ? first.Rank : parts.Select(p => p.Rank).FirstOrDefault(r => r != Rank.Unknown);
            return new Layout(first.Segments, rank, first.Flattened);
        }

        /// <summary>Marks a node's input spaces opaque (found while resolving) and returns an unknown layout.</summary>
        private Layout NotFollowed(int index, Flat node, string why)
        {
            var text = Explain(node, why, "see the diagnostic's page (PD0008)");
            foreach (var input in node.Inputs)
                foreach (var segment in _flat[input].Layout.Segments)
                    _opaque.Add((segment, text, node.Node.Anchor));
            var space = NewSpace("unknown", null);
            _opaque.Add((space, text, node.Node.Anchor));
            node.Text = text;
            return new Layout(new[] { space }, Rank.Unknown, false);
        }

        private static string Explain(Flat node, string why, string fix) =>
            "'" + node.Node.Statement + "' in " + node.Owner.ClassName + ".forward is not followed: " + why + "; " + fix;

        // ---- decisions and diagnostics ----

        /// <summary>Everything known about one coupling class after propagation.</summary>
        private sealed class Summary
        {
            public int Root;
            public string Name = string.Empty;
            public int MinDepth = int.MaxValue;
            public readonly List<int> Producers = new();
            public readonly List<string> Ungated = new();
            public readonly List<(string Text, SourceAnchor? Anchor)> Opaque = new();
            public readonly List<(int Flat, string How)> NormalizedAfterGate = new();
            public bool IsInput;
            public bool IsOutput;
            public bool Gated;
            public int SettingsFlat = -1;
        }

        private Dictionary<int, Summary> Summarize()
        {
            var summaries = new Dictionary<int, Summary>();
            Summary Of(int space)
            {
                var root = Find(space);
                if (!summaries.TryGetValue(root, out var summary)) summaries[root] = summary = new Summary { Root = root, IsInput = _spaces[root].IsInput };
                return summary;
            }

            for (var i = 0; i < _flat.Count; i++)
            {
                foreach (var segment in _flat[i].Layout.Segments)
                {
                    var summary = Of(segment);
                    summary.MinDepth = System.Math.Min(summary.MinDepth, _flat[i].Depth);
                    if (_flat[i].Kind == NodeKind.Output) summary.IsOutput = true;
                }
            }
            foreach (var (space, flat) in _producers) Of(space).Producers.Add(flat);
            foreach (var (space, text, anchor) in _opaque)
                if (!Of(space).Opaque.Any(o => o.Text == text)) Of(space).Opaque.Add((text, anchor));
            foreach (var (space, flat, how) in _normalizedAfterGate) Of(space).NormalizedAfterGate.Add((flat, how));

            foreach (var summary in summaries.Values)
            {
                // A space is named after its first producer (the name the runtime reports it by).
                summary.Name = summary.Producers.Count > 0 ? _flat[summary.Producers[0]].Path : _spaces[summary.Root].Name;
                var annotated = summary.Producers.Where(p => _flat[p].Layer!.IsGated).ToList();
                if (annotated.Count == 0) continue;
                summary.SettingsFlat = annotated[0];
                if (summary.IsInput) summary.Ungated.Add("the input of forward");
                foreach (var (space, flat) in _frees)
                    if (Find(space) == summary.Root) summary.Ungated.Add("'" + _flat[flat].Node.Statement + "', a tensor made in forward");
                foreach (var producer in summary.Producers.Where(p => !_flat[p].Layer!.IsGated))
                    summary.Ungated.Add("the output of '" + _flat[producer].Path + "', which has no [ParticipationGroup]");
                summary.Gated = summary.Ungated.Count == 0;
            }
            return summaries;
        }

        /// <summary>
        /// The diagnostics about the spaces this class owns: the ones its own forward touches (a block's internal spaces
        /// are its class's to report), less, for a class other models use as a block, the spaces at its input and output.
        /// </summary>
        private void ReportSpaces(IEnumerable<Summary> summaries, bool usedAsBlock)
        {
            foreach (var summary in summaries.OrderBy(s => s.Root))
            {
                if (summary.MinDepth > 0 || summary.SettingsFlat < 0) continue;
                if (usedAsBlock && (summary.IsInput || summary.IsOutput)) continue;
                var gated = summary.Producers.Where(p => _flat[p].Layer!.IsGated).ToList();

                if (!summary.Gated)
                {
                    var unannotated = summary.Producers.Where(p => !_flat[p].Layer!.IsGated).Select(p => "'" + _flat[p].Path + "'").ToList();
                    foreach (var producer in gated)
                    {
                        var layer = _flat[producer].Path;
                        var fix = unannotated.Count == summary.Ungated.Count
                            ? "annotate " + Analyzers.Format.List(unannotated) + " with [ParticipationGroup] too (every group feeding one add is pruned with one shared participation), or remove [ParticipationGroup] from '" + layer + "'"
                            : "remove [ParticipationGroup] from '" + layer + "': channels that forward's input or a tensor made in forward also carries cannot be removed";
                        Report(DiagnosticDescriptors.GroupOnUngatedPath, AnchorOfGroup(producer), layer, Analyzers.Format.List(summary.Ungated), fix);
                    }
                    continue;
                }

                var first = _flat[summary.SettingsFlat];
                foreach (var producer in gated.Skip(1))
                {
                    var difference = Difference(first.Layer!.Group!, _flat[producer].Layer!.Group!);
                    if (difference is not null)
                        Report(DiagnosticDescriptors.CoupledSettingsDiffer, AnchorOfGroup(producer), _flat[producer].Path, first.Path, JoinedAt(summary), difference);
                }
                foreach (var (flat, how) in summary.NormalizedAfterGate)
                    Report(DiagnosticDescriptors.NormalizedAfterGate, _flat[flat].Node.Anchor, _flat[flat].Path, summary.Name, how);
                foreach (var (text, anchor) in summary.Opaque)
                    Report(DiagnosticDescriptors.ForwardNotFollowed, anchor, text, "'" + summary.Name + "'");
            }
        }

        /// <summary>How two coupled groups' settings differ, or null when they agree.</summary>
        private static string? Difference(GroupLayerModel first, GroupLayerModel other)
        {
            var parts = new List<string>();
            string Show(double value) => Analyzers.Format.Setting(value);
            void Compare(string name, string a, string b)
            {
                if (a != b) parts.Add(name + " " + b + " vs " + a);
            }

            if (first.IsGame != other.IsGame)
            {
                parts.Add(other.IsGame ? "it plays the game, the other evolves under [SelectionDynamics]" : "it evolves under [SelectionDynamics], the other plays the game");
            }
            else if (first.IsGame)
            {
                var (a, b) = (first.Cost, other.Cost);
                Compare("Alpha", Show(a.Alpha), Show(b.Alpha));
                Compare("Beta", Show(a.Beta), Show(b.Beta));
                Compare("Gamma", Show(a.Gamma), Show(b.Gamma));
                Compare("Eta", Show(a.Eta), Show(b.Eta));
                Compare("LearningRate", Show(a.LearningRate), Show(b.LearningRate));
                Compare("Epsilon", Show(a.Epsilon), Show(b.Epsilon));
                Compare("Benefit", a.Benefit.ToString(), b.Benefit.ToString());
            }
            else
            {
                var (a, b) = (first.Dynamics!, other.Dynamics!);
                Compare("Dynamics", a.Kind.ToString(), b.Kind.ToString());
                Compare("LearningRate", Show(a.LearningRate), Show(b.LearningRate));
                Compare("Smoothing", Show(a.Smoothing), Show(b.Smoothing));
                Compare("TargetSparsity", Show(a.TargetSparsity), Show(b.TargetSparsity));
            }
            string Prune(PruneSpec? p) => p is null ? "none" : p.Criterion + "/" + p.Threshold + " (Sparsity " + Show(p.Sparsity) + ", Beta " + Show(p.Beta) + ")";
            Compare("[Prune]", Prune(first.Prune), Prune(other.Prune));
            return parts.Count == 0 ? null : string.Join(", ", parts);
        }

        /// <summary>Where the layers of a space are joined, for messages: the first add (or branch) that joins it.</summary>
        private string JoinedAt(Summary summary)
        {
            foreach (var (a, _, flat) in _joins)
                if (Find(a) == summary.Root) return "joined at '" + _flat[flat].Node.Statement + "'";
            return "in one channel space";
        }

        private SourceAnchor AnchorOfGroup(int producer) =>
            Anchors.GroupAttribute(_flat[producer].Owner.Identity, _flat[producer].Layer!.Name);

        private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourceAnchor? anchor, params string[] arguments)
        {
            var info = new DiagnosticInfo(descriptor.Id, null, new EquatableArray<string>(arguments), anchor);
            if (!_diagnostics.Contains(info)) _diagnostics.Add(info);
        }

        // ---- the plan of this class: its DescribeChannels and its root statements ----

        private ClassPlan Plan(bool usedAsBlock)
        {
            var summaries = Summarize();
            ReportSpaces(summaries.Values, usedAsBlock);
            var writer = new PlanWriter(this, summaries);
            return writer.Write();
        }

        /// <summary>Writes the statements of the class's own nodes (depth 0), in forward order.</summary>
        private sealed class PlanWriter
        {
            private readonly Coupling _c;
            private readonly Dictionary<int, Summary> _summaries;
            private readonly List<PlanStep> _steps = new();
            private readonly Dictionary<int, string> _variables = new();
            private readonly List<int> _order = new();
            private readonly HashSet<string> _names = new() { InputVariable, "plan", "prefix", "output" };
            private string? _lastStatement;

            public PlanWriter(Coupling coupling, Dictionary<int, Summary> summaries)
            {
                _c = coupling;
                _summaries = summaries;
            }

            private void Step(PlanStep step, string? statement)
            {
                var comment = statement is not null && statement != _lastStatement ? statement : null;
                if (statement is not null) _lastStatement = statement;
                _steps.Add(comment is null ? step : step with { Comment = comment });
            }

            /// <summary>The variable of a space, declared where it is first needed.</summary>
            private string Variable(int space, string? statement)
            {
                var root = _c.Find(space);
                if (_variables.TryGetValue(root, out var existing)) return existing;
                var summary = _summaries[root];
                var name = Unique(Identifier(summary.Name) + "Channels");
                _variables[root] = name;
                _order.Add(root);
                Step(new PlanStep(StepKind.Space, name, summary.Name), statement);
                return name;
            }

            private string Unique(string name)
            {
                var candidate = name;
                for (var n = 2; !_names.Add(candidate); n++) candidate = name + n.ToString(CultureInfo.InvariantCulture);
                return candidate;
            }

            public ClassPlan Write()
            {
                var flat = _c._flat;
                var seen = new HashSet<string>();
                var outputs = new List<int>();
                for (var i = 0; i < flat.Count; i++)
                {
                    var node = flat[i];
                    if (node.Depth != 0) continue;
                    if (node.Layer is { } seenLayer) seen.Add(seenLayer.Name);
                    var statement = node.Node.Statement;
                    var input = node.Inputs.Length > 0 ? flat[node.Inputs[0]].Layout : Layout.None;
                    switch (node.Kind)
                    {
                        case NodeKind.Input:
                            _variables[_c.Find(node.Layout.Segments[0])] = InputVariable;
                            _order.Add(_c.Find(node.Layout.Segments[0]));
                            break;
                        case NodeKind.Output:
                            outputs.Add(i);
                            break;
                        case NodeKind.Block:
                            WriteBlock(node, input);
                            break;
                        case NodeKind.Opaque:
                        case NodeKind.Join or NodeKind.Cat when node.Text is not null:
                            WriteOpaque(node, node.Text!);
                            break;
                        case NodeKind.Layer when node.Text is not null:
                            // A grouped convolution: its input and output are opaque; its output channels are still its own.
                            foreach (var segment in input.Segments.Distinct())
                                Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: node.Text), statement);
                            var own = Variable(node.Layout.Segments[0], statement);
                            if (node.Layer!.Produces) Step(new PlanStep(StepKind.Producer, own, node.Layer.Name, node.Layer.Access), statement);
                            Step(new PlanStep(StepKind.Opaque, own, Text: node.Text), statement);
                            break;
                        case NodeKind.Layer when node.Layer!.Produces:
                            WriteConsumers(node, input);
                            Step(new PlanStep(StepKind.Producer, Variable(node.Layout.Segments[0], statement), node.Layer.Name, node.Layer.Access), statement);
                            break;
                        case NodeKind.Layer when node.Layer!.Kind == LayerKind.Conv2d:
                            Step(new PlanStep(StepKind.PerChannel, Variable(input.Segments[0], statement), node.Layer.Name, node.Layer.Access), statement);
                            break;
                        case NodeKind.Layer when node.Layer!.Kind == LayerKind.BatchNorm2d:
                            if (_c._normalizers.Any(n => n.Flat == i))
                                Step(new PlanStep(StepKind.Normalizer, Variable(input.Segments[0], statement), node.Layer.Name, node.Layer.Access), statement);
                            else
                                foreach (var segment in input.Segments.Distinct())
                                    Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: AfterGateText(node, i)), statement);
                            break;
                    }
                }

                var unseen = WriteUnseenLayers(seen);
                var output = WriteOutput(outputs);

                // The gates of the spaces this class owns: every space but its input's and its output's, in the order they were made.
                var inputRoot = _variables.FirstOrDefault(v => v.Value == InputVariable).Key;
                var outputRoot = _variables.FirstOrDefault(v => v.Value == output).Key;
                var hasInput = _variables.ContainsValue(InputVariable);
                foreach (var root in _order)
                {
                    if (hasInput && root == inputRoot || root == outputRoot) continue;
                    Decide(_summaries[root], _variables[root], _steps);
                }
                foreach (var (variable, layer) in unseen)
                    AddGate(_c._root, layer, layer.Name, variable, _steps, true);

                // As the outermost model: the output's space is the model's own too.
                var rootSteps = new List<PlanStep>();
                if (output != InputVariable && _summaries.TryGetValue(outputRoot, out var outputSummary))
                    Decide(outputSummary, "output", rootSteps);

                var describe = new EquatableArray<PlanStep>(_steps);
                var gates = new List<GateInfo>();
                _c.CollectGates(describe, string.Empty, gates, new HashSet<string> { _c._root.Identity });
                foreach (var step in rootSteps)
                    if (step.Kind is StepKind.Gate or StepKind.Evolve) gates.Add(new GateInfo(step.Name!, step.Kind == StepKind.Gate));
                return new ClassPlan(describe, output, new EquatableArray<PlanStep>(rootSteps), new EquatableArray<GateInfo>(gates));
            }

            private void WriteOpaque(Flat node, string text)
            {
                var statement = node.Node.Statement;
                foreach (var inputNode in node.Inputs)
                    foreach (var segment in _c._flat[inputNode].Layout.Segments.Distinct())
                        Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
                Step(new PlanStep(StepKind.Opaque, Variable(node.Layout.Segments[0], statement), Text: text), statement);
            }

            private string AfterGateText(Flat node, int index)
            {
                var how = _c._normalizedAfterGate.FirstOrDefault(n => n.Flat == index).How ?? "it does not follow its producer directly";
                return "'" + node.Node.Statement + "' in " + node.Owner.ClassName + ".forward: '" + node.Path + "' normalizes these channels after their participation gate (" + how
                       + "), so a pruned channel would leave its bias instead of 0; apply it directly to the output of the Conv2d that produces the channels";
            }

            private void WriteConsumers(Flat node, Layout input)
            {
                var layer = node.Layer!;
                var statement = node.Node.Statement;
                var segments = input.Segments;
                var widths = segments.Select(_c.Width).ToArray();
                var flatten = input.Flattened && layer.Kind == LayerKind.Linear;
                long? total = widths.All(w => w is not null) ? widths.Sum(w => w!.Value) : null;
                long before = 0;
                for (var k = 0; k < segments.Length; k++)
                {
                    var space = Variable(segments[k], statement);
                    if ((k > 0 || flatten) && (total is null))
                    {
                        var unknown = segments.Where((_, j) => widths[j] is null).Select(s => "'" + _summaries[_c.Find(s)].Name + "'");
                        Step(new PlanStep(StepKind.Opaque, space, Text: Explain(node,
                            "the width of " + Analyzers.Format.List(unknown) + " is not a compile-time constant, so PruneDsl cannot tell which of '" + layer.Name + "''s inputs its channels are",
                            "give the layers that produce them constant sizes")), statement);
                        continue;
                    }
                    Step(flatten
                        ? new PlanStep(StepKind.FlattenConsumer, space, layer.Name, layer.Access, before, total!.Value)
                        : new PlanStep(StepKind.Consumer, space, layer.Name, layer.Access, before), statement);
                    before += widths[k] ?? 0;
                }
            }

            private void WriteBlock(Flat node, Layout input)
            {
                var layer = node.Layer!;
                var statement = node.Node.Statement;
                string inputVariable;
                if (input.Segments.Length == 1 && !input.Flattened)
                {
                    inputVariable = Variable(input.Segments[0], statement);
                }
                else
                {
                    // DescribeChannels takes one space: a concatenated or flattened input is described as an unknown one.
                    var text = Explain(node, "'" + layer.Name + "' is a block called on a concatenated or flattened tensor, and a block's input is one channel space",
                        "concatenate inside the block, or call it on one tensor");
                    foreach (var segment in input.Segments.Distinct()) Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
                    inputVariable = Unique(Identifier(layer.Name) + "Input");
                    Step(new PlanStep(StepKind.Space, inputVariable, layer.Name + ".input"), statement);
                    Step(new PlanStep(StepKind.Opaque, inputVariable, Text: text), statement);
                }

                var block = _c._graphs[layer.Block!];
                var returnsInput = _c.PlanOf(block) is { ReturnsInput: true };
                var name = Unique(Identifier(layer.Name) + "Channels");
                Step(new PlanStep(StepKind.Block, name, layer.Name, layer.Access, Other: inputVariable, Text: layer.Block), statement);
                var outputSegments = node.Output >= 0 ? _c._flat[node.Output].Layout.Segments : System.Array.Empty<int>();
                if (outputSegments.Length != 1 || returnsInput) return;
                var root = _c.Find(outputSegments[0]);
                if (_variables.TryGetValue(root, out var existing))
                {
                    Step(new PlanStep(StepKind.Couple, existing, Other: name), statement);
                }
                else
                {
                    _variables[root] = name;
                    _order.Add(root);
                }
            }

            /// <summary>[ParticipationGroup] layers forward does not call where PruneDsl can follow them: a space each, gated and opaque.</summary>
            private List<(string Variable, LayerInfo Layer)> WriteUnseenLayers(HashSet<string> seen)
            {
                var root = _c._root;
                var result = new List<(string, LayerInfo)>();
                foreach (var layer in root.Layers.Where(l => l.IsGated && !seen.Contains(l.Name)))
                {
                    var why = root.Facts.Count > 0
                        ? "forward does not call it where PruneDsl can follow it (see " + Analyzers.Format.List(root.Facts.Select(f => "'" + f.Code + "'")) + ")"
                        : root.HasForward ? "forward does not call it" : "the class declares no 'Tensor forward(Tensor)'";
                    var text = "'" + layer.Name + "' in " + root.ClassName + ".forward is not followed: " + why + "; call it in forward itself, as " + layer.Name + ".call(x)";
                    var space = Unique(Identifier(layer.Name) + "Channels");
                    _steps.Add(new PlanStep(StepKind.Space, space, layer.Name, Comment: "'" + layer.Name + "': not called in forward where PruneDsl can follow it"));
                    _steps.Add(new PlanStep(StepKind.Producer, space, layer.Name, layer.Access));
                    _steps.Add(new PlanStep(StepKind.Opaque, space, Text: text));
                    result.Add((space, layer));
                    _c.Report(DiagnosticDescriptors.ForwardNotFollowed, Anchors.GroupAttribute(root.Identity, layer.Name), text, "'" + layer.Name + "'");
                }
                return result;
            }

            /// <summary>The space DescribeChannels returns: the output's, when forward returns one space.</summary>
            private string WriteOutput(List<int> outputs)
            {
                var layouts = outputs.Select(o => _c._flat[o].Layout).ToList();
                if (layouts.Count > 0 && layouts.All(l => l.Segments.Length == 1 && !l.Flattened && _c.Find(l.Segments[0]) == _c.Find(layouts[0].Segments[0])))
                    return Variable(layouts[0].Segments[0], _c._flat[outputs[0]].Node.Statement);
                var output = Unique("outputChannels");
                var why = _c._root.ClassName + ".forward returns " + (outputs.Count == 0 ? "no tensor PruneDsl follows" : "a concatenation or a flattened tensor")
                          + ", which a model that uses it as a block sees as one unknown channel space";
                _steps.Add(new PlanStep(StepKind.Space, output, "output", Comment: _c._root.ClassName + ".forward returns"));
                _steps.Add(new PlanStep(StepKind.Opaque, output, Text: why));
                return output;
            }

            /// <summary>The gate statement of a space with [ParticipationGroup] producers: Gate or Evolve (and Prune), or Ungated with why.</summary>
            private void Decide(Summary summary, string variable, List<PlanStep> steps)
            {
                if (summary.SettingsFlat < 0) return;
                if (!summary.Gated)
                {
                    steps.Add(new PlanStep(StepKind.Ungated, variable, summary.Name, Text: Analyzers.Format.List(summary.Ungated)));
                    return;
                }
                var owner = _c._flat[summary.SettingsFlat];
                AddGate(owner.Owner, owner.Layer!, summary.Name, variable, steps, owner.Depth == 0);
            }
        }

        /// <summary>The plan of a block's class (memoised; null while it is being resolved: a cycle).</summary>
        private ClassPlan? PlanOf(ClassGraph block) =>
            _plans.TryGetValue(block.Identity, out var plan) ? plan : Resolve(block, _graphs, true, _plans).Plan;

        private void CollectGates(EquatableArray<PlanStep> steps, string prefix, List<GateInfo> gates, HashSet<string> active)
        {
            foreach (var step in steps)
            {
                if (step.Kind is StepKind.Gate or StepKind.Evolve)
                {
                    gates.Add(new GateInfo(prefix + step.Name, step.Kind == StepKind.Gate));
                }
                else if (step.Kind == StepKind.Block && step.Text is { } identity && _graphs.TryGetValue(identity, out var block) && active.Add(identity))
                {
                    if (PlanOf(block) is { } plan) CollectGates(plan.Describe, prefix + step.Name + ".", gates, active);
                    active.Remove(identity);
                }
            }
        }

        /// <summary>Gate (or Evolve) the space with a group's settings, and Prune it when the group has [Prune].</summary>
        private static void AddGate(ClassGraph owner, LayerInfo layer, string spaceName, string variable, List<PlanStep> steps, bool own)
        {
            var group = layer.Group!;
            var settings = (own ? string.Empty : owner.QualifiedName + ".") + Names.Pascal(layer.Name);
            steps.Add(new PlanStep(group.IsGame ? StepKind.Gate : StepKind.Evolve, variable, spaceName, Text: settings + (group.IsGame ? "Cost" : "Dynamics")));
            if (group.Prune is not null)
                steps.Add(new PlanStep(StepKind.Prune, variable, spaceName, Text: settings + "Prune"));
        }

        private static string Identifier(string name)
        {
            var pascal = Names.Pascal(name.Replace('.', '_'));
            return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        }
    }
}
