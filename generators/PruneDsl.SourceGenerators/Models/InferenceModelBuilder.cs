using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Configuration;

namespace PruneDsl.SourceGenerators.Models
{
    /// <summary>What the generated inference module copies from the user's model: its forward and the usings around it.</summary>
    /// <param name="ParameterName">The forward parameter's name.</param>
    /// <param name="Body">
    /// The forward body, with its whitespace normalised (so that reformatting forward changes nothing): either
    /// "=> expression;" or a block, lines separated by '\n'.
    /// </param>
    /// <param name="Usings">The using directives of the file that declares forward.</param>
    /// <param name="Fields">The model's layer fields the inference module holds, in declaration order.</param>
    internal sealed record InferenceModel(string ParameterName, string Body, EquatableArray<string> Usings, EquatableArray<InferenceField> Fields);

    /// <summary>How the inference module holds a layer of the model.</summary>
    internal enum InferenceFieldKind
    {
        /// <summary>A Linear (an NmLinear when it is [Sparsity]).</summary>
        Linear,

        /// <summary>A Conv2d (with its BatchNorm and gate folded in).</summary>
        Conv2d,

        /// <summary>Any other module: a BatchNorm2d (folded: an Identity), pooling, dropout, activation, Flatten.</summary>
        Module,

        /// <summary>A block: the inference module of the block's class.</summary>
        Block,
    }

    /// <summary>One layer field of the inference module.</summary>
    /// <param name="Name">The field name.</param>
    /// <param name="Kind">How it is held.</param>
    /// <param name="Block">For a block, its class's identity (it needs an inference module of its own).</param>
    /// <param name="BlockType">For a block, its inference module's type (<c>global::Ns.BlockInference</c>).</param>
    internal sealed record InferenceField(string Name, InferenceFieldKind Kind, string? Block = null, string? BlockType = null);

    /// <summary>
    /// Decides whether the user's forward can be copied into a standalone inference module: it must be
    /// <c>Tensor forward(Tensor x)</c> and use no instance member of the model other than the layer fields an inference
    /// module can hold (Linear, Conv2d, BatchNorm2d, pooling, dropout, activations, Flatten, blocks), decided by name,
    /// without binding the body: a name declared inside forward is taken to be that declaration.
    /// </summary>
    internal static class InferenceModelBuilder
    {
        /// <summary>The inference model, or null with the reason it cannot be generated.</summary>
        /// <param name="type">The model class.</param>
        /// <param name="layers">Its layer fields (<see cref="Graph.LayerReader"/>).</param>
        /// <param name="cancellationToken">Cancels the build.</param>
        /// <param name="reason">Why there is no inference module.</param>
        public static InferenceModel? TryBuild(INamedTypeSymbol type, IReadOnlyList<Graph.LayerInfo> layers,
            CancellationToken cancellationToken, out string? reason)
        {
            var fields = new List<InferenceField>();
            var unsupported = new Dictionary<string, string>();
            foreach (var layer in layers)
            {
                InferenceFieldKind? kind = layer.Kind switch
                {
                    Graph.LayerKind.Linear => InferenceFieldKind.Linear,
                    Graph.LayerKind.Conv2d => InferenceFieldKind.Conv2d,
                    Graph.LayerKind.BatchNorm2d or Graph.LayerKind.Elementwise or Graph.LayerKind.Flatten => InferenceFieldKind.Module,
                    Graph.LayerKind.Block => InferenceFieldKind.Block,
                    _ => null,
                };
                if (kind is { } k)
                    fields.Add(new InferenceField(layer.Name, k, layer.Block, k == InferenceFieldKind.Block ? InferenceTypeOf(layer.BlockType!) : null));
                else
                    unsupported[layer.Name] = "a " + layer.TypeName + ", which an inference module does not copy";
            }
            var allowed = new HashSet<string>(fields.Select(f => f.Name));
            reason = null;
            var forward = type.GetMembers("forward").OfType<IMethodSymbol>().FirstOrDefault(m =>
                m.Parameters.Length == 1 && AttributeNames.IsTensor(m.Parameters[0].Type) && AttributeNames.IsTensor(m.ReturnType));
            if (forward?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not MethodDeclarationSyntax syntax)
            {
                reason = "it declares no 'Tensor forward(Tensor)'";
                return null;
            }
            SyntaxNode? body = (SyntaxNode?)syntax.ExpressionBody ?? syntax.Body;
            if (body is null)
            {
                reason = "its forward has no body";
                return null;
            }

            // By name, without binding the body (binding forward's TorchSharp calls would cost more than the rest of the
            // model together, on every edit): a name that stands alone and is not declared inside forward refers to a
            // member of the class if the class or a base class has an instance member of that name.
            var instanceMembers = InstanceMemberNames(type);
            var staticMembers = new HashSet<string>(type.GetMembers().Where(m => m.IsStatic && m.CanBeReferencedByName || m is INamedTypeSymbol).Select(m => m.Name));
            var declared = DeclaredNames(syntax);
            foreach (var node in body.DescendantNodesAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node is ThisExpressionSyntax or BaseExpressionSyntax)
                {
                    reason = "its forward uses '" + node + "'";
                    return null;
                }
                if (node is not SimpleNameSyntax name || !StandsAlone(name)) continue;
                var text = name.Identifier.ValueText;
                if (!declared.Contains(text) && staticMembers.Contains(text))
                {
                    reason = "its forward uses '" + text + "', a static member of '" + type.Name + "' that the inference module (a class of its own) cannot reach unqualified; write " + type.Name + "." + text;
                    return null;
                }
                if (declared.Contains(text) || !instanceMembers.Contains(text) || allowed.Contains(text)) continue;
                reason = "its forward uses '" + text + "', " + (unsupported.TryGetValue(text, out var what) ? what : "which is not a layer field");
                return null;
            }

