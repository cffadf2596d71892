using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PruneDsl.Analyzers
{
    /// <summary>One field of a model class that carries at least one PruneDsl attribute.</summary>
    internal sealed class FieldFacts
    {
        public FieldFacts(IFieldSymbol field, bool isLinear, AttributeData? group, AttributeData? cost, AttributeData? sparsity,
            AttributeData? dynamics, bool evolves)
        {
            Dynamics = dynamics;
            Evolves = evolves;
            Field = field;
            IsLinear = isLinear;
            Group = group;
            Cost = cost;
            Sparsity = sparsity;
        }

        public IFieldSymbol Field { get; }
        public bool IsLinear { get; }
        public AttributeData? Group { get; }
        public AttributeData? Cost { get; }
        public AttributeData? Sparsity { get; }

        /// <summary>The field's own [SelectionDynamics], if any.</summary>
        public AttributeData? Dynamics { get; }

        /// <summary>
        /// Whether the layer evolves instead of playing the game (the generator's rule: the field's own [SelectionDynamics],
        /// or the class's when the field has no [Cost] of its own).
        /// </summary>
        public bool Evolves { get; }

        /// <summary>A [ParticipationGroup] on a Linear field: a layer the generator gates (others are PD0002, the generator's).</summary>
        public bool IsGatedLinear => Group is not null && IsLinear;

        /// <summary>A gated layer that plays the game, so the cost rules apply to it.</summary>
        public bool PlaysGame => IsGatedLinear && !Evolves;
    }

    /// <summary>What the attributes of one class say, read from symbols only (no syntax walk).</summary>
    internal sealed class ClassFacts
    {
        private ClassFacts(INamedTypeSymbol type, AttributeData? cost, AttributeData? trainingLength, AttributeData? dynamics,
            ImmutableArray<FieldFacts> fields, ImmutableArray<IFieldSymbol> linearFields)
        {
            Dynamics = dynamics;
            Type = type;
            Cost = cost;
            TrainingLength = trainingLength;
            Fields = fields;
            LinearFields = linearFields;
            GatedFields = new HashSet<IFieldSymbol>(
                fields.Where(f => f.IsGatedLinear).Select(f => f.Field), SymbolEqualityComparer.Default);
            LinearFieldSet = new HashSet<IFieldSymbol>(linearFields, SymbolEqualityComparer.Default);
        }

        public INamedTypeSymbol Type { get; }

        /// <summary>The class-level [Cost], if any.</summary>
        public AttributeData? Cost { get; }

        /// <summary>The class-level [SelectionDynamics], if any.</summary>
        public AttributeData? Dynamics { get; }

        /// <summary>The class-level [TrainingLength], if any.</summary>
        public AttributeData? TrainingLength { get; }

        /// <summary>Fields with at least one PruneDsl attribute, in declaration order.</summary>
        public ImmutableArray<FieldFacts> Fields { get; }

        /// <summary>Every field of type TorchSharp.Modules.Linear declared by the user, in declaration order.</summary>
        public ImmutableArray<IFieldSymbol> LinearFields { get; }

        /// <summary>The Linear fields with [ParticipationGroup].</summary>
        public HashSet<IFieldSymbol> GatedFields { get; }

        public HashSet<IFieldSymbol> LinearFieldSet { get; }

        public bool IsRelevant => Cost is not null || TrainingLength is not null || !Fields.IsEmpty;

        public bool HasAnyGroup => Fields.Any(f => f.Group is not null);

        public static ClassFacts Read(INamedTypeSymbol type, KnownTypes known)
        {
            AttributeData? cost = null, trainingLength = null, classDynamics = null;
            foreach (var attribute in type.GetAttributes())
            {
                if (Is(attribute, known.Cost)) cost ??= attribute;
                else if (known.SelectionDynamics is not null && Is(attribute, known.SelectionDynamics)) classDynamics ??= attribute;
                else if (known.TrainingLength is not null && Is(attribute, known.TrainingLength)) trainingLength ??= attribute;
            }

            var fields = ImmutableArray.CreateBuilder<FieldFacts>();
            var linear = ImmutableArray.CreateBuilder<IFieldSymbol>();
            foreach (var member in type.GetMembers())
            {
                if (member is not IFieldSymbol field || field.IsImplicitlyDeclared) continue;
                var isLinear = known.IsLinear(field.Type);
                if (isLinear) linear.Add(field);
                AttributeData? group = null, fieldCost = null, sparsity = null, dynamics = null;
                foreach (var attribute in field.GetAttributes())
                {
                    if (Is(attribute, known.ParticipationGroup)) group ??= attribute;
                    else if (Is(attribute, known.Cost)) fieldCost ??= attribute;
                    else if (Is(attribute, known.Sparsity)) sparsity ??= attribute;
                    else if (known.SelectionDynamics is not null && Is(attribute, known.SelectionDynamics)) dynamics ??= attribute;
                }
                var evolves = dynamics is not null || (fieldCost is null && classDynamics is not null);
                if (group is not null || fieldCost is not null || sparsity is not null || dynamics is not null)
                    fields.Add(new FieldFacts(field, isLinear, group, fieldCost, sparsity, dynamics, evolves));
            }
            return new ClassFacts(type, cost, trainingLength, classDynamics, fields.ToImmutable(), linear.ToImmutable());
        }

        private static bool Is(AttributeData attribute, INamedTypeSymbol type) =>
            SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, type);
    }

    /// <summary>Where an attribute and its arguments are in source.</summary>
    internal static class AttributeSyntaxLookup
    {
        public static AttributeSyntax? Syntax(AttributeData? attribute, CancellationToken cancellationToken) =>
            attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

        public static Location? Location(AttributeData? attribute, CancellationToken cancellationToken) =>
            Syntax(attribute, cancellationToken)?.GetLocation();

        /// <summary>The named argument <c>Name = value</c> of an attribute, or null.</summary>
        public static AttributeArgumentSyntax? NamedArgument(AttributeData attribute, string name, CancellationToken cancellationToken) =>
            Syntax(attribute, cancellationToken)?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

        /// <summary>The first positional argument of an attribute, or null.</summary>
        public static AttributeArgumentSyntax? FirstPositional(AttributeData attribute, CancellationToken cancellationToken) =>
            Syntax(attribute, cancellationToken)?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null);
    }
}
