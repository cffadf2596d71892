using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Configuration
{
    /// <summary>The PruneDsl attributes and the TorchSharp type they go on, recognised by name (no symbol lookup).</summary>
    internal static class AttributeNames
    {
        /// <summary>Metadata name of <c>[Cost]</c>.</summary>
        public const string Cost = "PruneDsl.CostAttribute";

        /// <summary>Metadata name of <c>[ParticipationGroup]</c>.</summary>
        public const string ParticipationGroup = "PruneDsl.ParticipationGroupAttribute";

        /// <summary>Metadata name of <c>[Sparsity]</c>.</summary>
        public const string Sparsity = "PruneDsl.SparsityAttribute";

        /// <summary>Metadata name of <c>[SelectionDynamics]</c>.</summary>
        public const string SelectionDynamics = "PruneDsl.SelectionDynamicsAttribute";

        /// <summary>Metadata name of <c>[Prune]</c>.</summary>
        public const string Prune = "PruneDsl.PruneAttribute";

        /// <summary>Metadata name of <c>[Budget]</c>.</summary>
        public const string Budget = "PruneDsl.BudgetAttribute";

        /// <summary>Metadata name of <c>[TrainingLength]</c>.</summary>
        public const string TrainingLength = "PruneDsl.TrainingLengthAttribute";

        /// <summary>The one layer type the attributes support.</summary>
        public const string Linear = "TorchSharp.Modules.Linear";

        /// <summary>Which PruneDsl attribute this is (its metadata name), or null for any other attribute.</summary>
        /// <param name="attribute">The attribute.</param>
        public static string? Of(AttributeData attribute) =>
            attribute.AttributeClass is { ContainingNamespace: { Name: "PruneDsl", ContainingNamespace.IsGlobalNamespace: true } } type
                ? "PruneDsl." + type.MetadataName
                : null;

        /// <summary>Whether the type is TorchSharp.Modules.Linear.</summary>
        /// <param name="type">The type.</param>
        public static bool IsLinear(ITypeSymbol? type) =>
            type is INamedTypeSymbol
            {
                Name: "Linear",
                ContainingNamespace: { Name: "Modules", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } },
            };

        /// <summary>Whether the type derives from TorchSharp.torch.nn.Module (any of its generic forms).</summary>
        /// <param name="type">The type.</param>
        public static bool IsModule(INamedTypeSymbol type)
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
                if (b is { Name: "Module", ContainingType: { Name: "nn", ContainingType: { } torch } } && IsTorch(torch)) return true;
            return false;
        }

        /// <summary>Whether the type is TorchSharp.torch.Tensor.</summary>
        /// <param name="type">The type.</param>
        public static bool IsTensor(ITypeSymbol? type) =>
            type is INamedTypeSymbol { Name: "Tensor", ContainingType: { } torch } && IsTorch(torch);

        private static bool IsTorch(INamedTypeSymbol type) =>
            type is { Name: "torch", ContainingType: null, ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } };
    }
}
