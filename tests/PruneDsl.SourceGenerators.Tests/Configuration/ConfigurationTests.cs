using System.Linq;
using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The one attribute reader and merge rule (Configuration/), which the generator's model and every analyzer share: read
/// from compiled attributes, class-level settings first, then the field's own.
/// </summary>
public class ConfigurationTests
{
    private static ModelConfiguration Read(string source, string typeName)
    {
        var compilation = GeneratorHarness.Compile(("Model.cs", Sources.Usings + source));
        return ModelConfiguration.Read(compilation.GetTypeByMetadataName(typeName)!);
    }

    private const string Model = """
        [Cost(Beta = 0.01, Gamma = 0.02, LearningRate = 0.5), SelectionDynamics(Dynamics.ExponentialWeights, Smoothing = 0.5), Prune(Criterion.Taylor, Beta = 2), TrainingLength(Epochs = 3, StepsPerEpoch = 7)]
        public partial class Net : Module<Tensor, Tensor>
        {
            [ParticipationGroup, Cost(Gamma = 0.3, Benefit = BenefitSign.Magnitude)] private readonly Linear fc1 = Linear(8, 6);
            [ParticipationGroup] private readonly Linear fc2 = Linear(6, 4);
            [ParticipationGroup, SelectionDynamics(LearningRate = 3), Prune(Criterion.MagnitudeL1, PruneThreshold.TargetSparsity, Sparsity = 0.25)] private readonly Linear fc3 = Linear(4, 4);
            [Sparsity("2:4")] private readonly Linear head = Linear(4, 2);
            private readonly Linear unused = Linear(2, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => head.call(fc3.call(fc2.call(fc1.call(x))));
        }
        """;

    [Fact]
    public void Field_cost_overrides_only_what_it_names_and_says_so()
    {
        var model = Read(Model, "Net");
        var fc1 = model.Fields.Single(f => f.Field.Name == "fc1");
        Assert.Equal(CostSpec.Default with { Beta = 0.01, Gamma = 0.3, LearningRate = 0.5, Benefit = BenefitSign.Magnitude }, fc1.MergedCost.Spec);
        Assert.Equal("the class's [Cost], with Gamma, Benefit from the field's [Cost]", fc1.MergedCost.Source);
        var fc2 = model.Fields.Single(f => f.Field.Name == "fc2");
        Assert.Equal(CostSpec.Default with { Beta = 0.01, Gamma = 0.02, LearningRate = 0.5 }, fc2.MergedCost.Spec);
        Assert.Equal("the class's [Cost]", fc2.MergedCost.Source);
        Assert.Equal("defaults", ConfigurationMerger.Cost(null, null).Source);
    }

    [Fact]
    public void Class_dynamics_apply_to_groups_without_their_own_cost()
    {
        var model = Read(Model, "Net");
        var byName = model.Fields.ToDictionary(f => f.Field.Name);
        Assert.False(byName["fc1"].Evolves); // its own [Cost] keeps it in the game
        Assert.True(byName["fc1"].PlaysGame);
        Assert.True(byName["fc2"].Evolves);
        Assert.Equal(new DynamicsSpec(Dynamics.ExponentialWeights, Smoothing: 0.5), byName["fc2"].MergedDynamics);
        Assert.Equal(new DynamicsSpec(LearningRate: 3), byName["fc3"].MergedDynamics); // the field's own replaces the class's
        Assert.Null(byName["fc1"].MergedDynamics);
    }

    [Fact]
    public void Field_prune_overrides_the_class_and_keeps_what_it_does_not_name()
    {
        var model = Read(Model, "Net");
        var byName = model.Fields.ToDictionary(f => f.Field.Name);
        Assert.Equal(new PruneSpec(Criterion.Taylor, PruneThreshold.Effective, Beta: 2), byName["fc1"].MergedPrune);
        Assert.Equal(new PruneSpec(Criterion.MagnitudeL1, PruneThreshold.TargetSparsity, Sparsity: 0.25, Beta: 2), byName["fc3"].MergedPrune);
    }

    [Fact]
    public void Linear_fields_sparsity_and_schedule_are_read()
    {
        var model = Read(Model, "Net");
        Assert.Equal(new[] { "fc1", "fc2", "fc3", "head", "unused" }, model.LinearFields.Select(f => f.Name));
        Assert.Equal(new[] { "fc1", "fc2", "fc3", "head" }, model.Fields.Select(f => f.Field.Name));
        Assert.True(SettingsReader.TryReadPattern(model.Fields.Single(f => f.Field.Name == "head").Sparsity!, out var pattern));
        Assert.Equal("2:4", pattern);
        Assert.Equal(new TrainingSchedule(3, 7), SettingsReader.ReadSchedule(model.TrainingLength!));
        Assert.True(model.IsRelevant);
    }

    [Fact]
    public void Named_settings_merge_like_attribute_arguments()
    {
        var spec = SettingsReader.WithCostSetting(CostSpec.Default, "Beta", 1);
        spec = SettingsReader.WithCostSetting(spec, "Gamma", 0.25f);
        spec = SettingsReader.WithCostSetting(spec, "Benefit", 2);
        spec = SettingsReader.WithCostSetting(spec, "Unknown", 5.0);
        spec = SettingsReader.WithCostSetting(spec, "Eta", "not a number");
        Assert.Equal(CostSpec.Default with { Beta = 1, Gamma = 0.25, Benefit = BenefitSign.Magnitude }, spec);
    }

    /// <summary>An argument the compiler could not bind (a string for a double) leaves the setting as it was.</summary>
    [Fact]
    public void Unbound_arguments_leave_the_settings_alone()
    {
        var model = Read("""
            [Cost(Beta = "x", Gamma = 0.5)]
            public partial class Broken : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                public Broken() : base("Broken") { }
                public override Tensor forward(Tensor x) => x;
            }
            """, "Broken");
        Assert.Equal(CostSpec.Default with { Gamma = 0.5 }, model.Fields.Single().MergedCost.Spec);
    }

    [Fact]
    public void Reconstruct_settings_read_named_arguments_and_ignore_what_does_not_fit()
    {
        var spec = new[]
        {
            ("Sparsity", (object)0.7), ("BlockSize", 64), ("Dampening", 0.05f), ("CalibrationBatches", 4), ("Bits", 4),
            ("GroupSize", 32), ("Unknown", 3), ("Bits", "eight"), ("BlockSize", 1.5),
        }.Aggregate(ReconstructionSpec.Default, (s, a) => SettingsReader.WithReconstructionSetting(s, a.Item1, a.Item2));
        Assert.Equal(new ReconstructionSpec(Sparsity: 0.7, BlockSize: 64, Dampening: (double)0.05f, CalibrationBatches: 4, Bits: 4, GroupSize: 32), spec);
    }
}
