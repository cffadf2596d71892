namespace PruneDsl.SourceGenerators.Tests;

/// <summary>The model sources the generator tests run on.</summary>
public static class Sources
{
    public const string Usings = """
        using PruneDsl;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        """;

    /// <summary>The model of the mission statement.</summary>
    public const string MnistMlp = Usings + """
        namespace Examples;

        [Cost(Alpha = 1.0, Beta = 0.05, Gamma = 0.05)]
        public partial class MnistMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            private readonly Linear head = Linear(256, 10);

            public MnistMlp() : base(nameof(MnistMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    /// <summary>Per-group overrides of a class default, and a competition term.</summary>
    public const string OverridesWithCompetition = Usings + """
        namespace Examples.Overrides;

        [Cost(Beta = 0.01, Gamma = 0.02, Eta = 0.001, LearningRate = 0.01)]
        internal partial class CompetingMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup, Cost(Gamma = 0.2, Benefit = BenefitSign.Literal)]
            private readonly Linear fc1 = Linear(784, 300);

            [ParticipationGroup, Cost(Eta = 0.0, Epsilon = 0.05)]
            private readonly Linear fc2 = Linear(300, 100);

            private readonly Linear head = Linear(100, 10);

            public CompetingMlp() : base(nameof(CompetingMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    /// <summary>Three gated layers of other widths, no [Cost] (PruneDsl's defaults), in the global namespace.</summary>
    public const string ThreeLayers = Usings + """
        public partial class DeepMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear input_layer = Linear(64, 48);
            [ParticipationGroup] private readonly Linear hidden = Linear(48, 32);
            [ParticipationGroup] private readonly Linear _bottleneck = Linear(32, 16);
            private readonly Linear output = Linear(16, 3);

            public DeepMlp() : base(nameof(DeepMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                var h = functional.relu(input_layer.call(x));
                h = functional.relu(hidden.call(h));
                h = functional.relu(_bottleneck.call(h));
                return output.call(h);
            }
        }
        """;

    /// <summary>Evolution instead of the game, with one layer that keeps playing the game (its own [Cost]).</summary>
    public const string Evolution = Usings + """
        namespace Examples.Evolution;

        [SelectionDynamics(Dynamics.Replicator, LearningRate = 10.0, TargetSparsity = 0.35)]
        public partial class EvolvingMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup, SelectionDynamics(Dynamics.ExponentialWeights, Smoothing = 0.5)] private readonly Linear fc2 = Linear(512, 256);
            [ParticipationGroup, Cost(Gamma = 0.001)] private readonly Linear fc3 = Linear(256, 128);
            private readonly Linear head = Linear(128, 10);

            public EvolvingMlp() : base(nameof(EvolvingMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                var h = functional.relu(fc1.call(x));
                h = functional.relu(fc2.call(h));
                return head.call(functional.relu(fc3.call(h)));
            }
        }
        """;

    /// <summary>The mission's model with its head declared 2:4 sparse.</summary>
    public const string Sparse = Usings + """
        namespace Examples.Sparse;

        [Cost(Alpha = 1.0, Beta = 0.05, Gamma = 0.05)]
        public partial class SparseMlp : Module<Tensor, Tensor>
        {
            [ParticipationGroup] private readonly Linear fc1 = Linear(784, 512);
            [ParticipationGroup] private readonly Linear fc2 = Linear(512, 256);
            [Sparsity("2:4"), Reconstruct(Bits = 8)] private readonly Linear head = Linear(256, 10);

            public SparseMlp() : base(nameof(SparseMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
        }
        """;

    /// <summary>
    /// One-shot reconstruction: a class-level [Reconstruct] over every Linear, fields that override it (fc2 takes its
    /// pattern from its [Sparsity] and quantizes; fc3 removes neurons by OBS into head; head opts out), declared in an
    /// order other than forward's.
    /// </summary>
    public const string Reconstruct = Usings + """
        namespace Examples.OneShot;

        [Reconstruct(ReconstructionMethod.SparseGpt, Sparsity = 0.6, CalibrationBatches = 4)]
        public partial class OneShotMlp : Module<Tensor, Tensor>
        {
            [Reconstruct(ReconstructionMethod.None)] private readonly Linear head = Linear(64, 10);
            [Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.25)] private readonly Linear fc3 = Linear(128, 64);
            [Sparsity("2:4"), Reconstruct(Bits = 4, GroupSize = 64)] private readonly Linear fc2 = Linear(256, 128);
            private readonly Linear fc1 = Linear(784, 256);

            public OneShotMlp() : base(nameof(OneShotMlp)) => RegisterComponents();

            public override Tensor forward(Tensor x) =>
                head.call(functional.relu(fc3.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))))));
        }
        """;

    /// <summary>A model nested in two partial types (a static class and a record), with an evolving layer.</summary>
    public const string Nested = Usings + """
        namespace Examples.Nested;

        public static partial class Experiments
        {
            internal partial record Setup(int Seed)
            {
                [Cost(Gamma = 0.001)]
                public sealed partial class NestedMlp : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(784, 128);
                    [ParticipationGroup, SelectionDynamics] private readonly Linear fc2 = Linear(128, 64);
                    private readonly Linear head = Linear(64, 10);

                    public NestedMlp() : base(nameof(NestedMlp)) => RegisterComponents();

                    public override Tensor forward(Tensor x)
                    {
                        var h = functional.relu(fc1.call(x));
                        return head.call(functional.relu(fc2.call(h)));
                    }
                }
            }
        }
        """;
}
