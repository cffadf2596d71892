using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PruneDsl.SourceGenerators.Configuration;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// The PruneDsl analyzer: cost settings that cannot prune, collapse the layer or will not be stable, invalid
    /// [Reconstruct] settings, budgets that cannot be met or price nothing, and misplaced or malformed attributes
    /// (PD0010-PD0024, PD0028-PD0031; docs/diagnostics/README.md lists them). PD0001-PD0009 are the source
    /// generator's and are not reported here. One pass per model class: the attributes are read from the class symbol by
    /// <see cref="ModelConfiguration"/> (the generator's reader), the layer sizes and the data flow of <c>forward</c> from
    /// the operations of its members, and the rules run when the class is complete.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class PruneModelAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.Analyzer;

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(Guard.Wrap<CompilationStartAnalysisContext>(start =>
            {
                // Nothing to analyze when the compilation does not reference the PruneDsl runtime.
                if (start.Compilation.GetTypeByMetadataName(AttributeNames.ParticipationGroup) is null) return;
                start.RegisterSymbolStartAction(Guard.Wrap<SymbolStartAnalysisContext>(ModelSession.Start), SymbolKind.NamedType);
            }));
        }

        /// <summary>What is collected about one model class while its members are analyzed.</summary>
        private sealed class ModelSession
        {
            private readonly ModelConfiguration _model;
            private readonly HashSet<IFieldSymbol> _linearFields;
            private readonly HashSet<IFieldSymbol> _shapedFields;
            private readonly HashSet<IFieldSymbol> _gatedFields;
            private readonly ConcurrentQueue<(IFieldSymbol Field, LayerShape Shape)> _shapes = new();
            private readonly ConcurrentQueue<IFieldSymbol> _forwardOutputs = new();

            private ModelSession(ModelConfiguration model)
            {
                _model = model;
                _linearFields = new HashSet<IFieldSymbol>(model.LinearFields, SymbolEqualityComparer.Default);
                // The layers whose sizes the rules use: every Linear (the output layer's search) and every annotated Conv2d.
                _shapedFields = new HashSet<IFieldSymbol>(model.LinearFields.Concat(model.Fields.Where(f => f.IsConv2d).Select(f => f.Field)), SymbolEqualityComparer.Default);
                _gatedFields = new HashSet<IFieldSymbol>(model.Fields.Where(f => f.IsGatedLayer).Select(f => f.Field), SymbolEqualityComparer.Default);
            }

            public static void Start(SymbolStartAnalysisContext context)
            {
                if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type) return;
                var model = ModelConfiguration.Read(type);
                if (!model.IsRelevant) return;
                var session = new ModelSession(model);
                context.RegisterOperationAction(Guard.Wrap<OperationAnalysisContext>(session.OnFieldInitializer), OperationKind.FieldInitializer);
                context.RegisterOperationAction(Guard.Wrap<OperationAnalysisContext>(session.OnAssignment), OperationKind.SimpleAssignment);
                context.RegisterOperationAction(Guard.Wrap<OperationAnalysisContext>(session.OnInvocation), OperationKind.Invocation);
                context.RegisterOperationAction(Guard.Wrap<OperationAnalysisContext>(session.OnReturn), OperationKind.Return);
                context.RegisterSymbolEndAction(Guard.Wrap<SymbolAnalysisContext>(session.OnEnd));
            }

            private bool InModel(ISymbol containing) =>
                SymbolEqualityComparer.Default.Equals(containing.ContainingType, _model.Type);

            private void OnFieldInitializer(OperationAnalysisContext context)
            {
                var initializer = (IFieldInitializerOperation)context.Operation;
                foreach (var field in initializer.InitializedFields)
                    if (_shapedFields.Contains(field))
                        _shapes.Enqueue((field, LayerShape.Read(initializer.Value)));
            }

            private void OnAssignment(OperationAnalysisContext context)
            {
                if (context.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor } constructor || !InModel(constructor)) return;
                var assignment = (ISimpleAssignmentOperation)context.Operation;
                if (assignment.Target is not IFieldReferenceOperation target || !_shapedFields.Contains(target.Field)) return;
                if (target.Instance is not null and not IInstanceReferenceOperation) return;
                _shapes.Enqueue((target.Field, LayerShape.Read(assignment.Value)));
            }

            /// <summary>PD0023: <c>fc1.forward(x)</c> on a gated field skips the forward hook that applies the gate.</summary>
            private void OnInvocation(OperationAnalysisContext context)
            {
                if (!InModel(context.ContainingSymbol)) return;
                var invocation = (IInvocationOperation)context.Operation;
                if (invocation.TargetMethod.Name != "forward") return;
                var instance = invocation.Instance;
                while (instance is IConversionOperation conversion) instance = conversion.Operand;
                if (instance is not IFieldReferenceOperation field || !_gatedFields.Contains(field.Field)) return;
                if (field.Instance is not null and not IInstanceReferenceOperation) return;
                var location = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access }
                    ? access.Name.GetLocation()
                    : invocation.Syntax.GetLocation();
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GateBypassed, location, field.Field.Name));
            }

            private void OnReturn(OperationAnalysisContext context)
            {
                var operation = (IReturnOperation)context.Operation;
                if (!OutputLayer.IsForwardReturn(operation, context.ContainingSymbol, _model.Type)) return;
                if (OutputLayer.Trace(operation, _linearFields) is { } layer) _forwardOutputs.Enqueue(layer);
            }

            private void OnEnd(SymbolAnalysisContext context)
            {
                var shapes = new Dictionary<IFieldSymbol, LayerShape>(SymbolEqualityComparer.Default);
                foreach (var (field, shape) in _shapes)
                    shapes[field] = shapes.TryGetValue(field, out var seen) ? seen.Merge(shape) : shape;
                var outputs = _forwardOutputs.Distinct<IFieldSymbol>(SymbolEqualityComparer.Default).ToList();
                CostChecks.Run(_model, shapes, context.ReportDiagnostic, context.CancellationToken);
                StructureChecks.Run(_model, shapes, outputs, context.ReportDiagnostic, context.CancellationToken);
                ReconstructChecks.Run(_model, shapes, context.ReportDiagnostic, context.CancellationToken);
                BudgetChecks.Run(_model, shapes, context.ReportDiagnostic, context.CancellationToken);
            }
        }
    }
}
