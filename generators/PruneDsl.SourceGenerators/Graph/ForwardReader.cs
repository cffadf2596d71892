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
    /// Reads a model's <c>forward</c> into a <see cref="ClassGraph"/>: a data flow over its operations (IOperation), SSA
    /// style. Each local and parameter holds the node of the tensor last assigned to it; statements are read in order;
    /// a branch whose condition reads no tensor is followed on both sides and the variables it assigns join afterwards.
    /// Followed: module fields called with <c>call</c> (Linear, Conv2d, BatchNorm2d, pooling, dropout, zero-preserving
    /// activations, Identity, Flatten, Sequential with known children, and blocks: fields whose class is a PruneDsl model),
    /// the zero-preserving channel-wise functions of <c>torch.nn.functional</c> and <c>Tensor</c>, <c>+</c> / <c>-</c> /
    /// <c>add</c> / <c>sub</c> of tensors, scaling by a number, <c>cat</c>, <c>flatten(1)</c> / <c>view(n, -1)</c> /
    /// <c>reshape(n, -1)</c>, <c>mean([2, 3])</c> and <c>squeeze</c>. Anything else that touches a tensor of forward becomes
    /// an <see cref="NodeKind.Opaque"/> node with a <see cref="GraphFact"/> saying what was not followed and what to do.
    /// </summary>
    internal sealed class ForwardReader
    {
        private const int MaxCode = 80;

        private readonly string _identity;
        private readonly SyntaxNode _forward;
        private readonly Dictionary<IFieldSymbol, LayerInfo> _fields;
        private readonly CancellationToken _cancellationToken;
        private readonly List<GraphNode> _nodes = new();
        private readonly List<GraphFact> _facts = new();
        private readonly List<Rank> _ranks = new();
        private Dictionary<ISymbol, int> _env = new(SymbolEqualityComparer.Default);
        private string _statement = string.Empty;

        /// <summary>What the reader knows of a tensor's rank, to tell a Linear on a 4-D tensor (which acts on its width) from one on features.</summary>
        private enum Rank
        {
            Unknown,
            Spatial,
            Features,
        }

        private ForwardReader(string identity, SyntaxNode forward, Dictionary<IFieldSymbol, LayerInfo> fields, CancellationToken cancellationToken)
        {
            _identity = identity;
            _forward = forward;
            _fields = fields;
            _cancellationToken = cancellationToken;
        }

        /// <summary>The declaration of <c>Tensor forward(Tensor)</c> with a body, or null.</summary>
        public static MethodDeclarationSyntax? FindForward(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (var method in type.GetMembers("forward").OfType<IMethodSymbol>())
            {
                if (method.Parameters.Length != 1 || !AttributeNames.IsTensor(method.Parameters[0].Type) || !AttributeNames.IsTensor(method.ReturnType)) continue;
                foreach (var reference in method.DeclaringSyntaxReferences)
                    if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax { } syntax && (syntax.Body is not null || syntax.ExpressionBody is not null))
                        return syntax;
            }
            return null;
        }

        /// <summary>Reads the class's forward over its module fields.</summary>
        /// <param name="type">The model class.</param>
        /// <param name="identity">Its identity.</param>
        /// <param name="layers">Its module fields (<see cref="LayerReader"/>).</param>
        /// <param name="compilation">The compilation, to bind forward.</param>
        /// <param name="cancellationToken">Cancels the build.</param>
        public static ClassGraph Read(INamedTypeSymbol type, string identity, List<(IFieldSymbol Field, LayerInfo Layer)> layers,
            Compilation compilation, CancellationToken cancellationToken)
        {
            var qualified = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            var table = new EquatableArray<LayerInfo>(layers.Select(l => l.Layer));
            var forward = FindForward(type, cancellationToken);
            if (forward is null)
                return new ClassGraph(identity, type.Name, qualified, table, EquatableArray<GraphNode>.Empty, EquatableArray<GraphFact>.Empty, false);

            var fields = new Dictionary<IFieldSymbol, LayerInfo>(SymbolEqualityComparer.Default);
            foreach (var (field, layer) in layers) fields[field] = layer;
            var reader = new ForwardReader(identity, forward, fields, cancellationToken);
            try
            {
                var model = compilation.GetSemanticModel(forward.SyntaxTree);
                if (model.GetOperation(forward, cancellationToken) is IMethodBodyOperation body
                    && model.GetDeclaredSymbol(forward, cancellationToken) is IMethodSymbol { Parameters.Length: 1 } method)
                {
                    reader._statement = "forward(" + method.Parameters[0].Name + ")";
                    reader._env[method.Parameters[0]] = reader.Add(NodeKind.Input, Rank.Unknown);
                    reader.ReadStatement(body.BlockBody ?? body.ExpressionBody);
                }
            }
            catch (System.Exception exception) when (exception is not System.OperationCanceledException)
            {
                // The generator never throws: a shape of code the reader did not foresee leaves forward unread, which makes
                // every gated space opaque (trains, never compacts wrongly) and says so on forward's name.
                Observer?.Invoke(exception);
                var fact = new GraphFact(FactKind.UnseenCall, "forward", "PruneDsl could not read it (" + exception.GetType().Name + "; please report the forward that caused it)",
                    "simplify forward to assignments, layer calls and returns", Anchors.InForward(identity, forward, forward));
                return new ClassGraph(identity, type.Name, qualified, table, EquatableArray<GraphNode>.Empty, new EquatableArray<GraphFact>(new[] { fact }), true);
            }
            return new ClassGraph(identity, type.Name, qualified, table,
                new EquatableArray<GraphNode>(reader._nodes), new EquatableArray<GraphFact>(reader._facts), true);
        }

        /// <summary>Tests set this to see the exceptions the reader swallowed (null in production: nothing is kept).</summary>
        internal static System.Action<System.Exception>? Observer { get; set; }

        // ---- statements ----

        private void ReadStatement(IOperation? operation)
        {
            if (operation is null) return;
            _cancellationToken.ThrowIfCancellationRequested();
            switch (operation)
            {
                case IBlockOperation block:
                    foreach (var statement in block.Operations) ReadStatement(statement);
                    return;
                case IVariableDeclarationGroupOperation group:
                    At(operation);
                    foreach (var declaration in group.Declarations) Declare(declaration);
                    return;
                case IUsingDeclarationOperation usingDeclaration:
                    At(operation);
                    foreach (var declaration in usingDeclaration.DeclarationGroup.Declarations) Declare(declaration);
                    return;
                case IUsingOperation @using:
                    At(@using.Resources);
                    ReadStatement(@using.Resources);
                    ReadStatement(@using.Body);
                    return;
                case IExpressionStatementOperation expression:
                    At(operation);
                    Eval(expression.Operation);
                    return;
                case IReturnOperation @return:
                    At(operation);
                    if (@return.ReturnedValue is { } returned)
                        Add(NodeKind.Output, Rank.Unknown, new[] { Tensor(returned) }, at: @return.Syntax);
                    return;
                case IConditionalOperation branch:
                    ReadBranch(branch);
                    return;
                case ILoopOperation loop:
                    ReadLoop(loop);
                    return;
                case ITryOperation @try:
                    ReadStatement(@try.Body);
                    ReadStatement(@try.Finally);
                    return;
                case ILocalFunctionOperation:
                case IEmptyOperation:
                    return;
                case ILabeledOperation labeled:
                    ReadStatement(labeled.Operation);
                    return;
                default:
                    At(operation);
                    var touched = Touched(operation);
                    if (touched.Count > 0)
                        Opaque(FactKind.UnsupportedOp, operation.Syntax, "PruneDsl does not follow this kind of statement",
                            "write it as a sequence of assignments, calls and returns", touched);
                    return;
            }
        }

        private void Declare(IVariableDeclarationOperation declaration)
        {
            foreach (var declarator in declaration.Declarators)
            {
                var initializer = declarator.Initializer ?? declaration.Initializer;
                if (initializer is null) continue;
                Bind(declarator.Symbol, Eval(initializer.Value));
            }
        }

        private void ReadBranch(IConditionalOperation branch)
        {
            At(branch);
            var read = ConditionReads(branch.Condition);
            var before = _env;
            _env = new Dictionary<ISymbol, int>(before, SymbolEqualityComparer.Default);
            ReadStatement(branch.WhenTrue);
            var whenTrue = _env;
            _env = new Dictionary<ISymbol, int>(before, SymbolEqualityComparer.Default);
            ReadStatement(branch.WhenFalse);
            var whenFalse = _env;
            _env = before;
            At(branch);

            var fact = -1;
            if (read.Count > 0)
            {
                // A condition that reads a tensor that may carry pruned channels: the pruned model could take the other branch.
                fact = Fact(FactKind.Branch, ConditionSyntax(branch),
                    "its condition reads a tensor whose channels can be pruned, so the compacted model could take the other branch",
                    "decide the branch from a field, a constructor argument or 'training' instead of a tensor");
                Add(NodeKind.Opaque, Rank.Unknown, read, fact: fact);
            }
            foreach (var symbol in whenTrue.Keys.Concat(whenFalse.Keys).Distinct<ISymbol>(SymbolEqualityComparer.Default).ToList())
            {
                var a = whenTrue.TryGetValue(symbol, out var x) ? x : -1;
                var b = whenFalse.TryGetValue(symbol, out var y) ? y : -1;
                if (a == b) { Bind(symbol, a); continue; }
                var inputs = new[] { a, b }.Where(n => n >= 0).ToArray();
                Bind(symbol, fact >= 0
                    ? Add(NodeKind.Opaque, Rank.Unknown, inputs, fact: fact)
                    : Add(NodeKind.Join, inputs.Select(RankOf).Distinct().Count() == 1 ? RankOf(inputs[0]) : Rank.Unknown, inputs, at: branch.Syntax));
            }
        }

        private static SyntaxNode ConditionSyntax(IConditionalOperation branch) =>
            branch.Syntax is IfStatementSyntax or ConditionalExpressionSyntax ? branch.Syntax : branch.Condition.Syntax;

        private void ReadLoop(ILoopOperation loop)
        {
            At(loop);
            var touched = Touched(loop);
            if (touched.Count == 0) return;
            var overModules = loop is IForEachLoopOperation forEach
                && LayerFactory.Unwrap(forEach.Collection) is IFieldReferenceOperation collection
                && _fields.TryGetValue(collection.Field, out var list) && list.Kind is LayerKind.ModuleList or LayerKind.Sequential
                ? collection.Field.Name
                : null;
            var fact = Fact(FactKind.Loop, loop.Syntax,
                overModules is not null
                    ? "PruneDsl does not unroll a loop over '" + overModules + "', so it cannot tell which layers consume these channels"
                    : "PruneDsl does not unroll loops, so it cannot tell how often the tensors in it are computed",
                overModules is not null
                    ? "declare the layers as fields and call them one after another in forward"
                    : "unroll the loop in forward");
            var node = Add(NodeKind.Opaque, Rank.Unknown, touched, fact: fact);
            foreach (var assigned in AssignedIn(loop)) Bind(assigned, node);
        }

        // ---- expressions ----

        /// <summary>The node of a tensor expression, or -1 when it is not a tensor computed from forward's input or a layer.</summary>
        private int Eval(IOperation? operation)
        {
            switch (operation)
            {
                case null:
                    return -1;
                case IConversionOperation conversion:
                    return Eval(conversion.Operand);
                case IParenthesizedOperation parenthesized:
                    return Eval(parenthesized.Operand);
                case ILocalReferenceOperation local:
                    return _env.TryGetValue(local.Local, out var l) ? l : -1;
                case IParameterReferenceOperation parameter:
                    return _env.TryGetValue(parameter.Parameter, out var p) ? p : -1;
                case ISimpleAssignmentOperation assignment:
                {
                    var value = Eval(assignment.Value);
                    if (Variable(assignment.Target) is { } target) Bind(target, value);
                    return value;
                }
                case ICompoundAssignmentOperation compound:
                {
                    var value = Binary(compound, compound.OperatorKind, compound.Target, compound.Value);
                    if (Variable(compound.Target) is { } target) Bind(target, value);
                    return value;
                }
                case IInvocationOperation invocation:
                    return Invocation(invocation);
                case IBinaryOperation binary:
                    return Binary(binary, binary.OperatorKind, binary.LeftOperand, binary.RightOperand);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus or UnaryOperatorKind.Plus } unary when IsTensor(unary.Operand):
                    return Same(Eval(unary.Operand), null);
                case IConditionalOperation { WhenFalse: { } } conditional:
                    return Ternary(conditional);
                case IPropertyReferenceOperation { Instance: { } instance } when !AttributeNames.IsTensor(operation.Type) && IsTensor(instance):
                    return -1; // x.shape, x.device: a read
                default:
                    return Unknown(operation);
            }
        }

        /// <summary>An operation the reader has no rule for: not followed if it touches a tensor of forward.</summary>
        private int Unknown(IOperation operation)
        {
            var touched = Inputs(operation);
            if (touched.Count == 0 || !AttributeNames.IsTensor(operation.Type)) return -1;
            return Opaque(FactKind.UnsupportedOp, operation.Syntax, "PruneDsl does not know how this expression maps channels",
                "compute it from tensors that carry no prunable channels, or remove [ParticipationGroup] from the layers whose channels reach it", touched);
        }

        /// <summary>The node of a tensor expression that must be a node: a tensor not computed from forward's input or a layer is a <see cref="NodeKind.Free"/> one.</summary>
        private int Tensor(IOperation operation)
        {
            var node = Eval(operation);
            return node >= 0 ? node : Add(NodeKind.Free, Rank.Unknown, statement: Code(operation.Syntax));
        }

        private int Ternary(IConditionalOperation conditional)
        {
            var read = ConditionReads(conditional.Condition);
            var a = Eval(conditional.WhenTrue);
            var b = Eval(conditional.WhenFalse);
            var inputs = new[] { a, b }.Where(n => n >= 0).Distinct().ToArray();
            if (read.Count > 0)
            {
                var fact = Fact(FactKind.Branch, conditional.Syntax,
                    "its condition reads a tensor whose channels can be pruned, so the compacted model could take the other branch",
                    "decide the branch from a field, a constructor argument or 'training' instead of a tensor");
                return Add(NodeKind.Opaque, Rank.Unknown, read.Concat(inputs).Distinct(), fact: fact);
            }
            if (inputs.Length == 0) return -1;
            if (inputs.Length == 1 && (a < 0 || b < 0) && AttributeNames.IsTensor(conditional.Type))
                inputs = new[] { inputs[0], Add(NodeKind.Free, Rank.Unknown, statement: Code((a < 0 ? conditional.WhenTrue : conditional.WhenFalse!).Syntax)) };
            return inputs.Length == 1 ? inputs[0] : Add(NodeKind.Join, RankOf(inputs[0]), inputs, at: conditional.Syntax);
        }

        private int Invocation(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (method.Name is "call" or "forward" && ModuleField(invocation.Instance) is var (field, layer))
                return ModuleCall(invocation, field, layer);

            if (Torch.IsTorch(method)) return TorchOp(invocation);

            // Anything else that takes a tensor of forward: a method PruneDsl does not read.
            var touched = Inputs(invocation);
            if (touched.Count == 0) return -1;
            if (!AttributeNames.IsTensor(invocation.Type) && !Mutates(invocation)) return -1; // logging, shape checks: a read
            if (method.Name is "call" or "forward" && invocation.Instance is { } module)
            {
                var what = ModuleDescription(module);
                return Opaque(FactKind.UnseenModule, invocation.Syntax, what + ", a module whose forward PruneDsl does not read",
                    "keep the channels that can be pruned out of it, or make its class a PruneDsl model (a field of that class is followed as a block)", touched);
            }
            return Opaque(FactKind.UnseenCall, invocation.Syntax, "'" + method.Name + "' is a method whose body PruneDsl does not read",
                "call the layers in forward itself, or move them into a module class with PruneDsl attributes (a field of that class is followed as a block)", touched);
        }

        /// <summary>Whether an invocation on a tensor of forward could change it in place (a method ending in '_' that returns nothing useful).</summary>
        private static bool Mutates(IInvocationOperation invocation) =>
            invocation.TargetMethod.Name.EndsWith("_", System.StringComparison.Ordinal);

        private string ModuleDescription(IOperation module)
        {
            var unwrapped = LayerFactory.Unwrap(module);
            if (unwrapped is IFieldReferenceOperation f && _fields.TryGetValue(f.Field, out var layer))
            {
                return layer.Kind == LayerKind.Sequential
                    ? "'" + f.Field.Name + "' is a Sequential whose children are not all torch.nn factory calls in its initializer, so it is"
                    : "'" + f.Field.Name + "' is a " + layer.TypeName;
            }
            var list = unwrapped switch
            {
                IPropertyReferenceOperation property => property.Instance,
                IArrayElementReferenceOperation element => element.ArrayReference,
                _ => null,
            };
            if (LayerFactory.Unwrap(list) is IFieldReferenceOperation listField)
                return "an element of '" + listField.Field.Name + "' is";
            return "'" + Code(module.Syntax) + "' is a " + (module.Type?.Name ?? "module");
        }

        private int ModuleCall(IInvocationOperation invocation, IFieldSymbol field, LayerInfo layer)
        {
            if (invocation.Arguments.Length != 1)
                return Opaque(FactKind.UnseenModule, invocation.Syntax, "PruneDsl follows module calls with one tensor argument only",
                    "call the module on one tensor", Inputs(invocation));
            var input = Tensor(invocation.Arguments[0].Value);
            return Apply(layer, input, invocation.Syntax);
        }

        /// <summary>A layer (a field, or a Sequential's child) applied to a node.</summary>
        private int Apply(LayerInfo layer, int input, SyntaxNode syntax)
        {
            switch (layer.Kind)
            {
                case LayerKind.Linear:
                    if (RankOf(input) == Rank.Spatial)
                        return Opaque(FactKind.UnsupportedOp, syntax,
                            "'" + layer.Name + "' is applied to a 4-D tensor without flatten, so it acts on its last dimension, not its channels",
                            "flatten it first (x.flatten(1)) or pool it to one value per channel", new[] { input });
                    return Add(NodeKind.Layer, Rank.Features, new[] { input }, layer.Name, at: syntax);
                case LayerKind.Conv2d:
                case LayerKind.BatchNorm2d:
                    return Add(NodeKind.Layer, Rank.Spatial, new[] { input }, layer.Name, at: syntax);
                case LayerKind.Elementwise:
                    return Add(NodeKind.Same, RankOf(input), new[] { input }, layer.Name);
                case LayerKind.Flatten:
                    if (layer.Sizes.StartDim == 1 && layer.Sizes.EndDim == -1) return Flatten(input);
                    return Opaque(FactKind.UnsupportedOp, syntax, "'" + layer.Name + "' flattens from a dimension other than 1 (start_dim " + Show(layer.Sizes.StartDim) + ", end_dim " + Show(layer.Sizes.EndDim) + ")",
                        "use Flatten() (start_dim 1, end_dim -1)", new[] { input });
                case LayerKind.Sequential when layer.Children.Count > 0:
                    var value = input;
                    foreach (var child in layer.Children) value = Apply(child, value, syntax);
                    return value;
                case LayerKind.Block:
                    return Add(NodeKind.Block, Rank.Unknown, new[] { input }, layer.Name, at: syntax);
            }
            return Opaque(FactKind.UnseenModule, syntax,
                layer.Kind == LayerKind.Sequential
                    ? "'" + layer.Name + "' is a Sequential whose children are not all torch.nn factory calls in its initializer, so PruneDsl cannot read them"
                    : "'" + layer.Name + "' is a " + layer.TypeName + ", a module whose forward PruneDsl does not read",
                layer.Kind == LayerKind.Sequential
                    ? "create it as Sequential(Conv2d(...), ReLU(), ...) in its field initializer, or call its layers as fields in forward"
                    : "keep the channels that can be pruned out of it, or make its class a PruneDsl model (a field of that class is followed as a block)",
                new[] { input });
        }

        private static string Show(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not a constant";

        private int Flatten(int input) =>
            RankOf(input) == Rank.Features ? Same(input, null) : Add(NodeKind.Flatten, Rank.Features, new[] { input });

        private int Same(int input, string? layer) => input < 0 ? -1 : Add(NodeKind.Same, RankOf(input), new[] { input }, layer);

        private int TorchOp(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            var kind = Torch.Classify(method);
            if (kind == OpKind.Read) return -1;
            if (kind == OpKind.Cat) return Cat(invocation);

            // The tensor operands in order (the receiver first), each evaluated once; the other arguments are only read.
            var operands = new List<IOperation>();
            if (invocation.Instance is { } instance && IsTensor(instance)) operands.Add(instance);
            operands.AddRange(invocation.Arguments.Select(a => a.Value).Where(IsTensor));
            var nodes = operands.Select(Eval).ToList();
            var read = invocation.Arguments.Select(a => a.Value).Where(v => !IsTensor(v)).SelectMany(Touched).ToList();
            if (nodes.All(n => n < 0) && read.Count == 0) return -1;
            var touched = nodes.Where(n => n >= 0).Concat(read).Distinct().ToList();
            var input = nodes.Count > 0 ? nodes[0] : -1;
            int result;
            switch (kind)
            {
                case OpKind.Same when operands.Count == 1:
                    result = Same(input, null);
                    break;
                case OpKind.Same:
                    result = Opaque(FactKind.UnsupportedOp, invocation.Syntax, "an element-wise product or quotient of two tensors is not followed",
                        "scale by a number, or keep the channels that can be pruned out of it", touched);
                    break;
                case OpKind.Add when operands.Count == 2:
                    result = Add(NodeKind.Join, RankOf(input), new[] { NodeOrFree(nodes[0], operands[0]), NodeOrFree(nodes[1], operands[1]) }, at: invocation.Syntax);
                    break;
                case OpKind.Add:
                    result = Opaque(FactKind.UnsupportedOp, invocation.Syntax, "it adds a number to every element, so a pruned channel would not stay 0",
                        "add tensors only, or fold the constant into a layer's bias", touched);
                    break;
                case OpKind.Flatten when operands.Count == 1 && input >= 0 && IsFlattenToColumns(invocation):
                    result = Flatten(input);
                    break;
                case OpKind.Features when operands.Count == 1 && input >= 0 && SpatialReduction(invocation) is { } keepsDims:
                    result = keepsDims ? Same(input, null) : Add(NodeKind.Features, Rank.Features, new[] { input });
                    break;
                case OpKind.Flatten:
                case OpKind.Features:
                    result = Opaque(FactKind.UnsupportedOp, invocation.Syntax,
                        method.Name is "mean" ? Torch.WhyNotFollowed("mean") : "it reshapes the channel dimension (only flatten(1), view(n, -1), reshape(n, -1) and squeeze of the spatial dimensions are followed)",
                        "flatten with x.flatten(1) into a Linear", touched);
                    break;
                default:
                    result = Opaque(FactKind.UnsupportedOp, invocation.Syntax, Torch.WhyNotFollowed(method.Name),
                        "apply it where no channels that can be pruned reach it, or remove [ParticipationGroup] from the layers whose channels it reads", touched);
                    break;
            }
            // x.relu_(), x.add_(y): the receiver variable now holds the result.
            if (method.Name.EndsWith("_", System.StringComparison.Ordinal) && invocation.Instance is { } self && Variable(self) is { } variable)
                Bind(variable, result);
            return result;
        }

        private int NodeOrFree(int node, IOperation operand) =>
            node >= 0 ? node : Add(NodeKind.Free, Rank.Unknown, statement: Code(operand.Syntax));

        /// <summary>flatten(1) / flatten(1, -1); view or reshape to two dimensions (the batch and the rest).</summary>
        private static bool IsFlattenToColumns(IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.Name == "flatten")
            {
                long? start = 0, end = -1;
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Name == "start_dim") start = LayerFactory.Long(argument.Value);
                    else if (argument.Parameter?.Name == "end_dim") end = LayerFactory.Long(argument.Value);
                }
                return start == 1 && end == -1;
            }
            var shape = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Type is IArrayTypeSymbol);
            return shape is not null && Elements(shape.Value) is { Count: 2 };
        }

        /// <summary>
        /// For mean over the spatial dimensions 2 and 3 (or -2 and -1) or squeeze of them: whether the dimensions are kept
        /// (keepdim); null for any other reduction.
        /// </summary>
        private static bool? SpatialReduction(IInvocationOperation invocation)
        {
            var name = invocation.TargetMethod.Name;
            if (name.StartsWith("squeeze", System.StringComparison.Ordinal))
            {
                var dim = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "dim");
                if (dim is null || dim.ArgumentKind == ArgumentKind.DefaultValue && LayerFactory.Unwrap(dim.Value)?.ConstantValue is { HasValue: true, Value: null }) return false;
                return LayerFactory.Long(dim.Value) is 2 or 3 or -1 or -2 ? false : null;
            }
            var dims = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Type is IArrayTypeSymbol);
            if (dims is null || Elements(dims.Value) is not { Count: > 0 } elements) return null;
            var values = elements.Select(LayerFactory.Long).ToList();
            if (values.Any(v => v is not (2 or 3 or -1 or -2))) return null;
            var keep = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "keepdim");
            return keep is not null && LayerFactory.Unwrap(keep.Value)?.ConstantValue is { HasValue: true, Value: true };
        }

        private int Cat(IInvocationOperation invocation)
        {
            var tensors = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "tensors");
            var dimArgument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "dim");
            var parts = tensors is null ? null : Elements(tensors.Value);
            var dim = dimArgument is null ? null : LayerFactory.Long(dimArgument.Value);
            var nodes = parts?.Select(Eval).ToList();
            var touched = nodes?.Where(n => n >= 0).Distinct().ToList() ?? Inputs(invocation);
            if (touched.Count == 0) return -1;
            if (parts is null || parts.Count == 0 || dim is null or < 0)
                return Opaque(FactKind.UnsupportedOp, invocation.Syntax,
                    parts is null ? "PruneDsl reads the tensors of cat only from an array or list written in the call" : "its dimension is not a non-negative constant",
                    "write cat(new[] { a, b }, 1)", touched);
            var all = nodes!.Select((n, i) => NodeOrFree(n, parts[i])).ToArray();
            if (dim == 1) return Add(NodeKind.Cat, all.All(n => RankOf(n) == Rank.Spatial) ? Rank.Spatial : Rank.Unknown, all, at: invocation.Syntax);
            // Along the batch or a spatial dimension the channels line up: they are one coupling class.
            return Add(NodeKind.Join, RankOf(all[0]), all, at: invocation.Syntax);
        }

        /// <summary>The elements of an array creation, a collection expression or a list initializer written in place.</summary>
        private static List<IOperation>? Elements(IOperation value)
        {
            switch (LayerFactory.Unwrap(value))
            {
                case IArrayCreationOperation { Initializer: { } initializer }:
                    return initializer.ElementValues.ToList();
                case ICollectionExpressionOperation collection:
                    return collection.Elements.Any(e => e is ISpreadOperation) ? null : collection.Elements.ToList();
                case IObjectCreationOperation { Initializer: { } listInitializer }:
                    var items = new List<IOperation>();
                    foreach (var item in listInitializer.Initializers)
                    {
                        if (item is IInvocationOperation { Arguments.Length: 1 } add) items.Add(add.Arguments[0].Value);
                        else return null;
                    }
                    return items;
                default:
                    return null;
            }
        }

        private int Binary(IOperation operation, BinaryOperatorKind kind, IOperation left, IOperation right)
        {
            var leftTensor = IsTensor(left);
            var rightTensor = IsTensor(right);
            if (!leftTensor && !rightTensor) return -1;
            var a = leftTensor ? Eval(left) : -1;
            var b = rightTensor ? Eval(right) : -1;
            var touched = new[] { a, b }.Where(n => n >= 0).Distinct().ToList();
            if (touched.Count == 0) return -1;
            switch (kind)
            {
                case BinaryOperatorKind.Add or BinaryOperatorKind.Subtract when leftTensor && rightTensor:
                    return Add(NodeKind.Join, RankOf(a >= 0 ? a : b), new[] { NodeOrFree(a, left), NodeOrFree(b, right) }, at: operation.Syntax);
                case BinaryOperatorKind.Add or BinaryOperatorKind.Subtract:
                    return Opaque(FactKind.UnsupportedOp, operation.Syntax, "it adds a number to every element, so a pruned channel would not stay 0",
                        "add tensors only, or fold the constant into a layer's bias", touched);
                case BinaryOperatorKind.Multiply when leftTensor != rightTensor:
                case BinaryOperatorKind.Divide when leftTensor && !rightTensor:
                    return Same(leftTensor ? a : b, null);
                default:
                    return Opaque(FactKind.UnsupportedOp, operation.Syntax,
                        kind is BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide
                            ? "an element-wise product or quotient of two tensors is not followed"
                            : "PruneDsl does not follow the operator '" + kind + "' on tensors",
                        "scale by a number, or keep the channels that can be pruned out of it", touched);
            }
        }

        // ---- helpers ----

        /// <summary>A field of this class that is a module PruneDsl knows, reached as <c>field</c> or <c>this.field</c>.</summary>
        private (IFieldSymbol, LayerInfo)? ModuleField(IOperation? instance)
        {
            if (LayerFactory.Unwrap(instance) is IFieldReferenceOperation reference
                && reference.Instance is null or IInstanceReferenceOperation
                && _fields.TryGetValue(reference.Field, out var layer)
                && layer.Kind != LayerKind.ModuleList
                && !(layer.Kind == LayerKind.Other))
                return (reference.Field, layer);
            return null;
        }

        private static ISymbol? Variable(IOperation target) => LayerFactory.Unwrap(target) switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };

        private void Bind(ISymbol symbol, int node)
        {
            if (node >= 0) _env[symbol] = node;
            else _env.Remove(symbol);
        }

        private static bool IsTensor(IOperation? operation)
        {
            var unwrapped = operation;
            // An implicit conversion to Tensor from a number (x + 1) is not a tensor operand.
            while (unwrapped is IConversionOperation { IsImplicit: true } conversion) unwrapped = conversion.Operand;
            return AttributeNames.IsTensor(unwrapped?.Type);
        }

        /// <summary>The nodes of forward's tensors that <paramref name="operation"/> reads (through its locals and parameters).</summary>
        private List<int> Touched(IOperation operation)
        {
            var nodes = new List<int>();
            foreach (var descendant in operation.DescendantsAndSelf())
            {
                var symbol = descendant switch
                {
                    ILocalReferenceOperation local => (ISymbol)local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (symbol is not null && _env.TryGetValue(symbol, out var node) && !nodes.Contains(node)) nodes.Add(node);
            }
            return nodes;
        }

        /// <summary>
        /// The nodes an operation the reader has no rule for computes from: its tensor sub-expressions, each evaluated once
        /// (a layer called inside it is still seen), and the tensors its other parts read.
        /// </summary>
        private List<int> Inputs(IOperation operation)
        {
            var nodes = new List<int>();
            foreach (var child in operation.ChildOperations)
            {
                var value = child is IArgumentOperation argument ? argument.Value : child;
                if (IsTensor(value))
                {
                    var node = Eval(value);
                    if (node >= 0 && !nodes.Contains(node)) nodes.Add(node);
                }
                else
                {
                    foreach (var node in Touched(value))
                        if (!nodes.Contains(node)) nodes.Add(node);
                }
            }
            return nodes;
        }

        /// <summary>
        /// The tensors a branch condition reads, less null checks (<c>x is null</c>, <c>x is not null</c>): those do not depend
        /// on the tensor's channels.
        /// </summary>
        private List<int> ConditionReads(IOperation condition)
        {
            var nodes = new List<int>();
            void Visit(IOperation operation)
            {
                if (operation is IIsPatternOperation { Pattern: var pattern } && IsNullPattern(pattern)) return;
                var symbol = operation switch
                {
                    ILocalReferenceOperation local => (ISymbol)local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (symbol is not null && _env.TryGetValue(symbol, out var node) && !nodes.Contains(node)) nodes.Add(node);
                foreach (var child in operation.ChildOperations) Visit(child);
            }
            Visit(condition);
            return nodes;
        }

        private static bool IsNullPattern(IPatternOperation pattern) => pattern switch
        {
            IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: null } } => true,
            INegatedPatternOperation negated => IsNullPattern(negated.Pattern),
            _ => false,
        };

        /// <summary>The locals and parameters a loop assigns.</summary>
        private static IEnumerable<ISymbol> AssignedIn(IOperation loop)
        {
            var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var descendant in loop.DescendantsAndSelf())
            {
                var target = descendant switch
                {
                    ISimpleAssignmentOperation assignment => Variable(assignment.Target),
                    ICompoundAssignmentOperation compound => Variable(compound.Target),
                    IInvocationOperation { Instance: { } instance } invocation when invocation.TargetMethod.Name.EndsWith("_", System.StringComparison.Ordinal) => Variable(instance),
                    _ => null,
                };
                if (target is not null && seen.Add(target)) yield return target;
            }
        }

        private Rank RankOf(int node) => node >= 0 && node < _ranks.Count ? _ranks[node] : Rank.Unknown;

        private int Add(NodeKind kind, Rank rank, IEnumerable<int>? inputs = null, string? layer = null, int fact = -1, SyntaxNode? at = null, string? statement = null)
        {
            // Nodes the resolution may report about carry where they are (relative to forward: stable under edits elsewhere).
            var anchor = at is null ? null : Anchors.InForward(_identity, _forward, at);
            _nodes.Add(new GraphNode(kind, new EquatableArray<int>(inputs ?? Enumerable.Empty<int>()), layer, statement ?? _statement, fact, anchor));
            _ranks.Add(rank);
            return _nodes.Count - 1;
        }

        private int Fact(FactKind kind, SyntaxNode syntax, string why, string fix)
        {
            var code = kind is FactKind.Branch or FactKind.Loop ? Head(syntax) : Code(syntax);
            _facts.Add(new GraphFact(kind, code, why, fix, Anchors.InForward(_identity, _forward, syntax)));
            return _facts.Count - 1;
        }

        private int Opaque(FactKind kind, SyntaxNode syntax, string why, string fix, IEnumerable<int> inputs) =>
            Add(NodeKind.Opaque, Rank.Unknown, inputs, fact: Fact(kind, syntax, why, fix));

        /// <summary>The statement being read, for the plan's comments.</summary>
        private void At(IOperation operation) => _statement = OneLine(operation.Syntax);

        private static string OneLine(SyntaxNode syntax)
        {
            var text = NormalizedSyntax.Of(syntax);
            return text.IndexOf('\n') < 0 ? text : System.Text.RegularExpressions.Regex.Replace(text, @"\s*\n\s*", " ");
        }

        private static string Code(SyntaxNode syntax)
        {
            var text = OneLine(syntax);
            return text.Length <= MaxCode ? text : text.Substring(0, MaxCode - 3) + "...";
        }

        /// <summary>A branch's or loop's head: <c>if (x.sum() &gt; 0)</c>, <c>foreach (var layer in layers)</c>.</summary>
        private static string Head(SyntaxNode syntax) => syntax switch
        {
            IfStatementSyntax s => "if (" + Code(s.Condition) + ")",
            ForEachStatementSyntax s => "foreach (" + OneLine(s.Type) + " " + s.Identifier.ValueText + " in " + Code(s.Expression) + ")",
            ForStatementSyntax => "for (...)",
            WhileStatementSyntax s => "while (" + Code(s.Condition) + ")",
            DoStatementSyntax => "do ... while",
            _ => Code(syntax),
        };
    }
}
