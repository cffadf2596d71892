using System;
using System.Linq;
using PruneDsl.Graph;
using PruneDsl.Spec;
using PruneDsl.Thresholds;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Game
{
    /// <summary>
    /// The players of one <c>[ParticipationGroup]</c> Linear layer: one participation <c>s_i</c> per output neuron, gating
    /// the neuron's output (equivalently its effective fan-in row and bias, <c>s_i theta_i</c>). Generated code creates
    /// one per annotated field with <see cref="Attach(nn.Module, string, Linear, CostSpec)"/>. The same class gates a
    /// channel space of a <see cref="ChannelPlan"/> (one participation per channel, shared by every gate site of the
    /// space: <see cref="Groups"/>), created by <see cref="ChannelPlanBuilder.Build"/>.
    /// </summary>
    /// <remarks>
    /// <para>The benefit signal of the game (<see cref="GroupInner"/>) is <c>&lt;grad_theta_i L, theta_i&gt;</c> on the raw
    /// weights. Because the gate multiplies the neuron's output by <c>s_i</c>, the raw weight gradients carry that factor:
    /// the signal equals <c>s_i dL/ds_i</c> (the marginal of the loss in <c>log s_i</c>), not <c>dL/ds_i</c>. It vanishes at
    /// <c>s_i = 0</c>, so under the game's own dynamics a pruned group stays pruned (0 is absorbing).
    /// <see cref="EquilibriumCertificate.Measure"/> checks that choice from the true marginal <c>dL/ds_i</c>, which it
    /// measures by running the gate through a leaf tensor that requires grad (a group at 0 evaluated just above 0, at
    /// s = 1e-12, so that a following ReLU passes the right-derivative); training never does (there the participations
    /// are a plain buffer that autograd does not track, and the gate costs one multiplication).</para>
    /// <para><see cref="Step"/> throws when the gate saw no forward pass since the previous step: the gate is a forward
    /// hook, which a <c>forward</c> that calls <c>layer.forward(x)</c> instead of <c>layer.call(x)</c> bypasses.</para>
    /// </remarks>
    public sealed class ParticipationLayer : IGroupGate
    {
        private const string GateKind = "participation gate";

        private readonly ChannelGroups _groups;
        private readonly string? _model;
        private GateHooks _hooks = null!;
        private Tensor? _keep;
        private Tensor? _marginalLeaf;

        private ParticipationLayer(string name, string? model, ChannelGroups groups, Tensor participation, CostSpec cost)
        {
            Name = name;
            _model = model;
            _groups = groups;
            Participation = participation;
            Cost = cost;
        }

        /// <summary>The field name of the layer, e.g. <c>fc1</c>, or the name of the channel space.</summary>
        public string Name { get; }

        /// <summary>
        /// The gated layer. Throws <see cref="InvalidOperationException"/> for a channel space that is not exactly one
        /// Linear's rows (use <see cref="Groups"/>).
        /// </summary>
        public Linear Layer => _groups.SingleLinear ?? throw NotOneLinear(Name);

        /// <summary>The groups: their members' tensors and the gate sites.</summary>
        public ChannelGroups Groups => _groups;

        /// <summary>The participations s, shape [out_features], values in [0, 1]; a registered buffer of the model.</summary>
        public Tensor Participation { get; }

        /// <inheritdoc />
        Tensor IGroupGate.Gate => Participation;

        /// <summary>
        /// True for the groups that are kept, shape [out_features] (a new tensor): <c>s_i &gt;= Epsilon</c>, unless
        /// <see cref="Keep"/> recorded another decision for the current number of groups. When every participation is
        /// below Epsilon the layer keeps its highest one (<see cref="MinimumKept"/>): a layer is never emptied by its own
        /// threshold. The trainers say so with a warning, or stop (<see cref="Training.WeightTrainingOptions.OnEmptyLayer"/>);
        /// <see cref="EveryGroupBelowEpsilon"/> tells when it happens.
        /// </summary>
        public Tensor KeepMask()
        {
            if (_keep is not null && _keep.shape[0] == Count) return _keep.clone();
            var keep = Participation.ge(Cost.Epsilon);
            if (Count == 0) return keep;
            using (var any = keep.any())
                if (any.item<bool>()) return keep;
            keep.Dispose();
            var mask = new bool[Count];
            using (var values = Participation.detach().to(ScalarType.Float64).cpu())
                MinimumKept.Apply(mask, values.data<double>().ToArray(), 1);
            return tensor(mask, dtype: ScalarType.Bool, device: Participation.device);
        }

        /// <summary>
        /// True when every participation is below Epsilon (and no <see cref="Keep"/> decision overrides the rule): the layer
        /// then keeps only its highest participation (see <see cref="KeepMask"/>).
        /// </summary>
        public bool EveryGroupBelowEpsilon()
        {
            if (Count == 0 || (_keep is not null && _keep.shape[0] == Count)) return false;
            using var _ = no_grad();
            using var max = Participation.max();
            return max.ToDouble() < Cost.Epsilon;
        }

        /// <summary>
        /// Records which groups are kept from any threshold's decision (e.g. EMP over a criterion's scores), overriding the
        /// <c>s_i &gt;= Epsilon</c> rule for <see cref="KeepMask"/>, <see cref="HardPrune"/> and compaction.
        /// </summary>
        /// <param name="decision">One entry per group of this layer.</param>
        public void Keep(KeepDecision decision)
        {
            if (decision is null) throw new ArgumentNullException(nameof(decision));
            if (decision.Count != Count)
                throw new ArgumentException(
                    $"The keep decision has {decision.Count} entries but layer '{Name}' has {Count} groups; decide on this layer's scores.", nameof(decision));
            var keep = decision.ToTensor(Participation.device).DetachFromDisposeScope();
            _keep?.Dispose();
            _keep = keep;
        }

        /// <summary>The cost settings (baked in by the generator from the attributes; may be replaced at run time).</summary>
        public CostSpec Cost { get; set; }

        /// <summary>Number of groups (output neurons).</summary>
        public int Count => (int)Participation.shape[0];

        /// <summary>
        /// How many forward passes went through the gate (for a space with several gate sites, the calls of all sites);
        /// 0 after a forward means the gate was bypassed.
        /// </summary>
        public long GateCalls => _hooks.Passes.Count;

        /// <summary>The forward passes through the gate, and the rule that each step needs one.</summary>
        internal GatePasses Passes => _hooks.Passes;

        /// <summary>
        /// Creates the participations of <paramref name="layer"/> (all 1), registers them as the buffer
        /// <c>{name}_participation</c> of <paramref name="owner"/>, and installs the forward hook that applies them.
        /// </summary>
        /// <param name="owner">The model that owns the layer.</param>
        /// <param name="name">The layer's field name.</param>
        /// <param name="layer">The layer to gate.</param>
        /// <param name="cost">Its cost settings; validated here.</param>
        public static ParticipationLayer Attach(nn.Module owner, string name, Linear layer, CostSpec cost)
        {
            if (owner is null) throw new ArgumentNullException(nameof(owner));
            if (layer is null)
                throw new ArgumentNullException(nameof(layer),
                    $"The [ParticipationGroup] field '{name}' is null when RegisterComponents() runs; create the layer before calling RegisterComponents().");
            return Attach(owner, ChannelGroups.ForLinear(name, layer), cost);
        }

        /// <summary>
        /// Creates one participation per group of <paramref name="groups"/> (all 1), registers it as the buffer
        /// <c>{name}_participation</c> of <paramref name="owner"/> (dots in the name become underscores) and installs the
        /// forward hook that applies it at every gate site. <see cref="ChannelPlanBuilder.Build"/> calls this for each
        /// space given <see cref="ChannelPlanBuilder.Gate"/>.
        /// </summary>
        /// <param name="owner">The model that owns the modules.</param>
        /// <param name="groups">The groups to gate.</param>
        /// <param name="cost">Their cost settings; validated here.</param>
        internal static ParticipationLayer Attach(nn.Module owner, ChannelGroups groups, CostSpec cost)
        {
            var name = groups.Name;
            cost.EnsureValid(name);
            var w = groups.Members[0].Weight!;
            var s = ones(groups.Count, dtype: w.dtype, device: w.device);
            owner.register_buffer(BufferName(name, "participation"), s, persistent: true);
            var gate = new ParticipationLayer(name, owner.GetType().Name, groups, s, cost);
            gate._hooks = GateHooks.Install(groups, () => gate._marginalLeaf ?? gate.Participation);
            return gate;
        }

        /// <summary>The buffer name of a gate: <c>{name}_{kind}</c> with the dots of a qualified name as underscores.</summary>
        internal static string BufferName(string name, string kind) => name.Replace('.', '_') + "_" + kind;

        /// <summary>Removes the gate's hooks: an outer model's channel plan took its modules over.</summary>
        internal void Supersede(string because) => _hooks.Remove(because);

        internal static InvalidOperationException NotOneLinear(string name) => new(
            $"'{name}' gates a channel space, not exactly one Linear layer's rows; read its members through Groups.");

        /// <summary>
        /// Where the certificate evaluates the marginal of a group at exactly 0: s = <see cref="MarginalFloor"/>. At s = 0 a
        /// ReLU after the gate sees an input of exactly 0, where autograd takes its derivative as 0, and would report
        /// <c>dL/ds_i = 0</c> whatever the loss; just above 0 no ReLU of the group is at its kink, the derivative is the
        /// right-derivative at 0 up to O(1e-12), and the outputs change only by rounding (1e-12 of a pre-activation).
        /// </summary>
        internal const double MarginalFloor = 1e-12;

        /// <summary>
        /// Starts measuring the true marginal <c>dL/ds_i</c>: until <see cref="StopMarginal"/>, the gate multiplies the
        /// layer's output by a leaf copy of <see cref="Participation"/> that requires grad (groups below
        /// <see cref="MarginalFloor"/> lifted to it), so every backward pass accumulates <c>dL/ds_i</c> into it, for every
        /// group, including those at 0. No step may run meanwhile (the copy would not follow it).
        /// </summary>
        internal void StartMarginal()
        {
            if (_marginalLeaf is not null)
                throw new InvalidOperationException($"The true marginal dL/ds of layer '{Name}' is already being measured.");
            using var _ = no_grad();
            _marginalLeaf = Participation.clamp_min(MarginalFloor).requires_grad_(true).DetachFromDisposeScope();
        }

        /// <summary>
        /// <c>dL/ds_i</c> summed over the backward passes since <see cref="StartMarginal"/> (a new tensor). Throws when no
        /// gradient reached the gate.
        /// </summary>
        internal Tensor Marginal()
        {
            var leaf = _marginalLeaf ?? throw new InvalidOperationException($"The true marginal dL/ds of layer '{Name}' is not being measured.");
            using var grad = leaf.grad;
            if (grad is null)
                throw new InvalidOperationException(
                    $"No gradient reached the participations of layer '{Name}' while the certificate measured dL/ds: its passes must run the model " +
                    "through its gates (layer.call(x) in forward()) with gradients enabled and call loss.backward().");
            return grad.detach().clone();
        }

        /// <summary>Ends <see cref="StartMarginal"/>: the gate multiplies by <see cref="Participation"/> again.</summary>
        internal void StopMarginal()
        {
            var leaf = _marginalLeaf;
            _marginalLeaf = null;
            if (leaf is null) return;
            leaf.grad?.Dispose();
            leaf.Dispose();
        }

        /// <summary>The exception generated code throws when the gates are used before <c>RegisterComponents()</c> ran.</summary>
        /// <param name="modelName">The model class.</param>
        public static InvalidOperationException NotAttached(string modelName) => new(
            $"The participation layers of '{modelName}' are not attached yet: call RegisterComponents() at the end of the model's constructor, after the layers exist.");

        /// <summary>The groups as rows: <c>[W | b]</c>, shape [out, in + 1] (raw weights, not gated).</summary>
        public Tensor GroupMatrix() => _groups.Matrix();

        /// <summary><c>||theta_i||^2</c> per group (fan-in row and bias; for a channel space every member's slice).</summary>
        public Tensor GroupNormSquared() => _groups.NormSquared();

        /// <summary>
        /// The game's benefit signal: <c>&lt;grad_theta_i L, theta_i&gt;</c> per group from the gradients the last backward
        /// pass left on the layer's raw weights. The gate's factor is in those gradients, so this equals
        /// <c>s_i dL/ds_i</c> (0 for a group at <c>s_i = 0</c>; see the remarks of <see cref="ParticipationLayer"/>).
        /// Throws when there are no gradients (call <c>backward()</c> first).
        /// </summary>
        public Tensor GroupInner() => _groups.Inner("a participation step");

        /// <summary>
        /// dU_i/ds_i (Eq. 13) for every group from the current gradients, with the benefit read from
        /// <see cref="GroupInner"/> (<c>s_i dL/ds_i</c>) by <see cref="CostSpec.Benefit"/>. The competition term's Gram
        /// product is computed only when the current <see cref="Cost"/> has Eta &gt; 0 (decided here, at every step, because
        /// <see cref="Cost"/> may be replaced at run time).
        /// </summary>
        public Tensor UtilityGradient()
        {
            using var _ = no_grad();
            using var inner = GroupInner();
            using var benefit = GameEquations.Benefit(inner, Cost.Benefit);
            var competes = Cost.Eta != 0;
            using var normSquared = Cost.Beta != 0 || competes ? GroupNormSquared() : null;
            using var competition = competes ? CompetitionTerm(normSquared!) : null;
            return GameEquations.UtilityGradient(benefit, normSquared, Participation, competition, Cost);
        }

        /// <summary><c>sum_{j != i} s_j &lt;theta_i, theta_j&gt;</c> for every group.</summary>
        /// <param name="normSquared"><c>||theta_i||^2</c>, from <see cref="GroupNormSquared"/>.</param>
        public Tensor CompetitionTerm(Tensor normSquared)
        {
            using var groups = GroupMatrix();
            return GameEquations.Competition(groups, Participation, normSquared);
        }

        /// <summary>
        /// One projected gradient-ascent step (Eq. 17) with the layer's learning rate, from the gradients of the last
        /// backward pass. Throws an <see cref="InvalidOperationException"/> naming the layer, the model and the fix when the
        /// gate saw no forward pass since the previous step (or, for the first step, none at all): the gate was bypassed
        /// (<c>layer.forward(x)</c> instead of <c>layer.call(x)</c>) or the step was called twice for one pass.
        /// </summary>
        public void Step()
        {
            _hooks.EnsureUsedSinceLastStep(Name, _model, GateKind);
            using var grad = UtilityGradient();
            GameEquations.ProjectedAscent(Participation, grad, Cost.LearningRate);
            _hooks.MarkStep();
        }

        /// <summary>True for the groups to be pruned: the complement of <see cref="KeepMask"/>.</summary>
        public Tensor PrunedMask()
        {
            using var keep = KeepMask();
            return keep.logical_not();
        }

        /// <summary>How many groups are at or above Epsilon.</summary>
        public int KeptCount()
        {
            using var kept = KeepMask();
            using var sum = kept.sum();
            return (int)sum.item<long>();
        }

        /// <summary>
        /// Hard pruning: sets the participation of every pruned group to 0 and zeroes its fan-in row and bias, so the
        /// layer computes exactly what the gated layer computes with those participations at 0.
        /// </summary>
        public void HardPrune()
        {
            using var _ = no_grad();
            using var kept = KeepMask();
            using var keep = kept.to(Participation.dtype);
            Participation.mul_(keep);
            _groups.Scale(keep);
        }

        /// <summary>
        /// Folds the participations into the weights: every gate site's slice (a Linear's fan-in row and bias, a BatchNorm's affine) is multiplied by its <c>s_i</c>, and
        /// <c>s_i</c> becomes 1 for a group with <c>s_i &gt; 0</c> (0 stays 0). The layer computes the same function before
        /// and after (<c>s_i (W_i x + b_i) = (s_i W_i) x + s_i b_i</c>); what the budget's end of the game does after
        /// <see cref="HardPrune"/>, so that the survivors train on at full scale.
        /// </summary>
        public void FoldIntoWeights()
        {
            using var _ = no_grad();
            _groups.Fold(Participation);
            using var alive = Participation.gt(0).to(Participation.dtype);
            Participation.copy_(alive);
        }

        /// <summary>
        /// The 2-norm condition number of the effective weight matrix <c>diag(s) W</c> (torch.linalg.cond), restricted to
        /// the groups that are kept; the paper warns that near-zero participations make it ill-conditioned.
        /// Returns +infinity when no group is kept or the matrix is singular.
        /// </summary>
        public double ConditionNumber()
        {
            using var _ = no_grad();
            using var kept = KeepMask();
            using var keptIdx = kept.nonzero().squeeze(1);
            if (keptIdx.numel() == 0) return double.PositiveInfinity;
            using var filters = _groups.FilterRows();
            using var rows = filters.index_select(0, keptIdx);
            using var s = Participation.index_select(0, keptIdx).unsqueeze(1);
            using var eff = (rows * s).to(float64);
            using var c = linalg.cond(eff);
            var v = c.item<double>();
            return double.IsNaN(v) ? double.PositiveInfinity : v;
        }
    }
}
