using System.Linq;
using Microsoft.CodeAnalysis;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// The generated Reconstruct method: its targets in forward order with the consumer forward gives each OBS layer, the
/// fields it leaves out, and PD0032-PD0034 at the exact span of the [Reconstruct] that applies.
/// </summary>
public class ReconstructGeneratorTests
{
    private static (GeneratorDriverRunResult Result, Compilation Output, string Text) Run(string source)
    {
        var text = Sources.Usings + source;
        var (result, output) = GeneratorHarness.Run(("Model.cs", text));
        return (result, output, text);
    }

    /// <summary>The only diagnostic with this id; it points at the first occurrence of <paramref name="spanText"/> after <paramref name="after"/>.</summary>
    private static Diagnostic At(GeneratorDriverRunResult result, string text, string id, string spanText, string? after = null)
    {
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal("Model.cs", diagnostic.Location.SourceTree?.FilePath);
        var span = diagnostic.Location.SourceSpan;
        var from = after is null ? 0 : text.IndexOf(after, System.StringComparison.Ordinal);
        Assert.Equal(text.IndexOf(spanText, from, System.StringComparison.Ordinal), span.Start);
        Assert.Equal(spanText, text.Substring(span.Start, span.Length));
        Assert.EndsWith("docs/diagnostics/" + id + ".md", diagnostic.Descriptor.HelpLinkUri);
        return diagnostic;
    }

    private static string Targets(GeneratorDriverRunResult result) =>
        string.Join("\n", result.GeneratedTrees.Single().GetText().ToString().Split('\n')
            .Where(l => l.Contains("new global::PruneDsl.Reconstruction.ReconstructionTarget(")).Select(l => l.Trim()));

    private static void Compiles(Compilation output) =>
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

    private const string Target = "new global::PruneDsl.Reconstruction.ReconstructionTarget(";

