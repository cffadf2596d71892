using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Configuration;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>The TorchSharp type the analyzer resolves once per compilation (the attributes are recognised by name).</summary>
    internal sealed class KnownTypes
    {
        private KnownTypes(INamedTypeSymbol? nn) => Nn = nn;

        /// <summary>TorchSharp.torch.nn, which holds the <c>Linear(inputSize, outputSize, hasBias)</c> factory.</summary>
        public INamedTypeSymbol? Nn { get; }

        /// <summary>Null when the compilation does not reference the PruneDsl runtime (nothing to analyze).</summary>
        public static KnownTypes? Create(Compilation compilation) =>
            compilation.GetTypeByMetadataName(AttributeNames.ParticipationGroup) is null
                ? null
                : new KnownTypes(compilation.GetTypeByMetadataName("TorchSharp.torch+nn"));
    }
}
