using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PruneDsl.SourceGenerators.Diagnostics;
using PruneDsl.SourceGenerators.Models;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>
    /// The coupling rule, in one place (the runtime executes the plan and never derives it again). Channels are coupled
    /// when they must be kept or removed together: the output channels of a producer (a Conv2d with groups 1, a Linear)
    /// start a space; channel-preserving operations keep it; tensors added together (and a variable's values on the two
    /// sides of a branch) are one space; a concatenation along the channels lays spaces side by side; a depthwise Conv2d
    /// maps a space onto itself; a flatten gives each channel a block of a Linear's columns. A block (a field whose class
    /// is a PruneDsl model) is expanded from its own graph, so its input and output couple with the outer graph.
    /// A space with a [ParticipationGroup] producer is gated with the first such producer's settings; every tensor that
    /// feeds it without a gate of its own (forward's input, a tensor made in forward, an un-annotated producer) keeps it
    /// from being compacted (Ungated), and so does anything not followed (Opaque): it still trains with its gate.
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
        private readonly List<(int Space, int Flat)> _producers = new();
        private readonly HashSet<int> _normalizers = new();
        private readonly Dictionary<string, int> _calls = new();
        private readonly List<(int Space, string Text, SourceAnchor? Anchor)> _opaque = new();
        private readonly List<(int Space, int Flat, string How)> _normalizedAfterGate = new();
        private readonly List<(int Space, int Flat)> _frees = new();
        private readonly List<(int A, int Flat)> _joins = new();
        private readonly List<DiagnosticInfo> _diagnostics = new();

        private Coupling(ClassGraph root, IReadOnlyDictionary<string, ClassGraph> graphs, Dictionary<string, ClassPlan?> plans)
        {
            _root = root;
            _graphs = graphs;
            _plans = plans;
        }

        /// <summary>One node of the expanded graph: the class's own nodes (depth 0) and its blocks' nodes, inlined.</summary>
        private sealed class Flat
        {
            public NodeKind Kind;
            public int[] Inputs = System.Array.Empty<int>();
            public LayerInfo? Layer;
            public string Path = string.Empty;
            public string Instance = string.Empty;
            public int Depth;
            public ClassGraph Owner = null!;
            public GraphNode Node = null!;
            public string? Text;
            public Layout Layout = Layout.None;
            public int Output = -1;
            public int Uses;
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
            public static readonly Layout None = new(System.Array.Empty<int>(), Rank.Unknown, false);

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
            var (plan, diagnostics) = Resolve(graph, byIdentity, usedAsBlock, new Dictionary<string, ClassPlan?>());
            var inference = result.Model.Inference;
            var noInference = inference?.Fields.FirstOrDefault(f => f.Kind == InferenceFieldKind.Block && !(byIdentity.TryGetValue(f.Block!, out var b) && b.HasInference));
            if (noInference is not null)
            {
                // A block without an inference module of its own: the model has none either (PD0006 says why).
                inference = null;
                diagnostics.Insert(0, new DiagnosticInfo(DiagnosticDescriptors.NoInferenceModule.Id, null,
                    new EquatableArray<string>(new[] { graph.ClassName, "its forward uses the block '" + noInference.Name + "', whose class has no inference module" }),
                    Anchors.Class(graph.Identity)));
            }
            return result with
            {
                Model = result.Model with { Plan = plan, Inference = inference },
                Diagnostics = diagnostics.Count == 0 ? result.Diagnostics : new EquatableArray<DiagnosticInfo>(result.Diagnostics.Concat(diagnostics)),
            };
        }

        /// <summary>
        /// Resolves a model class: its plan and the diagnostics about its channels. The class is read as the outermost
        /// model; when <paramref name="usedAsBlock"/>, the spaces that touch its input or output are left to the models that
        /// use it (they report them with their own couplings).
        /// </summary>
        private static (ClassPlan Plan, List<DiagnosticInfo> Diagnostics) Resolve(ClassGraph graph, IReadOnlyDictionary<string, ClassGraph> graphs,
            bool usedAsBlock, Dictionary<string, ClassPlan?> plans)
        {
            plans[graph.Identity] = null; // being resolved: a block of itself is a cycle
            var coupling = new Coupling(graph, graphs, plans);
            coupling.Expand(graph, string.Empty, 0, -1, new HashSet<string> { graph.Identity });
            coupling.Propagate();
            var summaries = coupling.Summarize();
            coupling.ReportSpaces(summaries.Values, usedAsBlock);
            var plan = new PlanWriter(coupling, summaries).Write();
            plans[graph.Identity] = plan;
            return (plan, coupling._diagnostics);
        }

        // ---- expansion ----

        /// <summary>Appends a class's nodes (a block's with its prefix); returns the node of what a block's forward returns.</summary>
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
                            map[i] = Add(NodeKind.Opaque, inputs, layer, prefix, depth, graph, node);
                            _flat[map[i]].Text = Explain(_flat[map[i]], "'" + Qualify(prefix, node.Layer ?? "?") + "' is a block PruneDsl cannot read: " + why,
                                "make the field's class a partial PruneDsl model with a Tensor forward(Tensor)");
                            continue;
                        }
                        var call = Add(NodeKind.Block, inputs, layer, prefix, depth, graph, node);
                        active.Add(block!.Identity);
                        map[i] = Expand(block, Qualify(prefix, node.Layer!), depth + 1, inputs[0], active);
                        active.Remove(block.Identity);
                        _flat[call].Output = map[i];
                        continue;
                    }
                }
                map[i] = Add(node.Kind, inputs, layer, prefix, depth, graph, node);
                if (node.Kind == NodeKind.Opaque && node.Fact >= 0) _flat[map[i]].Text = graph.Facts[node.Fact].Text(graph.ClassName);
            }
            if (depth == 0) return -1;
            if (outputs.Count == 1) return outputs[0];
            if (outputs.Count == 0) return Add(NodeKind.Free, System.Array.Empty<int>(), null, prefix, depth, graph, new GraphNode(NodeKind.Free, EquatableArray<int>.Empty, null, graph.ClassName + ".forward"));
            return Add(NodeKind.Join, outputs.ToArray(), null, prefix, depth, graph, new GraphNode(NodeKind.Join, EquatableArray<int>.Empty, null, graph.ClassName + ".forward returns"));
        }

        private int Add(NodeKind kind, int[] inputs, LayerInfo? layer, string prefix, int depth, ClassGraph owner, GraphNode node)
        {
            foreach (var input in inputs) _flat[input].Uses++;
            _flat.Add(new Flat
            {
                Kind = kind,
                Inputs = inputs,
                Layer = layer,
                Path = layer is null ? string.Empty : Qualify(prefix, layer.Name),
                Instance = prefix,
                Depth = depth,
                Owner = owner,
                Node = node,
            });
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

        /// <summary>The runtime's rule for qualified names (ChannelPlanBuilder.Qualify).</summary>
        private static string Qualify(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

        // ---- spaces ----

        private int NewSpace(string name)
        {
            _spaces.Add(new Space { Parent = _spaces.Count, Name = name });
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
            // The older space stays the representative, as the runtime's Join keeps the first-declared name.
            if (b < a) (a, b) = (b, a);
            _spaces[b].Parent = a;
            _spaces[a].IsInput |= _spaces[b].IsInput;
            if (at >= 0) _joins.Add((a, at));
        }

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
                        var space = NewSpace(InputVariable);
                        _spaces[space].IsInput = true;
                        node.Layout = new Layout(new[] { space }, Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Free:
                    {
                        var space = NewSpace("tensor");
                        _frees.Add((space, i));
                        node.Layout = new Layout(new[] { space }, Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Layer:
                        node.Layout = ApplyLayer(i, node, first);
                        break;
                    case NodeKind.Same:
                    case NodeKind.Block:
                    case NodeKind.Output:
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
                        node.Layout = parts.Any(p => p.Flattened)
                            ? NotFollowed(node, "it concatenates flattened tensors, whose columns PruneDsl cannot assign to channels", "concatenate first, then flatten")
                            : new Layout(parts.SelectMany(p => p.Segments).ToArray(),
                                parts.All(p => p.Rank == Rank.Spatial) ? Rank.Spatial : parts.All(p => p.Rank == Rank.Features) ? Rank.Features : Rank.Unknown, false);
                        break;
                    }
                    case NodeKind.Opaque:
                        node.Layout = MarkOpaque(node, node.Text ?? Explain(node, "it is not followed", "see PD0008"));
                        break;
                }
            }
        }

        private Layout ApplyLayer(int index, Flat node, Layout input)
        {
            var layer = node.Layer!;
            if (layer.Kind is LayerKind.Linear or LayerKind.Conv2d or LayerKind.BatchNorm2d && _calls.TryGetValue(node.Path, out var firstCall))
            {
                // Weight sharing: the same module's channels are the same channels at every call.
                var text = Explain(node, "'" + node.Path + "' is called more than once in forward, and PruneDsl does not follow a module shared between calls", "give each call its own layer");
                var layout = MarkOpaque(node, text);
                var firstLayout = _flat[firstCall].Layout;
                if (firstLayout.Segments.Length == 1) Union(firstLayout.Segments[0], layout.Segments[0], -1);
                return layout;
            }
            _calls[node.Path] = index;

            switch (layer.Kind)
            {
                case LayerKind.Linear:
                case LayerKind.Conv2d when layer.Sizes.Groups == 1:
                {
                    var space = NewSpace(node.Path);
                    _producers.Add((space, index));
                    return new Layout(new[] { space }, layer.Kind == LayerKind.Linear ? Rank.Features : Rank.Spatial, false);
                }
                case LayerKind.Conv2d when layer.Sizes.IsDepthwise:
                    return input.Segments.Length == 1
                        ? new Layout(input.Segments, Rank.Spatial, false)
                        : NotFollowed(node, "'" + node.Path + "' is a depthwise convolution applied to a concatenation", "apply it to each part");
                case LayerKind.Conv2d:
                {
                    var why = layer.Sizes.Groups is { } g
                        ? "'" + node.Path + "' is a grouped convolution (groups = " + g.ToString(CultureInfo.InvariantCulture) + ", not depthwise with groups == in_channels == out_channels), whose channels can only be removed in whole groups"
                        : "the groups of '" + node.Path + "' are not a compile-time constant, so PruneDsl cannot tell whether it is depthwise";
                    var layout = NotFollowed(node, why, "give it groups: 1, or groups == in_channels == out_channels (depthwise), as constants");
                    if (layer.IsGated && node.Depth == 0) Report(DiagnosticDescriptors.ForwardNotFollowed, node.Node.Anchor, node.Text!, "'" + node.Path + "'");
                    return layout;
                }
                case LayerKind.BatchNorm2d:
                {
                    var producer = _flat[node.Inputs[0]];
                    var direct = input.Segments.Length == 1
                                 && producer is { Kind: NodeKind.Layer, Text: null, Uses: 1 }
                                 && (producer.Layer!.Produces || producer.Layer.Sizes.IsDepthwise)
                                 && producer.Instance == node.Instance && producer.Depth == node.Depth;
                    if (direct)
                    {
                        _normalizers.Add(index);
                    }
                    else
                    {
                        var how = HowAfterGate(producer, node);
                        node.Text = "'" + node.Node.Statement + "' in " + node.Owner.ClassName + ".forward: '" + node.Path + "' normalizes these channels after their participation gate ("
                                    + how + "), so a pruned channel would leave its bias instead of 0; apply it directly to the output of the Conv2d that produces the channels";
                        foreach (var segment in input.Segments)
                        {
                            _normalizedAfterGate.Add((segment, index, how));
                            _opaque.Add((segment, node.Text, null));
                        }
                    }
                    return new Layout(input.Segments, Rank.Spatial, false);
                }
                default:
                    return input;
            }
        }

        /// <summary>Why a BatchNorm2d's input is not its producer's direct output (for PD0027).</summary>
        private static string HowAfterGate(Flat input, Flat bn) => input switch
        {
            { Kind: NodeKind.Layer, Layer: { } layer } when layer.Produces || layer.Sizes.IsDepthwise =>
                input.Instance != bn.Instance || input.Depth != bn.Depth
                    ? "'" + input.Path + "' produces them inside another class"
                    : "the output of '" + input.Path + "' is also used elsewhere, so its gate stays on '" + input.Path + "'",
            { Kind: NodeKind.Layer, Layer.Kind: LayerKind.BatchNorm2d } => "it follows another BatchNorm2d, '" + input.Path + "'",
            { Kind: NodeKind.Same } => "it follows '" + input.Node.Statement + "'",
            { Kind: NodeKind.Join } => "the channels were added together first",
            { Kind: NodeKind.Cat } => "the channels were concatenated first",
            { Kind: NodeKind.Input } => "it normalizes forward's input",
            _ => "it does not follow the layer that produces the channels directly",
        };

        private Layout Join(int index, Flat node)
        {
            var parts = node.Inputs.Select(n => _flat[n].Layout).ToList();
            var first = parts[0];
            if (parts.Any(p => p.Segments.Length != first.Segments.Length || p.Flattened != first.Flattened))
                return NotFollowed(node, "it adds tensors whose channels are laid out differently (a concatenation and a single tensor, or a flattened and a 4-D one)",
                    "add tensors of the same shape");
            foreach (var part in parts.Skip(1))
                for (var k = 0; k < first.Segments.Length; k++)
                    Union(first.Segments[k], part.Segments[k], index);
            var rank = parts.All(p => p.Rank == first.Rank) ? first.Rank : parts.Select(p => p.Rank).FirstOrDefault(r => r != Rank.Unknown);
            return new Layout(first.Segments, rank, first.Flattened);
        }

        /// <summary>Marks a node's input spaces opaque with an explanation found while resolving; its result is an unknown space.</summary>
        private Layout NotFollowed(Flat node, string why, string fix)
        {
            node.Text = Explain(node, why, fix);
            return MarkOpaque(node, node.Text);
        }

        private Layout MarkOpaque(Flat node, string text)
        {
            node.Text = text;
            var anchor = node.Node.Fact >= 0 ? node.Owner.Facts[node.Node.Fact].Anchor : node.Node.Anchor;
            foreach (var input in node.Inputs)
                foreach (var segment in _flat[input].Layout.Segments)
                    _opaque.Add((segment, text, anchor));
            var space = NewSpace("unknown");
            _opaque.Add((space, text, anchor));
            return new Layout(new[] { space }, Rank.Unknown, false);
        }

        private static string Explain(Flat node, string why, string fix) =>
            "'" + node.Node.Statement + "' in " + node.Owner.ClassName + ".forward is not followed: " + why + "; " + fix;

        // ---- decisions and diagnostics ----

        /// <summary>Everything known about one coupling class after propagation.</summary>
        private sealed class Summary
        {
            public string Name = string.Empty;
            public int Order;
            public int MinDepth = int.MaxValue;
            public readonly List<int> Producers = new();
            public readonly List<string> Ungated = new();
            public readonly List<(string Text, SourceAnchor? Anchor)> Opaque = new();
            public readonly List<(int Flat, string How)> NormalizedAfterGate = new();
            public bool IsInput;
            public bool IsOutput;
            public int SettingsFlat = -1;
        }

        private Dictionary<int, Summary> Summarize()
        {
            var summaries = new Dictionary<int, Summary>();
            Summary Of(int space)
            {
                var root = Find(space);
                if (!summaries.TryGetValue(root, out var summary))
                    summaries[root] = summary = new Summary { Order = root, IsInput = _spaces[root].IsInput, Name = _spaces[root].Name };
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
                // A space is named after its first producer (as the runtime reports it).
                if (summary.Producers.Count > 0) summary.Name = _flat[summary.Producers[0]].Path;
                var annotated = summary.Producers.Where(p => _flat[p].Layer!.IsGated).ToList();
                if (annotated.Count == 0) continue;
                summary.SettingsFlat = annotated[0];
                if (summary.IsInput) summary.Ungated.Add("the input of forward");
                foreach (var (space, flat) in _frees)
                    if (Find(space) == Find(summary.Order)) summary.Ungated.Add("'" + _flat[flat].Node.Statement + "', a tensor made in forward");
                foreach (var producer in summary.Producers.Where(p => !_flat[p].Layer!.IsGated))
                    summary.Ungated.Add("the output of '" + _flat[producer].Path + "', which has no [ParticipationGroup]");
            }
            return summaries;
        }

        /// <summary>
        /// The diagnostics about the spaces this class owns: the ones its own forward touches (a block's internal spaces
        /// are its class's to report), less, for a class other models use as a block, the spaces at its input and output.
        /// </summary>
        private void ReportSpaces(IEnumerable<Summary> summaries, bool usedAsBlock)
        {
            foreach (var summary in summaries.OrderBy(s => s.Order))
            {
                if (summary.MinDepth > 0 || summary.SettingsFlat < 0) continue;
                if (usedAsBlock && (summary.IsInput || summary.IsOutput)) continue;
                var gated = summary.Producers.Where(p => _flat[p].Layer!.IsGated).ToList();

                if (summary.Ungated.Count > 0)
                {
                    var unannotated = summary.Producers.Where(p => !_flat[p].Layer!.IsGated).Select(p => "'" + _flat[p].Path + "'").ToList();
                    foreach (var producer in gated)
                    {
                        var layer = _flat[producer].Path;
                        var fix = unannotated.Count == summary.Ungated.Count
                            ? "annotate " + Analyzers.Format.List(unannotated) + " with [ParticipationGroup] too (every layer feeding one add is pruned with one shared participation), or remove [ParticipationGroup] from '" + layer + "'"
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
                    if (flat >= 0) Report(DiagnosticDescriptors.NormalizedAfterGate, _flat[flat].Node.Anchor, _flat[flat].Path, summary.Name, how);
                foreach (var (text, anchor) in summary.Opaque)
                    if (anchor is not null) Report(DiagnosticDescriptors.ForwardNotFollowed, anchor, text, "'" + summary.Name + "'");
            }
        }

        /// <summary>How two coupled groups' settings differ (the second's value, then the first's), or null when they agree.</summary>
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
            foreach (var (a, flat) in _joins)
                if (Find(a) == Find(summary.Order)) return "joined at '" + _flat[flat].Node.Statement + "'";
            return "in one channel space";
        }

        private SourceAnchor AnchorOfGroup(int producer) =>
            Anchors.GroupAttribute(_flat[producer].Owner.Identity, _flat[producer].Layer!.Name);

        private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourceAnchor? anchor, params string[] arguments)
        {
            var info = new DiagnosticInfo(descriptor.Id, null, new EquatableArray<string>(arguments), anchor);
            if (!_diagnostics.Contains(info)) _diagnostics.Add(info);
        }

        /// <summary>The plan of a block's class (memoised; null while it is being resolved: a cycle).</summary>
        private ClassPlan? PlanOf(ClassGraph block) =>
            _plans.TryGetValue(block.Identity, out var plan) ? plan : Resolve(block, _graphs, true, _plans).Plan;

        // ---- the plan of this class: its DescribeChannels and its root statements ----

        /// <summary>Writes the statements of the class's own nodes (depth 0), in forward order.</summary>
        private sealed class PlanWriter
        {
            private readonly Coupling _c;
            private readonly Dictionary<int, Summary> _summaries;
            private readonly List<PlanStep> _steps = new();
            private readonly Dictionary<int, string> _variables = new();
            private readonly Dictionary<int, string> _runtimeNames = new();
            private readonly List<int> _order = new();
            private readonly Dictionary<int, string> _members = new();
            private readonly HashSet<string> _identifiers = new() { InputVariable, "plan", "prefix", "output", "Name" };
            private readonly HashSet<string> _spaceNames = new();
            private readonly HashSet<string> _described = new();
            private string? _lastStatement;

            public PlanWriter(Coupling coupling, Dictionary<int, Summary> summaries)
            {
                _c = coupling;
                _summaries = summaries;
                // A local named like a field would hide it.
                foreach (var layer in coupling._root.Layers) _identifiers.Add(layer.Name);
            }

            private void Step(PlanStep step, string? statement)
            {
                var comment = statement is not null && statement != _lastStatement ? "forward: " + statement : null;
                if (statement is not null) _lastStatement = statement;
                _steps.Add(comment is null ? step : step with { Comment = comment });
            }

            /// <summary>The variable of a space, declared where it is first needed.</summary>
            private string Variable(int space, string? statement)
            {
                var root = _c.Find(space);
                if (_variables.TryGetValue(root, out var existing)) return existing;
                var summary = _summaries[root];
                var name = UniqueName(summary.Name);
                var variable = Unique(Identifier(name) + "Channels");
                _variables[root] = variable;
                _runtimeNames[root] = name;
                _order.Add(root);
                Step(new PlanStep(StepKind.Space, variable, name), statement);
                if (summary.SettingsFlat < 0)
                {
                    // Spaces without producers that something reads must say why they have none (the runtime checks it).
                    if (summary.Producers.Count == 0 && !summary.IsInput && summary.Opaque.Count == 0)
                        Step(new PlanStep(StepKind.Ungated, variable, Text: Analyzers.Format.List(_c._frees.Where(f => _c.Find(f.Space) == root)
                            .Select(f => "'" + _c._flat[f.Flat].Node.Statement + "', a tensor made in forward").DefaultIfEmpty("a tensor made in forward"))), statement);
                }
                return variable;
            }

            private string UniqueName(string name)
            {
                var candidate = name;
                for (var n = 2; !_spaceNames.Add(candidate); n++) candidate = name + n.ToString(CultureInfo.InvariantCulture);
                return candidate;
            }

            private string Unique(string name)
            {
                var candidate = name;
                for (var n = 2; !_identifiers.Add(candidate); n++) candidate = name + n.ToString(CultureInfo.InvariantCulture);
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
                        {
                            var root = _c.Find(node.Layout.Segments[0]);
                            _variables[root] = InputVariable;
                            _runtimeNames[root] = InputVariable; // the outermost model names it so; a block's input is its caller's space
                            _spaceNames.Add(InputVariable);
                            _order.Add(root);
                            break;
                        }
                        case NodeKind.Output:
                            outputs.Add(i);
                            break;
                        case NodeKind.Block:
                            WriteBlock(node, input);
                            break;
                        case NodeKind.Layer when node.Layer!.Kind == LayerKind.BatchNorm2d && node.Text is null:
                            Step(new PlanStep(StepKind.Normalizer, Variable(input.Segments[0], statement), node.Layer.Name, node.Layer.Access,
                                Other: _members[node.Inputs[0]]), statement);
                            break;
                        case NodeKind.Opaque:
                        case NodeKind.Layer or NodeKind.Join or NodeKind.Cat when node.Text is not null:
                            WriteOpaque(node, node.Text!);
                            break;
                        case NodeKind.Layer when node.Layer!.Produces:
                            WriteConsumer(node, input);
                            WriteMember(StepKind.Producer, i, node, node.Layout.Segments[0]);
                            break;
                        case NodeKind.Layer when node.Layer!.Kind == LayerKind.Conv2d:
                            WriteMember(StepKind.PerChannel, i, node, input.Segments[0]);
                            break;
                    }
                }

                var unseen = WriteUnseenLayers(seen);
                var output = WriteOutput(outputs);

                // The gates of the spaces this class owns, in the order they were made: every space but its input's and output's.
                var outputRoot = _variables.FirstOrDefault(v => v.Value == output).Key;
                var inputRoot = _variables.FirstOrDefault(v => v.Value == InputVariable).Key;
                var hasInput = _variables.ContainsValue(InputVariable);
                foreach (var root in _order)
                {
                    if (hasInput && root == inputRoot || root == outputRoot) continue;
                    Decide(root, _variables[root], _steps);
                }
                foreach (var (variable, layer) in unseen)
                    AddGate(_c._root, layer, layer.Name, variable, _steps, true);

                // As the outermost model: its output's space is its own too (its input's space is not gated: forward's input
                // feeds it, so no channel of it can be removed), and forward returns the output.
                var rootSteps = new List<PlanStep>();
                if (output != InputVariable && _variables.ContainsValue(output)) Decide(outputRoot, "output", rootSteps);
                rootSteps.Add(new PlanStep(StepKind.Output, "output"));

                var describe = new EquatableArray<PlanStep>(_steps);
                var gates = new List<GateInfo>();
                _c.CollectGates(describe, string.Empty, gates, new HashSet<string> { _c._root.Identity });
                foreach (var step in rootSteps)
                    if (step.Kind is StepKind.Gate or StepKind.Evolve) gates.Add(new GateInfo(step.Name!, step.Kind == StepKind.Gate));
                var outputName = _variables.ContainsValue(output) ? _runtimeNames[outputRoot] : "output";
                var hasPrune = _steps.Concat(rootSteps).Any(s => s.Kind == StepKind.Prune)
                               || _steps.Any(s => s.Kind == StepKind.Block && _c._graphs.TryGetValue(s.Text!, out var g) && _c.PlanOf(g) is { HasPrune: true });
                return new ClassPlan(describe, output, outputName, new EquatableArray<PlanStep>(rootSteps), new EquatableArray<GateInfo>(gates), hasPrune);
            }

            /// <summary>A producer or depthwise conv; its member is kept in a variable when a BatchNorm normalizes it.</summary>
            private void WriteMember(StepKind kind, int index, Flat node, int space)
            {
                var normalized = _c._flat.Select((f, j) => (f, j)).Any(p => p.f.Inputs.Length > 0 && p.f.Inputs[0] == index && _c._normalizers.Contains(p.j));
                string? member = null;
                if (normalized)
                {
                    member = Unique(Identifier(node.Layer!.Name) + "Member");
                    _members[index] = member;
                }
                Step(new PlanStep(kind, Variable(space, node.Node.Statement), node.Layer!.Name, node.Layer.Access, Other: member), node.Node.Statement);
            }

            private void WriteOpaque(Flat node, string text)
            {
                var statement = node.Node.Statement;
                foreach (var inputNode in node.Inputs)
                    foreach (var segment in _c._flat[inputNode].Layout.Segments.Distinct())
                        Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
                foreach (var segment in node.Layout.Segments.Distinct())
                    if (!node.Inputs.Any(n => _c._flat[n].Layout.Segments.Any(s => _c.Find(s) == _c.Find(segment))))
                        Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
            }

            private void WriteConsumer(Flat node, Layout input)
            {
                var layer = node.Layer!;
                var statement = node.Node.Statement;
                var parts = input.Segments.Select(s => Variable(s, statement)).ToList();
                var flatten = input.Flattened && layer.Kind == LayerKind.Linear;
                if (layer.SparseGroup > 1 && (flatten || parts.Count > 1))
                {
                    var text = Explain(node, "'" + layer.Name + "' is an N:M sparse Linear reading a flattened or concatenated tensor, whose N:M groups PruneDsl cannot keep whole",
                        "give it a tensor of one space's channels");
                    foreach (var part in parts.Distinct()) Step(new PlanStep(StepKind.Opaque, part, Text: text), statement);
                    return;
                }
                if (flatten)
                    Step(new PlanStep(StepKind.FlattenConsumer, parts[0], layer.Name, layer.Access, Other: string.Join(", ", parts)), statement);
                else if (parts.Count > 1)
                    Step(new PlanStep(StepKind.ConcatConsumer, parts[0], layer.Name, layer.Access, Other: string.Join(", ", parts)), statement);
                else
                    Step(new PlanStep(StepKind.Consumer, parts[0], layer.Name, layer.Access, Groups: layer.SparseGroup), statement);
            }

            private void WriteBlock(Flat node, Layout input)
            {
                var layer = node.Layer!;
                var statement = node.Node.Statement;
                var outputSegments = node.Output >= 0 ? _c._flat[node.Output].Layout.Segments : System.Array.Empty<int>();
                if (!_described.Add(layer.Name) || input.Segments.Length != 1 || input.Flattened)
                {
                    // DescribeChannels describes a block once, on one space.
                    var text = Explain(node, _described.Contains(layer.Name) && input.Segments.Length == 1 && !input.Flattened
                            ? "'" + layer.Name + "' is called more than once in forward, and PruneDsl does not follow a block shared between calls"
                            : "'" + layer.Name + "' is a block called on a concatenated or flattened tensor, and a block's input is one channel space",
                        "give each call its own block, called on one tensor");
                    foreach (var segment in input.Segments.Concat(outputSegments).Select(_c.Find).Distinct())
                        Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
                    return;
                }

                var inputVariable = Variable(input.Segments[0], statement);
                var blockPlan = _c.PlanOf(_c._graphs[layer.Block!]);
                var returnsInput = blockPlan is { ReturnsInput: true };
                // A block whose output is its input's space (an identity residual) returns the space it was given.
                var variable = returnsInput ? inputVariable : Unique(Identifier(layer.Name) + "Channels");
                Step(new PlanStep(StepKind.Block, variable, layer.Name, layer.Access, Text: layer.Block, Other: inputVariable), statement);
                foreach (var name in Descendants(layer.Name, _c._graphs[layer.Block!])) _spaceNames.Add(name);
                if (outputSegments.Length != 1 || returnsInput) return;
                var root = _c.Find(outputSegments[0]);
                if (_variables.TryGetValue(root, out var existing))
                {
                    Step(new PlanStep(StepKind.Join, existing, Other: variable), statement);
                }
                else
                {
                    _variables[root] = variable;
                    _runtimeNames[root] = Qualify(layer.Name, blockPlan?.OutputName ?? "output");
                    _order.Add(root);
                }
            }

            /// <summary>The names a block's spaces take (so that this class's own spaces do not collide with them).</summary>
            private IEnumerable<string> Descendants(string prefix, ClassGraph block) =>
                _c.PlanOf(block) is { } plan
                    ? plan.Describe.Where(s => s.Kind == StepKind.Space).Select(s => Qualify(prefix, s.Name!))
                    : Enumerable.Empty<string>();

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
                    var comment = "'" + layer.Name + "': not called in forward where PruneDsl can follow it";
                    _steps.Add(new PlanStep(StepKind.Space, space, UniqueName(layer.Name), Comment: comment));
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
                // Several spaces side by side (or none): each is opaque, and the output is one unknown space.
                var text = _c._root.ClassName + ".forward returns " + (outputs.Count == 0 ? "no tensor PruneDsl follows" : "a concatenation or a flattened tensor")
                           + ", which PruneDsl describes as one unknown channel space; return one tensor of one space's channels";
                var statement = "return";
                foreach (var segment in layouts.SelectMany(l => l.Segments).Select(_c.Find).Distinct())
                    Step(new PlanStep(StepKind.Opaque, Variable(segment, statement), Text: text), statement);
                var output = Unique("outputChannels");
                var name = UniqueName("output");
                Step(new PlanStep(StepKind.Space, output, name), statement);
                Step(new PlanStep(StepKind.Opaque, output, Text: text), statement);
                _variables[-1] = output;
                _runtimeNames[-1] = name;
                return output;
            }

            /// <summary>The gate of a space with [ParticipationGroup] producers (Gate or Evolve, and Prune), and Ungated with why.</summary>
            private void Decide(int root, string variable, List<PlanStep> steps)
            {
                if (!_summaries.TryGetValue(root, out var summary) || summary.SettingsFlat < 0) return;
                var owner = _c._flat[summary.SettingsFlat];
                AddGate(owner.Owner, owner.Layer!, _runtimeNames[root], variable, steps, owner.Depth == 0, owner.Instance);
                if (summary.Ungated.Count > 0)
                    steps.Add(new PlanStep(StepKind.Ungated, variable, Text: Analyzers.Format.List(summary.Ungated)));
            }
        }

        private void CollectGates(EquatableArray<PlanStep> steps, string prefix, List<GateInfo> gates, HashSet<string> active)
        {
            foreach (var step in steps)
            {
                if (step.Kind is StepKind.Gate or StepKind.Evolve)
                {
                    gates.Add(new GateInfo(Qualify(prefix, step.Name!), step.Kind == StepKind.Gate));
                }
                else if (step.Kind == StepKind.Block && step.Text is { } identity && _graphs.TryGetValue(identity, out var block) && active.Add(identity))
                {
                    if (PlanOf(block) is { } plan) CollectGates(plan.Describe, Qualify(prefix, step.Name!), gates, active);
                    active.Remove(identity);
                }
            }
        }

        /// <summary>Gate (or Evolve) a space with a group's settings, and Prune it when the group has [Prune].</summary>
        /// <param name="owner">The class that declares the group's layer.</param>
        /// <param name="layer">The group's layer.</param>
        /// <param name="spaceName">The space's name (what the runtime calls the gate).</param>
        /// <param name="variable">The space's variable.</param>
        /// <param name="steps">Where the statements go.</param>
        /// <param name="own">Whether the layer is this class's own (else a block's: its settings are that class's fields).</param>
        /// <param name="instance">For a block's layer, the block's prefix (the group's name is qualified with it).</param>
        private static void AddGate(ClassGraph owner, LayerInfo layer, string spaceName, string variable, List<PlanStep> steps, bool own, string instance = "")
        {
            var group = layer.Group!;
            var settings = (own ? string.Empty : owner.QualifiedName + ".") + Emit.Names.Pascal(layer.Name);
            var origin = Qualify(instance, layer.Name);
            steps.Add(new PlanStep(group.IsGame ? StepKind.Gate : StepKind.Evolve, variable, spaceName, Text: settings + (group.IsGame ? "Cost" : "Dynamics"), Other: origin));
            if (group.Prune is not null)
                steps.Add(new PlanStep(StepKind.Prune, variable, spaceName, Text: settings + "Prune", Other: origin));
        }

        private static string Identifier(string name)
        {
            var pascal = Emit.Names.Pascal(name.Replace('.', '_'));
            return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        }
    }
}