            var copied = syntax.ExpressionBody is { } arrow
                ? "=> " + NormalizedSyntax.Of(arrow.Expression) + ";"
                : NormalizedSyntax.Of(syntax.Body!);
            var usings = syntax.SyntaxTree.GetCompilationUnitRoot(cancellationToken).Usings
                .Concat(syntax.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().SelectMany(n => n.Usings))
                .Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None))
                .Select(u => u.ToString())
                .Distinct();
            return new InferenceModel(syntax.ParameterList.Parameters[0].Identifier.Text, copied,
                new EquatableArray<string>(usings), new EquatableArray<InferenceField>(fields));
        }

        /// <summary>The inference module's type of a model class: <c>global::Ns.Block</c> -> <c>global::Ns.BlockInference</c> (its sibling).</summary>
        /// <param name="modelType">The model class, fully qualified.</param>
        public static string InferenceTypeOf(string modelType) => modelType + "Inference";

        /// <summary>
        /// Whether a name can reach a member implicitly: not the member of <c>x.Name</c> or <c>?.Name</c>, not the right
        /// side of a qualified type name, not an argument or property label.
        /// </summary>
        private static bool StandsAlone(SimpleNameSyntax name) => name.Parent switch
        {
            MemberAccessExpressionSyntax access => access.Name != name,
            MemberBindingExpressionSyntax => false,
            QualifiedNameSyntax qualified => qualified.Left == name,
            NameColonSyntax or NameEqualsSyntax => false,
            _ => true,
        };

        /// <summary>The names of the instance fields, properties, events and methods of the class and its base classes.</summary>
        private static HashSet<string> InstanceMemberNames(INamedTypeSymbol type)
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            // The original definitions: a metadata base class (TorchSharp's Module) is then the same symbol for every model
            // and, while the references stay, every compilation, so its names are read once.
            for (var t = type; t is not null; t = t.BaseType)
            {
                var definition = t.OriginalDefinition;
                names.UnionWith(definition.DeclaringSyntaxReferences.IsEmpty
                    ? MetadataMemberNames.GetValue(definition, static d => DeclaredInstanceMemberNames(d))
                    : DeclaredInstanceMemberNames(definition));
            }
            return names;
        }

        private static readonly ConditionalWeakTable<INamedTypeSymbol, string[]> MetadataMemberNames = new();

        private static string[] DeclaredInstanceMemberNames(INamedTypeSymbol type) =>
            type.MemberNames
                .Where(name => type.GetMembers(name).Any(m => !m.IsStatic && m.CanBeReferencedByName && m.Kind != SymbolKind.NamedType))
                .ToArray();

        /// <summary>Everything forward declares: its parameters, locals, lambda and local-function parameters, pattern and query variables.</summary>
        private static HashSet<string> DeclaredNames(MethodDeclarationSyntax forward)
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var node in forward.DescendantNodesAndSelf())
            {
                switch (node)
                {
                    case ParameterSyntax parameter: names.Add(parameter.Identifier.ValueText); break;
                    case VariableDeclaratorSyntax variable: names.Add(variable.Identifier.ValueText); break;
                    case SingleVariableDesignationSyntax designation: names.Add(designation.Identifier.ValueText); break;
                    case ForEachStatementSyntax loop: names.Add(loop.Identifier.ValueText); break;
                    case CatchDeclarationSyntax @catch: names.Add(@catch.Identifier.ValueText); break;
                    case LocalFunctionStatementSyntax function: names.Add(function.Identifier.ValueText); break;
                    case FromClauseSyntax from: names.Add(from.Identifier.ValueText); break;
                    case LetClauseSyntax let: names.Add(let.Identifier.ValueText); break;
                    case JoinClauseSyntax join: names.Add(join.Identifier.ValueText); break;
                    case QueryContinuationSyntax into: names.Add(into.Identifier.ValueText); break;
                }
            }
            return names;
        }
    }
}
