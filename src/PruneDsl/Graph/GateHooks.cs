using System;
using System.Collections.Generic;
using System.Linq;
using PruneDsl.Game;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Graph
{
    /// <summary>
    /// The forward hooks of one gate (participations or masses) on every gate site of its space: each multiplies its site's
    /// output by the gate values (the last dim of a Linear's output, dim 1 of a Conv2d's or BatchNorm's), and counts the
    /// passes, per site and in total, for the rule that a step needs a forward pass through the gate
    /// (<see cref="GatePasses"/>).
    /// </summary>
    internal sealed class GateHooks
    {
        private static readonly long[] Channel3 = { -1, 1 };
        private static readonly long[] Channel4 = { -1, 1, 1 };
        private static readonly long[] Channel5 = { -1, 1, 1, 1 };

        private readonly Site[] _sites;
        private string? _removedBecause;

        private GateHooks(Site[] sites) => _sites = sites;

        /// <summary>Forward passes through the gate: counted at every site (one per pass for a single-site gate).</summary>
        public GatePasses Passes { get; } = new();

        /// <summary>Why the hooks were removed (the gate was superseded), or null while they are installed.</summary>
        public string? RemovedBecause => _removedBecause;

        /// <summary>Installs one hook per site of <paramref name="groups"/>, multiplying by <paramref name="values"/>() at each call.</summary>
        public static GateHooks Install(ChannelGroups groups, Func<Tensor> values)
        {
            var sites = groups.Sites.Select(s => new Site(s.Name, s.Module)).ToArray();
            var hooks = new GateHooks(sites);
            foreach (var site in sites)
            {
                if (site.Module is not nn.Module<Tensor, Tensor> module)
                    throw new NotSupportedException($"Gate site '{site.Name}' is a {site.Module.GetType().Name}, not a Module<Tensor, Tensor>.");
                var lastDim = site.Module is Linear;
                var remover = module.register_forward_hook((_, _, output) =>
                {
                    hooks.Passes.Record();
                    site.Passes.Record();
                    return Multiply(output, values(), lastDim);
                });
                site.Remove = remover.remove;
            }
            return hooks;
        }

        /// <summary>output * gate, the gate along the last dim (Linear) or dim 1 (convolutions, BatchNorm).</summary>
        internal static Tensor Multiply(Tensor output, Tensor gate, bool lastDim)
        {
            var dims = output.dim();
            if (lastDim || dims <= 2) return output * gate;
            var shape = dims switch { 3 => Channel3, 4 => Channel4, 5 => Channel5, _ => ChannelShape(dims) };
            using var view = gate.view(shape);
            return output * view;
        }

        private static long[] ChannelShape(long dims)
        {
            var shape = Enumerable.Repeat(1L, (int)dims - 1).ToArray();
            shape[0] = -1;
            return shape;
        }

        /// <summary>
        /// The step rule over every site: throws, naming the sites, when one saw no forward pass since the previous step.
        /// </summary>
        public void EnsureUsedSinceLastStep(string gate, string? model, string what)
        {
            if (_removedBecause is not null)
                throw new InvalidOperationException($"The {what} of '{gate}'{(model is null ? "" : $" of '{model}'")} no longer gate anything: {_removedBecause}");
            Passes.EnsureUsedSinceLastStep(gate, model, what);
            if (_sites.Length == 1) return;
            foreach (var site in _sites)
                if (site.Passes.SinceLastStep == 0)
                {
                    GatePasses.EnsureUsed(_sites.Select(s => ($"{gate}' at '{s.Name}", s.Passes.SinceLastStep)), model, what);
                    return;
                }
        }

        /// <summary>Records a step on the total and on every site.</summary>
        public void MarkStep()
        {
            Passes.MarkStep();
            foreach (var site in _sites) site.Passes.MarkStep();
        }

        /// <summary>Removes every hook (the gate's values then multiply nothing); <paramref name="because"/> is what a later step says.</summary>
        public void Remove(string because)
        {
            if (_removedBecause is not null) return;
            _removedBecause = because;
            foreach (var site in _sites) site.Remove?.Invoke();
        }

        private sealed class Site
        {
            public Site(string name, nn.Module module)
            {
                Name = name;
                Module = module;
            }

            public string Name { get; }

            public nn.Module Module { get; }

            public GatePasses Passes { get; } = new();

            public Action? Remove { get; set; }
        }
    }
}
