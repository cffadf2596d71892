using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using PruneDsl.SourceGenerators.Graph;
using PruneDsl.SourceGenerators.Models;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>
/// Reads models and resolves their channel plans as the generator's pipeline does (ModelBuilder, then Coupling with the
/// graphs of every model), and writes a plan as one line per statement, for assertions on the coupling rule itself.
/// </summary>
internal static class PlanDump
{
    /// <summary>Every annotated class of the sources, read and resolved, by class name.</summary>
    public static Dictionary<string, ModelResult> Resolve(params (string Path, string Source)[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var classes = compilation.SyntaxTrees
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
                .Select(c => (INamedTypeSymbol)compilation.GetSemanticModel(t).GetDeclaredSymbol(c)!))
            .Where(LayerReader.IsModel)
            .Select(ModelBuilder.Identity)
            .Distinct()
            .ToList();
        var read = classes.Select(c => ModelBuilder.Build(c, compilation, CancellationToken.None)).ToList();
        var graphs = new EquatableArray<ClassGraph>(read.Where(r => r.Graph is not null).Select(r => r.Graph!));
        return read.Where(r => r.Graph is not null).Select(r => Coupling.Apply(r, graphs)).ToDictionary(r => r.Graph!.ClassName);
    }

    /// <summary>The plan, one statement a line: <c>Kind space name access offset total | text</c>; root statements after "--".</summary>
    public static string Text(ClassPlan plan)
    {
        var builder = new StringBuilder();
        foreach (var step in plan.Describe) builder.AppendLine(Line(step));
        builder.AppendLine("return " + plan.Output);
        builder.AppendLine("--");
        foreach (var step in plan.Root) builder.AppendLine(Line(step));
        builder.AppendLine("gates: " + string.Join(", ", plan.Gates.Select(g => g.Property)));
        return builder.ToString().Replace("\r\n", "\n");
    }

    private static string Line(PlanStep s)
    {
        var parts = new List<string> { s.Kind.ToString(), s.Space };
        if (s.Name is not null) parts.Add(s.Name);
        if (s.Other is not null) parts.Add("<- " + s.Other);
        if (s.Groups != 1) parts.Add("whole groups of " + s.Groups);
        if (s.Text is not null && s.Kind is StepKind.Gate or StepKind.Evolve or StepKind.Prune) parts.Add(s.Text);
        if (s.Text is not null && s.Kind is StepKind.Opaque or StepKind.Ungated) parts.Add("| " + s.Text);
        return string.Join(" ", parts);
    }
}
