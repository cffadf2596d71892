using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PruneDsl.SourceGenerators.Analyzers
{
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
