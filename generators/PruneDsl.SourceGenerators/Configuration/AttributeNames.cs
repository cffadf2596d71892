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

        /// <summary>Metadata name of <c>[Reconstruct]</c>.</summary>
        public const string Reconstruct = "PruneDsl.ReconstructAttribute";

        /// <summary>Metadata name of <c>[Budget]</c>.</summary>
        public const string Budget = "PruneDsl.BudgetAttribute";

        /// <summary>Metadata name of <c>[TrainingLength]</c>.</summary>
        public const string TrainingLength = "PruneDsl.TrainingLengthAttribute";

        /// <summary>The layer type every attribute supports.</summary>
        public const string Linear = "TorchSharp.Modules.Linear";

        /// <summary>The convolution [ParticipationGroup] supports (a group per output channel).</summary>
        public const string Conv2d = "TorchSharp.Modules.Conv2d";

        /// <summary>Which PruneDsl attribute this is (its metadata name), or null for any other attribute.</summary>
        /// <param name="attribute">The attribute.</param>
        public static string? Of(AttributeData attribute) =>
            attribute.AttributeClass is { ContainingNamespace: { Name: "PruneDsl", ContainingNamespace.IsGlobalNamespace: true } } type
                ? "PruneDsl." + type.MetadataName
                : null;

        /// <summary>Whether the type is TorchSharp.Modules.Linear.</summary>
        /// <param name="type">The type.</param>
        public static bool IsLinear(ITypeSymbol? type) => IsTorchModule(type, "Linear");

        /// <summary>Whether the type is TorchSharp.Modules.Conv2d.</summary>
        /// <param name="type">The type.</param>
        public static bool IsConv2d(ITypeSymbol? type) => IsTorchModule(type, "Conv2d");

        /// <summary>Whether the type is TorchSharp.Modules.Sequential.</summary>
        /// <param name="type">The type.</param>
        public static bool IsSequential(ITypeSymbol? type) => IsTorchModule(type, "Sequential");

        /// <summary>
        /// The one rule of which layer types an attribute goes on: [ParticipationGroup] on Linear (a group per output
        /// neuron) and Conv2d (a group per output channel), [Sparsity] and [Reconstruct] on Linear.
        /// </summary>
        /// <param name="attribute">The attribute's metadata name.</param>
        /// <param name="type">The field's type.</param>
        public static bool Supports(string attribute, ITypeSymbol? type) =>
            IsLinear(type) || attribute == ParticipationGroup && IsConv2d(type);

        /// <summary>The layer types <see cref="Supports"/> accepts for an attribute, as a message names them.</summary>
        /// <param name="attribute">The attribute's metadata name.</param>
        public static string SupportedTypes(string attribute) =>
            attribute == ParticipationGroup ? Linear + " or " + Conv2d : Linear;

        private static bool IsTorchModule(ITypeSymbol? type, string name) =>
            type is INamedTypeSymbol
            {
                ContainingNamespace: { Name: "Modules", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } },
            } named && named.Name == name && named.Arity == 0;

        /// <summary>Whether the type derives from TorchSharp.torch.nn.Module (any of its generic forms).</summary>
        /// <param name="type">The type.</param>
        public static bool IsModule(INamedTypeSymbol type)
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
                if (b is { Name: "Module", ContainingType: { Name: "nn", ContainingType: { } torch } } && IsTorch(torch)) return true;
            return false;
        }

        /// <summary>Whether the type derives from TorchSharp.torch.nn.Module&lt;Tensor, Tensor&gt; (a model <c>OneShot.Run</c> takes).</summary>
        /// <param name="type">The type.</param>
        public static bool IsTensorModule(INamedTypeSymbol type)
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
                if (b is { Name: "Module", Arity: 2, ContainingType: { Name: "nn", ContainingType: { } torch } } && IsTorch(torch)
                    && IsTensor(b.TypeArguments[0]) && IsTensor(b.TypeArguments[1]))
                    return true;
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
