using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

public class GeneratorDiagnosticTests
{
    private static Diagnostic SingleDiagnostic(string source, out string text)
    {
        text = Sources.Usings + source;
        var (result, _) = GeneratorHarness.Run(("Model.cs", text));
        Assert.Empty(result.GeneratedTrees);
        return Assert.Single(result.Diagnostics);
    }

    private static void AssertAt(Diagnostic diagnostic, string text, string expectedSpanText, string id, DiagnosticSeverity severity,
        string? anchor = null, int offsetInAnchor = 0)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal("Model.cs", diagnostic.Location.SourceTree?.FilePath ?? diagnostic.Location.GetLineSpan().Path);
        var span = diagnostic.Location.SourceSpan;
        Assert.Equal(expectedSpanText, text.Substring(span.Start, span.Length));
        var expectedStart = anchor is null
            ? text.IndexOf(expectedSpanText, System.StringComparison.Ordinal)
            : text.IndexOf(anchor, System.StringComparison.Ordinal) + offsetInAnchor;
        Assert.Equal(expectedStart, span.Start);
        Assert.EndsWith("docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void Class_not_partial_is_PD0001_on_the_class_name()
    {
        var d = SingleDiagnostic("""
            public class Sealed : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                public Sealed() : base("Sealed") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """, out var text);
        AssertAt(d, text, "Sealed", "PD0001", DiagnosticSeverity.Error);
        Assert.Contains("'Sealed' has PruneDsl attributes but is not declared partial", d.GetMessage());
    }

    /// <summary>[ParticipationGroup] goes on Linear and Conv2d fields; on a BatchNorm2d it is PD0002, naming what is supported.</summary>
    [Fact]
    public void Group_on_unsupported_type_is_PD0002_on_the_attribute()
    {
        var d = SingleDiagnostic("""
            public partial class Norm : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly BatchNorm2d bn = BatchNorm2d(8);
                public Norm() : base("Norm") => RegisterComponents();
                public override Tensor forward(Tensor x) => bn.call(x);
            }
            """, out var text);
        AssertAt(d, text, "ParticipationGroup", "PD0002", DiagnosticSeverity.Error);
        Assert.Equal("[ParticipationGroup] is on 'bn' of type 'TorchSharp.Modules.BatchNorm2d', but only fields of type TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d are supported", d.GetMessage());
    }

    /// <summary>[Sparsity] stays on Linear fields: on a Conv2d it is PD0002 (the runtime has no N:M convolution).</summary>
    [Fact]
    public void Sparsity_on_a_Conv2d_is_PD0002()
    {
        var d = SingleDiagnostic("""
            public partial class SparseConv : Module<Tensor, Tensor>
            {
                [Sparsity("2:4")] private readonly Conv2d conv = Conv2d(4, 8, 3);
                public SparseConv() : base("SparseConv") => RegisterComponents();
                public override Tensor forward(Tensor x) => conv.call(x);
            }
            """, out var text);
        AssertAt(d, text, "Sparsity(\"2:4\")", "PD0002", DiagnosticSeverity.Error);
        Assert.Equal("[Sparsity] is on 'conv' of type 'TorchSharp.Modules.Conv2d', but only fields of type TorchSharp.Modules.Linear are supported", d.GetMessage());
    }

    /// <summary>
    /// Models built from Sequential: groups are declared on fields. [ParticipationGroup] on a Sequential is PD0002, and its
    /// message gives the supported form (README, "Models built from Sequential").
    /// </summary>
    [Fact]
    public void Group_on_a_Sequential_is_PD0002_with_the_supported_form()
    {
        var d = SingleDiagnostic("""
            public partial class Features : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Sequential features = Sequential(Conv2d(1, 20, 5), ReLU(), MaxPool2d(2));
                public Features() : base("Features") => RegisterComponents();
                public override Tensor forward(Tensor x) => features.call(x);
            }
            """, out var text);
        AssertAt(d, text, "ParticipationGroup", "PD0002", DiagnosticSeverity.Error);
        Assert.Equal("[ParticipationGroup] is on 'features' of type 'TorchSharp.Modules.Sequential', but only fields of type TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d are supported"
                     + "; a Sequential's children are followed through forward, but groups are declared on fields: make each layer to prune a field "
                     + "([ParticipationGroup] private readonly Conv2d conv1 = Conv2d(1, 20, 5);) and call the fields in forward, keeping Sequential for the parts without groups",
            d.GetMessage());
    }

    [Fact]
    public void Class_that_is_not_a_module_is_PD0003()
    {
        var d = SingleDiagnostic("""
            public partial class NotAModule
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
            }
            """, out var text);
        AssertAt(d, text, "NotAModule", "PD0003", DiagnosticSeverity.Error);
    }

    [Fact]
    public void Own_RegisterComponents_is_PD0004_on_the_method()
    {
        var d = SingleDiagnostic("""
            public partial class Custom : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                public Custom() : base("Custom") => RegisterComponents();
                protected override void RegisterComponents() => base.RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """, out var text);
        AssertAt(d, text, "RegisterComponents", "PD0004", DiagnosticSeverity.Error, anchor: "void RegisterComponents", offsetInAnchor: 5);
    }

    [Fact]
    public void Generic_class_is_PD0005()
    {
        var d = SingleDiagnostic("""
            public partial class Generic<T> : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                public Generic() : base("Generic") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """, out var text);
        AssertAt(d, text, "Generic", "PD0005", DiagnosticSeverity.Error);
        Assert.Equal("'Generic' is generic; PruneDsl generates code only for non-generic classes (nested ones included, when every containing type is partial): make it non-generic", d.GetMessage());
    }

    [Fact]
    public void Class_nested_in_a_generic_type_is_PD0005()
    {
        var d = SingleDiagnostic("""
            public partial class Outer<T>
            {
                public partial class Inner : Module<Tensor, Tensor>
                {
                    [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                    public Inner() : base("Inner") => RegisterComponents();
                    public override Tensor forward(Tensor x) => fc1.call(x);
                }
            }
            """, out var text);
        AssertAt(d, text, "Inner", "PD0005", DiagnosticSeverity.Error);
        Assert.Contains("'Inner' is nested in the generic type 'Outer<T>'", d.GetMessage());
    }

    /// <summary>A nested model needs every type around it partial; each one that is not is named where it is declared.</summary>
    [Fact]
    public void Containing_type_not_partial_is_PD0007_on_that_type()
    {
        var text = Sources.Usings + """
            public static class Models
            {
                public partial class Group
                {
                    internal sealed partial class Inner : Module<Tensor, Tensor>
                    {
                        [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                        public Inner() : base("Inner") => RegisterComponents();
                        public override Tensor forward(Tensor x) => fc1.call(x);
                    }
                }
            }
            """;
        var (result, _) = GeneratorHarness.Run(("Model.cs", text));
        Assert.Empty(result.GeneratedTrees);
        var d = Assert.Single(result.Diagnostics);
        AssertAt(d, text, "Models", "PD0007", DiagnosticSeverity.Error);
        Assert.Equal("'Models' contains the model class 'Inner' but is not declared partial, so the generated part of 'Inner' cannot be nested in it; add the 'partial' modifier to 'Models'", d.GetMessage());
    }

    /// <summary>
    /// A gated field whose type the compiler cannot resolve (here: no <c>using TorchSharp.Modules;</c>) gets the compiler's
    /// CS0246, which names what is missing, and no PD0002 ("only Linear is supported" would send the user the wrong way).
    /// </summary>
    /// <summary>Found by RandomModelPropertyTests: fc1 and _fc1 both generated Fc1Cost and Fc1Participation (CS0102 in generated code).</summary>
    [Fact]
    public void Fields_whose_member_names_coincide_are_PD0009_on_the_second()
    {
        var d = SingleDiagnostic("""
            public partial class Twins : Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = Linear(4, 4);
                [ParticipationGroup] private readonly Linear _fc1 = Linear(4, 4);
                private readonly Linear head = Linear(4, 2);
                public Twins() : base("Twins") => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(_fc1.call(fc1.call(x)));
            }
            """, out var text);
        AssertAt(d, text, "_fc1", "PD0009", DiagnosticSeverity.Error, anchor: "Linear _fc1", offsetInAnchor: 7);
        Assert.Equal("The fields 'fc1' and '_fc1' of 'Twins' both become 'Fc1' in the names of their generated members (for example Fc1Cost); rename one of them", d.GetMessage());
    }

    /// <summary>
    /// Found by RandomModelPropertyTests: fields and classes named with C# keywords (<c>@base</c>) and settings that name no
    /// enum member (reported as PD0010) made generated code that did not compile.
    /// </summary>
    [Fact]
    public void Keyword_names_and_undefined_enum_values_generate_code_that_compiles()
    {
        var (result, output) = GeneratorHarness.Run(("Model.cs", Sources.Usings + """
            public static partial class @static
            {
                [Cost(Benefit = (BenefitSign)7)]
                public partial class @class : Module<Tensor, Tensor>
                {
                    [ParticipationGroup, Prune((Criterion)9, (PruneThreshold)(-1))] private readonly Linear @in = Linear(4, 8);
                    [ParticipationGroup, SelectionDynamics((Dynamics)int.MinValue)] private readonly Linear @base = Linear(8, 8);
                    [Sparsity("2:4")] private readonly Linear @out = Linear(8, 2);
                    public @class() : base("class") => RegisterComponents();
                    public override Tensor forward(Tensor x) => @out.call(@base.call(@in.call(x)));
                }
            }
            """));
        Assert.Empty(result.Diagnostics);
        var text = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains("partial class @class", text);
        Assert.Contains("plan.Producer(inChannels, Name(\"in\"), @in)", text);
        Assert.Contains("plan.Consumer(baseChannels, Name(\"out\"), @out, keepWholeGroupsOf: 4)", text);
        Assert.Contains("plan.Gate(inChannels, InCost, Name(\"in\"))", text);
        Assert.Contains("Benefit: (global::PruneDsl.BenefitSign)(7)", text);
        Assert.Contains("Kind: (global::PruneDsl.Dynamics)(-2147483648)", text);
        Assert.Contains("Criterion: (global::PruneDsl.Criterion)(9)", text);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Unresolved_field_type_is_left_to_the_compiler()
    {
        var source = """
            using PruneDsl;
            using TorchSharp;
            using static TorchSharp.torch;

            public partial class MissingUsing : nn.Module<Tensor, Tensor>
            {
                [ParticipationGroup] private readonly Linear fc1 = nn.Linear(4, 4);
                public MissingUsing() : base("MissingUsing") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """;
        var (result, output) = GeneratorHarness.Run(("Model.cs", source));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedTrees);
        var error = Assert.Single(output.GetDiagnostics().Where(e => e.Id == "CS0246"));
        Assert.Contains("'Linear'", error.GetMessage());
    }

    [Theory]
    [InlineData("[ParticipationGroup] private readonly Linear")]
    [InlineData("[ParticipationGroup] private readonly Linear fc1 = ;")]
    [InlineData("public partial class { [ParticipationGroup] Linear x; }")]
    [InlineData("[Cost(Beta = \"x\")] public partial class C : Module<Tensor, Tensor> { [ParticipationGroup] private Linear? f; public C() : base(\"C\") {} public override Tensor forward(Tensor x) => x; }")]
    [InlineData("[Sparsity(null)] [ParticipationGroup] class D { int q; }")]
    public void Generator_never_throws_on_broken_code(string source)
    {
        var compilation = GeneratorHarness.Compile(("Broken.cs", Sources.Usings + source));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
    }
}
