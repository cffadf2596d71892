using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Configuration
{
    /// <summary>One field of a model class that carries at least one PruneDsl attribute, and what its attributes say.</summary>
    internal sealed class FieldConfiguration
    {
        public FieldConfiguration(ModelConfiguration owner, IFieldSymbol field, AttributeData? group, AttributeData? cost,
            AttributeData? sparsity, AttributeData? dynamics, AttributeData? prune, AttributeData? reconstruct, AttributeData? budget = null)
        {
            Budget = budget;
            Owner = owner;
            Field = field;
            Group = group;
            Cost = cost;
            Sparsity = sparsity;
            Dynamics = dynamics;
            Prune = prune;
            Reconstruct = reconstruct;
        }

        /// <summary>The class the field belongs to.</summary>
        public ModelConfiguration Owner { get; }

        public IFieldSymbol Field { get; }

        public AttributeData? Group { get; }

        /// <summary>The field's own [Cost], if any.</summary>
        public AttributeData? Cost { get; }

        public AttributeData? Sparsity { get; }

        /// <summary>The field's own [SelectionDynamics], if any.</summary>
        public AttributeData? Dynamics { get; }

        /// <summary>The field's own [Prune], if any.</summary>
        public AttributeData? Prune { get; }

        /// <summary>The field's own [Reconstruct], if any.</summary>
        public AttributeData? Reconstruct { get; }

        /// <summary>The field's own [Budget], if any.</summary>
        public AttributeData? Budget { get; }

        /// <summary>
        /// The [Budget] whose price replaces this game layer's Gamma: its own, else the class's (null for a layer that does
        /// not play the game, or when neither has one). The runtime's <c>BudgetController</c> applies the same rule.
        /// </summary>
        public AttributeData? GoverningBudget => PlaysGame ? Budget ?? Owner.Budget : null;

        /// <summary>Whether the field is a TorchSharp.Modules.Linear.</summary>
        public bool IsLinear => AttributeNames.IsLinear(Field.Type);

        /// <summary>Whether the field is a TorchSharp.Modules.Conv2d.</summary>
        public bool IsConv2d => AttributeNames.IsConv2d(Field.Type);

        /// <summary>
        /// False when the compiler could not resolve the field's type (a missing using, a typo): the compiler reports
        /// that, and no PruneDsl diagnostic should send the user elsewhere.
        /// </summary>
        public bool TypeResolves => Field.Type.TypeKind != TypeKind.Error;

        /// <summary>A [ParticipationGroup] on a Linear field: a gated layer whose outputs are neurons.</summary>
        public bool IsGatedLinear => Group is not null && IsLinear;

        /// <summary>A [ParticipationGroup] on a field of a type it supports (Linear, Conv2d): a layer the generator gates.</summary>
        public bool IsGatedLayer => Group is not null && AttributeNames.Supports(AttributeNames.ParticipationGroup, Field.Type);

        /// <summary>Whether the layer evolves instead of playing the game (<see cref="ConfigurationMerger.Evolves"/>).</summary>
        public bool Evolves => ConfigurationMerger.Evolves(Owner.Dynamics, Dynamics, Cost);

        /// <summary>A gated layer that plays the game, so the cost rules apply to it.</summary>
        public bool PlaysGame => IsGatedLayer && !Evolves;

        /// <summary>The group's cost settings, merged (<see cref="ConfigurationMerger.Cost"/>).</summary>
        public MergedCost MergedCost => ConfigurationMerger.Cost(Owner.Cost, Cost);

        /// <summary>The layer's selection dynamics when it evolves, else null.</summary>
        public DynamicsSpec? MergedDynamics => ConfigurationMerger.Dynamics(Owner.Dynamics, Dynamics, Cost);

        /// <summary>The layer's [Prune] settings, merged, or null when neither the class nor the field has one.</summary>
        public PruneSpec? MergedPrune => ConfigurationMerger.Prune(Owner.Prune, Prune);

        /// <summary>
        /// The layer's one-shot reconstruction settings, merged (<see cref="ConfigurationMerger.Reconstruction"/>), with the
        /// N:M pattern of its [Sparsity] when it parses; null when neither the class nor the field has a [Reconstruct].
        /// </summary>
        public ReconstructionSpec? MergedReconstruction => ConfigurationMerger.Reconstruction(Owner.Reconstruct, Reconstruct, Sparsity);
    }

    /// <summary>
    /// What the PruneDsl attributes of one class say, read from its symbol once (no syntax walk): the class-level
    /// attributes, every field with a PruneDsl attribute, and the Linear fields in declaration order. The generator's
    /// model builder and the analyzer both start here.
    /// </summary>
    internal sealed class ModelConfiguration
    {
        private ModelConfiguration(INamedTypeSymbol type)
        {
            Type = type;
        }

        public INamedTypeSymbol Type { get; }

        /// <summary>The class-level [Cost], if any.</summary>
        public AttributeData? Cost { get; private set; }

        /// <summary>The class-level [SelectionDynamics], if any.</summary>
        public AttributeData? Dynamics { get; private set; }

        /// <summary>The class-level [Prune], if any.</summary>
        public AttributeData? Prune { get; private set; }

        /// <summary>The class-level [Budget], if any.</summary>
        public AttributeData? Budget { get; private set; }

        /// <summary>The class-level [TrainingLength], if any.</summary>
        public AttributeData? TrainingLength { get; private set; }

        /// <summary>The class-level [Reconstruct], if any (it applies to every Linear field that forward calls).</summary>
        public AttributeData? Reconstruct { get; private set; }

        /// <summary>Fields with at least one PruneDsl attribute, in declaration order.</summary>
        public ImmutableArray<FieldConfiguration> Fields { get; private set; }

        /// <summary>Every instance field of type TorchSharp.Modules.Linear declared by the user, in declaration order.</summary>
        public ImmutableArray<IFieldSymbol> LinearFields { get; private set; }

        /// <summary>Whether any PruneDsl attribute that the analyzer checks is there (class-level ones too: their values are validated).</summary>
        public bool IsRelevant => Cost is not null || Dynamics is not null || Prune is not null || TrainingLength is not null || Reconstruct is not null || Budget is not null || !Fields.IsEmpty;

        public bool HasAnyGroup => Fields.Any(f => f.Group is not null);

        /// <summary>Reads the class.</summary>
        /// <param name="type">The class symbol.</param>
        public static ModelConfiguration Read(INamedTypeSymbol type)
        {
            var configuration = new ModelConfiguration(type);
            foreach (var attribute in type.GetAttributes())
            {
                switch (AttributeNames.Of(attribute))
                {
                    case AttributeNames.Cost: configuration.Cost ??= attribute; break;
                    case AttributeNames.SelectionDynamics: configuration.Dynamics ??= attribute; break;
                    case AttributeNames.Prune: configuration.Prune ??= attribute; break;
                    case AttributeNames.TrainingLength: configuration.TrainingLength ??= attribute; break;
                    case AttributeNames.Reconstruct: configuration.Reconstruct ??= attribute; break;
                    case AttributeNames.Budget: configuration.Budget ??= attribute; break;
                }
            }

            var fields = ImmutableArray.CreateBuilder<FieldConfiguration>();
            var linear = ImmutableArray.CreateBuilder<IFieldSymbol>();
            foreach (var member in type.GetMembers())
            {
                if (member is not IFieldSymbol field || field.IsImplicitlyDeclared) continue;
                if (!field.IsStatic && AttributeNames.IsLinear(field.Type)) linear.Add(field);
                AttributeData? group = null, cost = null, sparsity = null, dynamics = null, prune = null, reconstruct = null, budget = null;
                foreach (var attribute in field.GetAttributes())
                {
                    switch (AttributeNames.Of(attribute))
                    {
                        case AttributeNames.ParticipationGroup: group ??= attribute; break;
                        case AttributeNames.Cost: cost ??= attribute; break;
                        case AttributeNames.Sparsity: sparsity ??= attribute; break;
                        case AttributeNames.SelectionDynamics: dynamics ??= attribute; break;
                        case AttributeNames.Prune: prune ??= attribute; break;
                        case AttributeNames.Reconstruct: reconstruct ??= attribute; break;
                        case AttributeNames.Budget: budget ??= attribute; break;
                    }
                }
                if (group is not null || cost is not null || sparsity is not null || dynamics is not null || prune is not null || reconstruct is not null || budget is not null)
                    fields.Add(new FieldConfiguration(configuration, field, group, cost, sparsity, dynamics, prune, reconstruct, budget));
            }
            configuration.Fields = fields.ToImmutable();
            configuration.LinearFields = linear.ToImmutable();
            return configuration;
        }
    }
}
