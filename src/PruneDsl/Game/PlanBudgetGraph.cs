using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Graph;
using PruneDsl.Spec;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// Reads what a budget counts (<see cref="BudgetGraph"/>) from a model's channel plan: one budget space per plan space,
    /// one term per Linear and Conv2d of the model, with its inputs from the plan's consumers (concatenations, flattens),
    /// its outputs from the space it produces, and its output positions from one probe pass (<see cref="MacCounter.OutputPositions"/>).
    /// </summary>
    internal static class PlanBudgetGraph
    {
        /// <summary>The graph, and the index of the space each game layer gates.</summary>
        /// <param name="plan">The model's channel plan.</param>
        /// <param name="model">The model.</param>
        /// <param name="layers">The game layers (their names are the plan's space names).</param>
        /// <param name="countMacs">Whether MACs are counted: only then does the probe pass run (and layers that forward does
        /// not run are left out); parameters and groups need no probe.</param>
        /// <param name="exampleShape">One example's shape for the probe pass, or null (the plan's declared input shape, else
        /// every Linear counted at one position and every convolution's MACs unknown: <see cref="CountsMacs"/>).</param>
        /// <param name="spaceOf">Per game layer: its space's index.</param>
        public static BudgetGraph Build(ChannelPlan plan, nn.Module model, IReadOnlyList<ParticipationLayer> layers, bool countMacs, long[]? exampleShape, out int[] spaceOf)
        {
            var spaces = plan.Spaces;
            var index = new Dictionary<string, int>();
            for (var s = 0; s < spaces.Count; s++) index[spaces[s].Name] = s;
            spaceOf = layers.Select(l => index.TryGetValue(l.Name, out var s) ? s
                : throw new ArgumentException($"The game layer '{l.Name}' of '{plan.ModelName}' is not a space of its channel plan, so a budget cannot count it.")).ToArray();
            var gated = new HashSet<int>(spaceOf);

            var producers = new Dictionary<nn.Module, (int Space, ChannelMember Member)>(ReferenceEqualityComparer.Instance);
            for (var s = 0; s < spaces.Count; s++)
                foreach (var member in spaces[s].Members)
                    if (member.Role != ChannelRole.Normalizer) producers[member.Module] = (s, member);
            var consumers = new Dictionary<nn.Module, ChannelConsumer>(ReferenceEqualityComparer.Instance);
            foreach (var consumer in plan.Consumers) consumers[consumer.Module] = consumer;

            var shape = countMacs ? exampleShape ?? plan.InputShape?.ToArray() : null;
            IReadOnlyDictionary<nn.Module, long>? positions = shape is not null && model is nn.Module<Tensor, Tensor> forward
                ? MacCounter.OutputPositions(forward, shape)
                : null;
            var budgetSpaces = spaces.Select((s, i) => new BudgetSpace(s.Name, s.Width ?? 0, gated.Contains(i))).ToArray();

            var terms = new List<BudgetTerm>();
            var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
            foreach (var (name, module) in model.named_modules())
            {
                if (module is not (Conv2d or Linear) || !seen.Add(module)) continue; // once, under its first name
                var weight = ModuleTensors.Weight(module)!;
                long outputs = weight.shape[0], inputs = weight.shape[1];
                var area = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
                var hasPositions = positions is not null && positions.ContainsKey(module);
                if (positions is not null && !hasPositions) continue; // not run by forward
                var at = hasPositions ? positions![module] : module is Conv2d ? -1 : 1;

                var outSpace = -1;
                double perOut = ModuleTensors.Bias(module) is null ? 0 : 1;
                var inSpaces = Array.Empty<int>();
                long columns = 1;
                if (producers.TryGetValue(module, out var produced))
                {
                    outSpace = produced.Space;
                    if (produced.Member.Normalizer is { } norm && ModuleTensors.Weight(norm.Module) is not null)
                        perOut += ModuleTensors.Bias(norm.Module) is null ? 1 : 2;
                    if (produced.Member.Role == ChannelRole.PerChannel) inputs = 1; // depthwise: one input channel per output channel
                }
                if (produced.Member?.Role != ChannelRole.PerChannel && consumers.TryGetValue(module, out var consumer))
                {
                    var parts = consumer.Parts.Select(p => index[p.Name]).ToArray();
                    if (parts.Any(gated.Contains))
                    {
                        var known = parts.Where(p => budgetSpaces[p].Width > 0).Sum(p => budgetSpaces[p].Width);
                        var unknown = parts.Count(p => budgetSpaces[p].Width <= 0);
                        void Refuse(string why) => throw new ArgumentException(
                            $"The channel plan of '{plan.ModelName}' says '{consumer.Name}' reads {string.Join(" + ", parts.Select(p => $"'{spaces[p].Name}'"))}, but {why}; a budget cannot count it (compaction would refuse it too).");
                        if (consumer.Kind == ConsumerKind.Channels)
                        {
                            if (unknown > 0)
                            {
                                // A part without producers (the model's input) has the width the rest leaves.
                                var rest = inputs - known;
                                if (rest <= 0 || rest % unknown != 0) Refuse($"its {inputs} input channels leave {rest} for the {unknown} part(s) without producers");
                                foreach (var p in parts.Where(p => budgetSpaces[p].Width <= 0)) budgetSpaces[p] = budgetSpaces[p] with { Width = rest / unknown };
                            }
                            else if (known != inputs) Refuse($"those have {known} channels and it takes {inputs}");
                        }
                        else
                        {
                            if (unknown > 0) Refuse("a part without producers has no known width inside the flatten");
                            if (known <= 0 || inputs % known != 0) Refuse($"its {inputs} input features are not a whole number of columns for each of the {known} channels");
                            columns = inputs / known;
                        }
                        inSpaces = parts;
                    }
                }
                if (at < 0 && module is Conv2d)
                    at = 0; // no probe: the convolution's MACs are unknown (CountsMacs is false)
                terms.Add(new BudgetTerm(name, inputs, inSpaces, columns, outputs, outSpace,
                    MacsPerPair: at * area, ParamsPerPair: area, ParamsPerOut: perOut));
            }
            return new BudgetGraph(budgetSpaces, terms);
        }

        /// <summary>Whether the graph's MACs are known: every convolution's output positions were probed.</summary>
        /// <param name="graph">A graph from <see cref="Build"/>.</param>
        public static bool CountsMacs(BudgetGraph graph) =>
            graph.Terms.All(t => t.MacsPerPair > 0);
    }
}
