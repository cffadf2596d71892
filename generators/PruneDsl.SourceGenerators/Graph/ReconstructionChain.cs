using System.Collections.Generic;
using System.Linq;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>Where one Linear layer sits in forward, for one-shot reconstruction.</summary>
    /// <param name="Name">The layer's name (its field name).</param>
    /// <param name="FirstCall">The index of the node of its first call in <see cref="ClassGraph.Nodes"/>, or -1 when forward does not call it where PruneDsl follows it.</param>
    /// <param name="Consumer">
    /// The Linear layer that reads its outputs, or null: its output reaches exactly that layer's call, through channel-wise,
    /// zero-preserving operations only (activations, dropout), and nothing else.
    /// </param>
    /// <param name="NoConsumer">When <paramref name="Consumer"/> is null: why, as a clause ("it is the model's output layer: ...").</param>
    /// <param name="IsOutput">Whether forward returns its outputs (through channel-wise operations only).</param>
    internal sealed record ChainPosition(string Name, int FirstCall, string? Consumer, string? NoConsumer, bool IsOutput);

    /// <summary>
    /// The one rule of the order in which one-shot reconstruction runs a model's Linear layers and of which layer consumes
    /// a layer's neurons (what OBS compensates), read from the channel graph of forward (<see cref="ForwardReader"/>), not
    /// from the declaration order: the layers in the order forward first calls them; a layer's consumer is the Linear its
    /// output flows into through <see cref="NodeKind.Same"/> nodes alone.
    /// </summary>
    internal static class ReconstructionChain
    {
        /// <summary>The position of each named layer, in forward order (those forward does not call last, in the order given).</summary>
        /// <param name="graph">The class's graph.</param>
        /// <param name="names">The Linear layers of interest.</param>
        public static IReadOnlyList<ChainPosition> Read(ClassGraph graph, IEnumerable<string> names)
        {
            var nodes = graph.Nodes;
            var users = new List<int>[nodes.Count];
            for (var i = 0; i < nodes.Count; i++) users[i] = new List<int>();
            var calls = new Dictionary<string, List<int>>();
            for (var i = 0; i < nodes.Count; i++)
            {
                foreach (var input in nodes[i].Inputs)
                    if (input >= 0 && input < nodes.Count) users[input].Add(i);
                if (nodes[i].Kind == NodeKind.Layer && nodes[i].Layer is { } layer)
                {
                    if (!calls.TryGetValue(layer, out var list)) calls[layer] = list = new List<int>();
                    list.Add(i);
                }
            }
            var layers = new Dictionary<string, LayerInfo>();
            foreach (var l in graph.Layers) layers[l.Name] = l;

            var positions = new List<ChainPosition>();
            foreach (var name in names)
            {
                if (!calls.TryGetValue(name, out var called))
                {
                    positions.Add(new ChainPosition(name, -1, null, "forward does not call it where PruneDsl can follow it", false));
                    continue;
                }
                if (called.Count > 1)
                {
                    positions.Add(new ChainPosition(name, called[0], null, "forward calls it " + called.Count + " times, so its outputs have no single consumer", false));
                    continue;
                }

                // The uses of the layer's output, through Same nodes (activations, dropout: channel j stays channel j and 0 stays 0).
                var consumers = new List<int>();
                var output = false;
                var other = new List<string>();
                var pending = new Stack<int>();
                pending.Push(called[0]);
                var seen = new HashSet<int>();
                while (pending.Count > 0)
                {
                    var node = pending.Pop();
                    if (!seen.Add(node)) continue;
                    foreach (var user in users[node])
                    {
                        var u = nodes[user];
                        if (u.Kind == NodeKind.Same) pending.Push(user);
                        else if (u.Kind == NodeKind.Output) output = true;
                        else if (u.Kind == NodeKind.Layer && u.Layer is { } l && layers.TryGetValue(l, out var info) && info.Kind == LayerKind.Linear) consumers.Add(user);
                        else other.Add(u.Statement);
                    }
                }

                var distinct = consumers.Select(c => nodes[c].Layer!).Distinct().ToList();
                if (distinct.Count == 1 && !output && other.Count == 0)
                {
                    positions.Add(new ChainPosition(name, called[0], distinct[0], null, false));
                    continue;
                }
                string why;
                if (output && distinct.Count == 0 && other.Count == 0)
                    why = "it is the model's output layer: forward returns its outputs, and no layer of the model reads them";
                else if (distinct.Count == 0 && other.Count == 0)
                    why = "no layer reads its outputs";
                else
                    why = "its outputs go to " + Describe(distinct, output, other) + ", not to one Linear layer alone through channel-wise operations";
                positions.Add(new ChainPosition(name, called[0], null, why, output));
            }
            return positions
                .Select((p, i) => (p, i))
                .OrderBy(x => x.p.FirstCall < 0 ? int.MaxValue : x.p.FirstCall)
                .ThenBy(x => x.i)
                .Select(x => x.p)
                .ToList();
        }

        private static string Describe(List<string> linear, bool output, List<string> other)
        {
            var parts = linear.Select(l => "'" + l + "'").ToList();
            if (output) parts.Add("forward's result");
            parts.AddRange(other.Distinct().Select(s => "'" + s + "'"));
            return parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[parts.Count - 1];
        }
    }
}
