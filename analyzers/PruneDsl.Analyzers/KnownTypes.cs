using Microsoft.CodeAnalysis;

namespace PruneDsl.Analyzers
{
    /// <summary>The PruneDsl and TorchSharp types the analyzers look for, resolved once per compilation.</summary>
    internal sealed class KnownTypes
    {
        private KnownTypes(INamedTypeSymbol cost, INamedTypeSymbol group, INamedTypeSymbol sparsity,
            INamedTypeSymbol? trainingLength, INamedTypeSymbol? selectionDynamics, INamedTypeSymbol? linear, INamedTypeSymbol? nn)
        {
            SelectionDynamics = selectionDynamics;
            Cost = cost;
            ParticipationGroup = group;
            Sparsity = sparsity;
            TrainingLength = trainingLength;
            Linear = linear;
            Nn = nn;
        }

        public INamedTypeSymbol Cost { get; }
        public INamedTypeSymbol ParticipationGroup { get; }
        public INamedTypeSymbol Sparsity { get; }

        /// <summary>Null with a PruneDsl runtime that predates [TrainingLength].</summary>
        public INamedTypeSymbol? TrainingLength { get; }

        /// <summary>Null with a PruneDsl runtime that predates [SelectionDynamics].</summary>
        public INamedTypeSymbol? SelectionDynamics { get; }

        /// <summary>TorchSharp.Modules.Linear, or null when TorchSharp is not referenced.</summary>
        public INamedTypeSymbol? Linear { get; }

        /// <summary>TorchSharp.torch.nn, which holds the <c>Linear(inputSize, outputSize, hasBias)</c> factory.</summary>
        public INamedTypeSymbol? Nn { get; }

        /// <summary>Null when the compilation does not reference the PruneDsl runtime (nothing to analyze).</summary>
        public static KnownTypes? Create(Compilation compilation)
        {
            var cost = compilation.GetTypeByMetadataName("PruneDsl.CostAttribute");
            var group = compilation.GetTypeByMetadataName("PruneDsl.ParticipationGroupAttribute");
            var sparsity = compilation.GetTypeByMetadataName("PruneDsl.SparsityAttribute");
            if (cost is null || group is null || sparsity is null) return null;
            return new KnownTypes(cost, group, sparsity,
                compilation.GetTypeByMetadataName("PruneDsl.TrainingLengthAttribute"),
                compilation.GetTypeByMetadataName("PruneDsl.SelectionDynamicsAttribute"),
                compilation.GetTypeByMetadataName("TorchSharp.Modules.Linear"),
                compilation.GetTypeByMetadataName("TorchSharp.torch+nn"));
        }

        public bool IsLinear(ITypeSymbol? type) => Linear is not null && SymbolEqualityComparer.Default.Equals(type, Linear);
    }
}
