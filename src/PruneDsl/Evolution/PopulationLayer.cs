using System;
using System.Linq;
using PruneDsl.Game;
using PruneDsl.Graph;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Evolution
{
    /// <summary>
    /// The populations of one evolving Linear layer ("Pruning as Evolution", docs/equations.md section 2): one mass
    /// <c>m_i</c> per output neuron, multiplying the neuron's output, evolving every step under a selection dynamic with
    /// fitness <c>f_i = -dL/dm_i</c> (the first-order loss decrease of growing the population), smoothed exponentially.
    /// After training, <see cref="PruneToSparsity(double)"/> makes the lowest-mass fraction extinct and
    /// <see cref="HardPrune"/> removes it exactly. Generated code creates one per evolving field with <see cref="Attach(nn.Module, string, Linear, DynamicsSpec)"/>.
    /// </summary>
    /// <remarks>
    /// <para>How the fitness is computed (<see cref="Fitness"/>): the layer computes <c>out_i = m_i (W_i x + b_i)</c>, so
    /// over a batch with upstream gradients <c>g_i = dL/dout_i</c>,
    /// <c>dL/dW_i = m_i sum_b g_bi x_b</c>, <c>dL/db_i = m_i sum_b g_bi</c> and <c>dL/dm_i = sum_b g_bi (W_i x_b + b_i)</c>.
    /// Hence <c>&lt;dL/dW_i, W_i&gt; + (dL/db_i) b_i = m_i dL/dm_i</c>: the raw weight gradients already carry the factor
    /// <c>m_i</c>, and dividing it out gives the exact <c>dL/dm_i</c> from one row-wise dot product per neuron. The masses
    /// are therefore a plain buffer (no <c>requires_grad</c>, nothing for autograd, compaction, state dicts or export to
    /// special-case). An extinct population (<c>m_i = 0</c>) gets fitness 0: every dynamic leaves a zero mass at zero
    /// whatever its fitness.</para>
    /// <para>The weight gradient must be the loss's own gradient when <see cref="Step"/> runs: call it after
    /// <c>backward()</c> and before the optimizer step, gradient clipping or an L2 term added to the gradients.</para>
    /// </remarks>
    public sealed class PopulationLayer : IGroupGate
    {
        private readonly ChannelGroups _groups;
        private DynamicsSpec _spec;
        private ISelectionDynamic _dynamic;
        private Tensor? _smoothed;
        private Tensor? _keep;
        private GateHooks _hooks = null!;
        private readonly string? _model;
        private long _steps;

        private PopulationLayer(string name, string? model, ChannelGroups groups, Tensor mass, DynamicsSpec spec)
        {
            Name = name;
            _model = model;
            _groups = groups;
            Mass = mass;
            _spec = spec;
            _dynamic = SelectionDynamicFactory.Create(spec.Kind);
        }

        /// <summary>The field name of the layer, e.g. <c>fc1</c>, or the name of the channel space.</summary>
        public string Name { get; }

        /// <summary>
        /// The gated layer. Throws <see cref="InvalidOperationException"/> for a channel space that is not exactly one
        /// Linear's rows (use <see cref="Groups"/>).
        /// </summary>
        public Linear Layer => _groups.SingleLinear ?? throw ParticipationLayer.NotOneLinear(Name);

        /// <summary>The groups (populations): their members' tensors and the gate sites.</summary>
        public ChannelGroups Groups => _groups;

        /// <summary>The masses m, shape [out_features], non-negative with mean 1 while training; a registered buffer of the model.</summary>
        public Tensor Mass { get; }

        /// <inheritdoc />
        public Tensor Gate => Mass;

        /// <summary>Number of populations (output neurons).</summary>
        public int Count => (int)Mass.shape[0];

        /// <summary>
        /// The selection-dynamics settings (baked in by the generator from <c>[SelectionDynamics]</c>; may be replaced at run
        /// time). Setting a value with a different <see cref="DynamicsSpec.Kind"/> also replaces <see cref="Dynamic"/>.
        /// </summary>
        public DynamicsSpec Spec
        {
            get => _spec;
            set
            {
                if (value is null) throw new ArgumentNullException(nameof(value));
                value.EnsureValid(Name);
                if (value.Kind != _spec.Kind) _dynamic = SelectionDynamicFactory.Create(value.Kind);
                _spec = value;
            }
        }

        /// <summary>The dynamic that moves the masses (from <see cref="Spec"/>; set another <see cref="ISelectionDynamic"/> to plug one in).</summary>
        public ISelectionDynamic Dynamic
        {
            get => _dynamic;
            set => _dynamic = value ?? throw new ArgumentNullException(nameof(value));
        }

        /// <summary>The smoothed fitness the last <see cref="Step"/> used, shape [out_features]; null before the first step.</summary>
        public Tensor? SmoothedFitness => _smoothed;

        /// <summary>How many selection steps ran.</summary>
        public long Steps => _steps;

        /// <summary>How many forward passes went through the gate; 0 after a forward means the gate was bypassed.</summary>
        public long GateCalls => _hooks.Passes.Count;

        /// <summary>
        /// Creates the masses of <paramref name="layer"/> (all 1), registers them as the buffer <c>{name}_mass</c> of
        /// <paramref name="owner"/>, and installs the forward hook that multiplies the layer's output by them (it runs when
        /// the model's forward calls <c>layer.call(x)</c>).
        /// </summary>
        /// <param name="owner">The model that owns the layer.</param>
        /// <param name="name">The layer's field name.</param>
        /// <param name="layer">The layer to gate.</param>
        /// <param name="spec">Its selection-dynamics settings; validated here.</param>
        public static PopulationLayer Attach(nn.Module owner, string name, Linear layer, DynamicsSpec spec)
        {
            if (owner is null) throw new ArgumentNullException(nameof(owner));
            if (layer is null)
                throw new ArgumentNullException(nameof(layer),
                    $"The evolving field '{name}' is null when RegisterComponents() runs; create the layer before calling RegisterComponents().");
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            return Attach(owner, ChannelGroups.ForLinear(name, layer), spec);
        }

        /// <summary>
        /// Creates one mass per group of <paramref name="groups"/> (all 1), registers them as the buffer <c>{name}_mass</c>
        /// of <paramref name="owner"/> (dots in the name become underscores) and installs the forward hook that applies
        /// them at every gate site. <see cref="ChannelPlanBuilder.Build"/> calls this for each space given
        /// <see cref="ChannelPlanBuilder.Evolve"/>.
        /// </summary>
        /// <param name="owner">The model that owns the modules.</param>
        /// <param name="groups">The groups to gate.</param>
        /// <param name="spec">Their selection-dynamics settings; validated here.</param>
        internal static PopulationLayer Attach(nn.Module owner, ChannelGroups groups, DynamicsSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            var name = groups.Name;
            spec.EnsureValid(name);
            var w = groups.Members[0].Weight!;
            var m = ones(groups.Count, dtype: w.dtype, device: w.device);
            owner.register_buffer(ParticipationLayer.BufferName(name, "mass"), m, persistent: true);
            var population = new PopulationLayer(name, owner.GetType().Name, groups, m, spec);
            population._hooks = GateHooks.Install(groups, () => population.Mass);
            return population;
        }

        /// <summary>Removes the gate's hooks: an outer model's channel plan took its modules over.</summary>
        internal void Supersede(string because) => _hooks.Remove(because);

        /// <summary>
        /// The fitness <c>f_i = -dL/dm_i</c> of every population from the gradients the last backward pass left on the
        /// layer's weight and bias (see the remarks of <see cref="PopulationLayer"/>); 0 for extinct populations. Throws
        /// when there is no weight gradient.
        /// </summary>
        public Tensor Fitness()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            // m_i dL/dm_i = <dL/dW_i, W_i> + dL/db_i b_i.
            var scaled = _groups.Inner("a selection step");
            var alive = Mass.gt(0);
            var fitness = where(alive, scaled.neg().div_(where(alive, Mass, ones_like(Mass))), zeros_like(Mass));
            return fitness.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// One selection step from the gradients of the last backward pass: the fitness (<see cref="Fitness"/>) is smoothed,
        /// <c>F &lt;- Smoothing F + (1 - Smoothing) f</c> (F starts at the first step's f, so there is no bias towards 0),
        /// and <see cref="Dynamic"/> moves the masses with step size <see cref="DynamicsSpec.LearningRate"/>. Throws an
        /// <see cref="InvalidOperationException"/> naming the layer, the model and the fix when the masses saw no forward
        /// pass since the previous step (or, for the first step, none at all): the same rule as
        /// <see cref="ParticipationLayer.Step"/>.
        /// </summary>
        public void Step()
        {
            _hooks.EnsureUsedSinceLastStep(Name, _model, "population masses");
            using var _ = no_grad();
            using var fitness = Fitness();
            using (var finite = fitness.isfinite().all())
            {
                if (!finite.item<bool>())
                    throw new Training.NonFiniteException($"fitness of {Name}",
                        $"the fitness of layer '{Name}' is not finite at selection step {_steps + 1}: the loss or the weights diverged. Lower the weight learning rate.");
            }
            if (_smoothed is null || _smoothed.shape[0] != fitness.shape[0])
            {
                _smoothed?.Dispose();
                _smoothed = fitness.clone().DetachFromDisposeScope();
            }
            else
            {
                _smoothed.mul_(_spec.Smoothing).add_(fitness, alpha: 1 - _spec.Smoothing);
            }
            try
            {
                _dynamic.Update(Mass, _smoothed, _spec.LearningRate);
            }
            catch (InvalidOperationException e) when (e is not Training.NonFiniteException && !MassIsFinite())
            {
                throw new Training.NonFiniteException($"mass of {Name}", $"the masses of layer '{Name}' are not finite after selection step {_steps + 1}: {e.Message}");
            }
            _steps++;
            _hooks.MarkStep();
        }

        private bool MassIsFinite()
        {
            using var _ = no_grad();
            using var finite = Mass.isfinite().all();
            return finite.item<bool>();
        }

        /// <summary>Whether a pruning decision is recorded (<see cref="Keep"/>) for the current number of populations.</summary>
        internal bool HasDecision => _keep is not null && _keep.shape[0] == Count;

        /// <summary>
        /// Restores the selection state a checkpoint recorded: the smoothed fitness (null before the first step) and the
        /// step count, so a resumed run selects exactly as the interrupted one would have.
        /// </summary>
        internal void RestoreSelection(Tensor? smoothed, long steps)
        {
            if (smoothed is not null && !smoothed.shape.SequenceEqual(Mass.shape))
                throw new ArgumentException($"The smoothed fitness of layer '{Name}' has shape [{string.Join(", ", Mass.shape)}]; the restored one has [{string.Join(", ", smoothed.shape)}].", nameof(smoothed));
            _smoothed?.Dispose();
            _smoothed = smoothed?.to(Mass.dtype, Mass.device).clone().DetachFromDisposeScope();
            _steps = steps;
        }

        /// <summary>
        /// Decides which populations survive: the <see cref="DynamicsSpec.TargetSparsity"/> fraction with the lowest mass
        /// is extinct (see <see cref="PruneToSparsity(double)"/>).
        /// </summary>
        public void PruneToSparsity() => PruneToSparsity(_spec.TargetSparsity);

        /// <summary>
        /// Decides which populations survive: the <c>round(p N)</c> lowest-mass ones are extinct (at least one survives;
        /// ties go to the lower index), by <see cref="TargetSparsity"/>. Only the decision is recorded
        /// (<see cref="KeepMask"/>); <see cref="HardPrune"/> applies it.
        /// </summary>
        /// <param name="sparsity">p, the fraction to remove, in [0, 1); 0 keeps every population.</param>
        public void PruneToSparsity(double sparsity) => Keep(new TargetSparsity(sparsity).Select(Mass));

        /// <summary>Records which populations survive from any threshold's decision (e.g. a global one over several layers).</summary>
        /// <param name="decision">One entry per population of this layer.</param>
        public void Keep(KeepDecision decision)
        {
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (decision.Count != Count)
                throw new ArgumentException(
                    $"The keep decision has {decision.Count} entries but layer '{Name}' has {Count} populations; decide on this layer's masses.", nameof(decision));
            var keep = decision.ToTensor(Mass.device).DetachFromDisposeScope();
            _keep?.Dispose();
            _keep = keep;
        }

        /// <summary>
        /// True for the populations that survive, shape [out_features] (a new tensor). Every population survives until
        /// <see cref="PruneToSparsity(double)"/> or <see cref="Keep"/> decides otherwise, and again after compaction has
        /// removed the extinct ones (the layer then has fewer populations than the decision).
        /// </summary>
        public Tensor KeepMask()
        {
            if (_keep is not null && _keep.shape[0] == Count) return _keep.clone();
            return ones(Count, dtype: ScalarType.Bool, device: Mass.device);
        }

        /// <summary>How many populations survive.</summary>
        public int KeptCount()
        {
            using var keep = KeepMask();
            using var kept = keep.sum();
            return (int)kept.item<long>();
        }

        /// <summary>
        /// Hard pruning: sets the mass of every extinct population to 0 and zeroes its fan-in row and bias, so the layer
        /// computes exactly what the gated layer computes with those masses at 0. The surviving masses are left as they are
        /// (not rescaled), which is what makes the result exact.
        /// </summary>
        public void HardPrune()
        {
            using var _ = no_grad();
            using var kept = KeepMask();
            using var keep = kept.to(Mass.dtype);
            Mass.mul_(keep);
            _groups.Scale(keep);
        }

        /// <summary>A summary of the masses and survivors, for reports.</summary>
        public PopulationState Describe()
        {
            using var _ = no_grad();
            using var m = Mass.detach().to(ScalarType.Float64);
            using var sum = m.sum();
            using var sumSquares = m.square().sum();
            using var min = m.min();
            using var max = m.max();
            var total = sum.item<double>();
            var squares = sumSquares.item<double>();
            var effective = total > 0 && squares > 0 ? EffectiveModelPruningMath.EffectiveSampleSize(total, squares) : 0;
            return new PopulationState(Name, Count, KeptCount(), min.item<double>(), max.item<double>(), effective);
        }
    }

    /// <summary>The state of one evolving layer at a point of a run.</summary>
    /// <param name="Layer">The layer's field name.</param>
    /// <param name="Groups">Its number of populations.</param>
    /// <param name="Kept">Populations that survive (all of them until a pruning decision).</param>
    /// <param name="MinMass">The smallest mass.</param>
    /// <param name="MaxMass">The largest mass.</param>
    /// <param name="EffectivePopulations">
    /// <c>(sum m)^2 / sum m^2</c>, the effective number of populations (N when all masses are equal, 1 when one holds all
    /// the mass): how far selection has concentrated the layer.
    /// </param>
    public sealed record PopulationState(string Layer, int Groups, int Kept, double MinMass, double MaxMass, double EffectivePopulations)
    {
        /// <summary>Populations that are extinct.</summary>
        public int Extinct => Groups - Kept;
    }
}