    [Fact]
    public void Order_and_consumer_come_from_forward_not_from_the_declarations()
    {
        var (result, output, _) = Run("""
            public partial class Crossed : Module<Tensor, Tensor>
            {
                [Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.5)] private readonly Linear fc1 = Linear(16, 8);
                [Reconstruct] private readonly Linear fc2 = Linear(12, 4);
                [Reconstruct(Bits = 8)] private readonly Linear fc3 = Linear(8, 12);
                public Crossed() : base(nameof(Crossed)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = functional.relu(fc1.call(x));
                    h = functional.relu(fc3.call(h));
                    return fc2.call(h);
                }
            }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(string.Join("\n",
            Target + "\"fc1\", this.fc1, Fc1Reconstruction, this.fc3),",
            Target + "\"fc3\", this.fc3, Fc3Reconstruction),",
            Target + "\"fc2\", this.fc2, Fc2Reconstruction),"), Targets(result));
        Compiles(output);
    }

    [Fact]
    public void Class_level_attribute_applies_to_every_Linear_and_a_None_field_opts_out()
    {
        var (result, output, _) = Run("""
            [Reconstruct(ReconstructionMethod.SparseGpt, Sparsity = 0.7)]
            public partial class Mlp : Module<Tensor, Tensor>
            {
                private readonly Linear fc1 = Linear(16, 8);
                [Reconstruct(ReconstructionMethod.None)] private readonly Linear head = Linear(8, 4);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
            }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(Target + "\"fc1\", this.fc1, Fc1Reconstruction),", Targets(result));
        var text = result.GeneratedTrees.Single().GetText().ToString();
        Assert.Contains("Fc1Reconstruction = new global::PruneDsl.Spec.ReconstructionSpec(", text);
        Assert.Contains("Sparsity: 0.7,", text);
        Assert.DoesNotContain("HeadReconstruction", text);
        Compiles(output);
    }

    [Fact]
    public void Obs_from_the_class_reaching_the_output_layer_is_PD0032_on_the_class_attribute()
    {
        var (result, output, text) = Run("""
            [Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.5)]
            public partial class Mlp : Module<Tensor, Tensor>
            {
                private readonly Linear fc1 = Linear(16, 8);
                private readonly Linear head = Linear(8, 4);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
            }
            """);
        var d = At(result, text, "PD0032", "Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.5)");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.StartsWith("'head' is declared for OBS neuron removal ([Reconstruct(ReconstructionMethod.Obs)]), but it is the model's output layer: "
                          + "forward returns its outputs, and no layer of the model reads them; ", d.GetMessage());
        // fc1 keeps its consumer, head; head itself is left out.
        Assert.Equal(Target + "\"fc1\", this.fc1, Fc1Reconstruction, this.head),", Targets(result));
        Compiles(output);
    }

    [Fact]
    public void Obs_on_a_layer_whose_output_is_also_added_elsewhere_is_PD0032_on_the_field_attribute()
    {
        var (result, _, text) = Run("""
            public partial class Skip : Module<Tensor, Tensor>
            {
                private readonly Linear fc0 = Linear(8, 8);
                [Reconstruct(ReconstructionMethod.Obs)] private readonly Linear fc1 = Linear(8, 8);
                private readonly Linear fc2 = Linear(8, 4);
                public Skip() : base(nameof(Skip)) => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var h = fc0.call(x);
                    var y = fc1.call(h) + h;
                    return fc2.call(y);
                }
            }
            """);
        var d = At(result, text, "PD0032", "Reconstruct(ReconstructionMethod.Obs)");
        Assert.Contains("but its outputs go to 'var y = fc1.call(h) + h;', not to one Linear layer alone through channel-wise operations;", d.GetMessage());
        // fc1 was the only target: no Reconstruct method at all.
        Assert.Equal(string.Empty, Targets(result));
        Assert.DoesNotContain("Reconstruct(global::System", result.GeneratedTrees.Single().GetText().ToString());
    }

    [Fact]
    public void Obs_into_an_N_M_consumer_is_PD0033_on_the_attribute_that_sets_Obs()
    {
        var (result, output, text) = Run("""
            public partial class Mlp : Module<Tensor, Tensor>
            {
                [Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.25)] private readonly Linear fc1 = Linear(16, 8);
                [Sparsity("2:4")] private readonly Linear head = Linear(8, 4);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => head.call(functional.relu(fc1.call(x)));
            }
            """);
        var d = At(result, text, "PD0033", "Reconstruct(ReconstructionMethod.Obs, Sparsity = 0.25)");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.StartsWith("'fc1' is declared for OBS neuron removal, and its consumer 'head' has [Sparsity(\"2:4\")]: ", d.GetMessage());
        Assert.Equal(Target + "\"fc1\", this.fc1, Fc1Reconstruction, this.head),", Targets(result));
        Compiles(output);
    }

    [Fact]
    public void Layer_forward_never_calls_is_PD0034_and_left_out()
    {
        var (result, output, text) = Run("""
            public partial class Mlp : Module<Tensor, Tensor>
            {
                [Reconstruct] private readonly Linear fc1 = Linear(16, 8);
                [Reconstruct(Bits = 4)] private readonly Linear spare = Linear(16, 8);
                public Mlp() : base(nameof(Mlp)) => RegisterComponents();
                public override Tensor forward(Tensor x) => fc1.call(x);
            }
            """);
        var d = At(result, text, "PD0034", "Reconstruct(Bits = 4)");
        Assert.Equal("'spare' has [Reconstruct] settings but is left out of the generated Reconstruct method: forward does not call it where PruneDsl can follow it, "
                     + "so the calibration would never see its inputs", d.GetMessage());
        Assert.Equal(Target + "\"fc1\", this.fc1, Fc1Reconstruction),", Targets(result));
        Compiles(output);
    }

    [Fact]
    public void Reconstruct_on_a_field_that_is_not_Linear_is_PD0002()
    {
        var (result, _, text) = Run("""
            public partial class Net : Module<Tensor, Tensor>
            {
                [Reconstruct] private readonly Conv2d conv = Conv2d(1, 4, 3);
                public Net() : base(nameof(Net)) => RegisterComponents();
                public override Tensor forward(Tensor x) => conv.call(x);
            }
            """);
        var d = At(result, text, "PD0002", "Reconstruct");
        Assert.Equal("[Reconstruct] is on 'conv' of type 'TorchSharp.Modules.Conv2d', but only fields of type TorchSharp.Modules.Linear are supported", d.GetMessage());
        Assert.Empty(result.GeneratedTrees);
    }
}
