using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Graph
{
    /// <summary>
    /// Reads a model class's module fields into <see cref="LayerInfo"/>s: what each is to the channel graph, its constant
    /// sizes (from its field initializer, or the constructor assignments that give it a value), its [ParticipationGroup]
    /// settings, and, for a field whose class is itself a PruneDsl model, that class's identity.
    /// </summary>
    internal static class LayerReader
    {
        /// <summary>The module fields of <paramref name="type"/>, with the symbol of each top-level field.</summary>
        /// <param name="type">The model class.</param>
        /// <param name="groups">The [ParticipationGroup] settings by field name.</param>
        /// <param name="sparse">The [Sparsity] layers by field name.</param>
        /// <param name="compilation">The compilation, to bind the initializers.</param>
        /// <param name="cancellationToken">Cancels the build.</param>
        public static List<(IFieldSymbol Field, LayerInfo Layer)> Read(INamedTypeSymbol type, IReadOnlyDictionary<string, GroupLayerModel> groups,
            IReadOnlyDictionary<string, SparseLayerModel> sparse, Compilation compilation, CancellationToken cancellationToken)
        {
            var fields = type.GetMembers().OfType<IFieldSymbol>()
                .Where(f => !f.IsStatic && !f.IsImplicitlyDeclared && f.Type is INamedTypeSymbol t && IsModuleType(t))
                .ToList();
            var result = new List<(IFieldSymbol, LayerInfo)>();
            if (fields.Count == 0) return result;

            var models = new Dictionary<SyntaxTree, SemanticModel>();
            SemanticModel Model(SyntaxTree tree)
            {
                if (!models.TryGetValue(tree, out var model)) models[tree] = model = compilation.GetSemanticModel(tree);
                return model;
            }
            var assigned = ConstructorAssignments(type, fields, Model, cancellationToken);

            foreach (var field in fields)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LayerDeclaration? declaration = null;
                foreach (var reference in field.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } initializer }
                        && Model(initializer.SyntaxTree).GetOperation(initializer, cancellationToken) is IFieldInitializerOperation operation)
                        declaration = LayerFactory.Read(operation.Value);
                }
                if (assigned.TryGetValue(field.Name, out var values))
                {
                    foreach (var value in values)
                    {
                        var read = LayerFactory.Read(value);
                        declaration = declaration is null ? read : Merge(declaration, read);
                    }
                }
                groups.TryGetValue(field.Name, out var group);
                var layer = Layer(field.Name, (Reserved.Contains(field.Name) ? "this." : string.Empty) + Emit.Names.Identifier(field.Name), (INamedTypeSymbol)field.Type, declaration, group);
                if (sparse.TryGetValue(field.Name, out var nm)) layer = layer with { SparseGroup = nm.M };
                result.Add((field, layer));
            }
            return result;
        }

        /// <summary>The names generated methods give their parameters and locals: a field of such a name is reached as <c>this.name</c>.</summary>
        private static readonly HashSet<string> Reserved = new() { "plan", "input", "prefix", "Name", "output", "copies", "inference", "device" };

        private static LayerInfo Layer(string name, string access, INamedTypeSymbol type, LayerDeclaration? declaration, GroupLayerModel? group)
        {
            var kind = Torch.KindOf(type, declaration?.Factory);
            string? block = null, blockType = null;
            if (kind == LayerKind.Other && !type.DeclaringSyntaxReferences.IsEmpty && IsModel(type))
            {
                kind = LayerKind.Block;
                block = ModelBuilder.Identity(type);
                blockType = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            }

            var children = EquatableArray<LayerInfo>.Empty;
            if (kind == LayerKind.Sequential && declaration?.Children is { } known && known.All(c => c.Child is not null))
            {
                children = new EquatableArray<LayerInfo>(known.Select((child, index) => new LayerInfo(
                    name + "." + child.Name,
                    "((global::TorchSharp.Modules." + child.Child!.Factory + ")" + access + "[" + index + "])",
                    Torch.KindOfName(child.Child.Factory) is var childKind && childKind is LayerKind.Sequential or LayerKind.ModuleList ? LayerKind.Other : childKind,
                    child.Child.Factory,
                    child.Child.Sizes,
                    null,
                    null,
                    EquatableArray<LayerInfo>.Empty)));
            }
            return new LayerInfo(name, access, kind, type.Name, declaration?.Sizes ?? LayerSizes.Unknown, group, block, children, BlockType: blockType);
        }

        /// <summary>
        /// Whether the class is a PruneDsl model: it has the attributes that make the generator read it (a
        /// [ParticipationGroup] or [Sparsity] field, or a class-level [Cost]).
        /// </summary>
        public static bool IsModel(INamedTypeSymbol type)
        {
            if (type.GetAttributes().Any(a => AttributeNames.Of(a) == AttributeNames.Cost)) return true;
            foreach (var member in type.GetMembers())
            {
                if (member is not IFieldSymbol field) continue;
                foreach (var attribute in field.GetAttributes())
                    if (AttributeNames.Of(attribute) is AttributeNames.ParticipationGroup or AttributeNames.Sparsity) return true;
            }
            return false;
        }

        private static bool IsModuleType(INamedTypeSymbol type) =>
            type.TypeKind == TypeKind.Class && (AttributeNames.IsModule(type) || type is { Name: "Module", ContainingType.Name: "nn" });

        private static LayerDeclaration Merge(LayerDeclaration a, LayerDeclaration? b) =>
            b is not null && a.Factory == b.Factory && a.Children is null && b.Children is null
                ? new LayerDeclaration(a.Factory, a.Sizes.Merge(b.Sizes), null)
                : new LayerDeclaration(b is not null && a.Factory == b.Factory ? a.Factory : "?", LayerSizes.Unknown, null);

        /// <summary>The values module fields are given in the class's constructors (<c>conv1 = Conv2d(...)</c>, <c>this.conv1 = ...</c>).</summary>
        private static Dictionary<string, List<IOperation>> ConstructorAssignments(INamedTypeSymbol type, List<IFieldSymbol> fields,
            System.Func<SyntaxTree, SemanticModel> model, CancellationToken cancellationToken)
        {
            var names = new HashSet<string>(fields.Select(f => f.Name));
            var result = new Dictionary<string, List<IOperation>>();
            foreach (var constructor in type.InstanceConstructors)
            {
                foreach (var reference in constructor.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is not ConstructorDeclarationSyntax syntax) continue;
                    foreach (var assignment in syntax.DescendantNodes().OfType<AssignmentExpressionSyntax>())
                    {
                        var target = assignment.Left switch
                        {
                            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var member } => member.Identifier.ValueText,
                            _ => null,
                        };
                        if (target is null || !names.Contains(target)) continue;
                        if (model(syntax.SyntaxTree).GetOperation(assignment, cancellationToken) is not ISimpleAssignmentOperation { Target: IFieldReferenceOperation reached } operation
                            || !SymbolEqualityComparer.Default.Equals(reached.Field.ContainingType, type)) continue;
                        if (!result.TryGetValue(target, out var list)) result[target] = list = new List<IOperation>();
                        list.Add(operation.Value);
                    }
                }
            }
            return result;
        }
    }
}
