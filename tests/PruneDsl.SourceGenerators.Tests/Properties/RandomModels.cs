using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using Microsoft.CodeAnalysis.Text;
using PruneDsl.Spec;

namespace PruneDsl.SourceGenerators.Tests.Properties;

/// <summary>
/// An expression as written, and the constant the compiler makes of it. In an attribute argument a null
/// <see cref="Value"/> means it does not compile there; elsewhere (a layer width) it means it is no constant, and
/// <see cref="Compiles"/> says whether it compiles at all.
/// </summary>
internal sealed record Literal<T>(string Text, T? Value, bool Compiles = true) where T : struct
{
    public override string ToString() => Text;
}

/// <summary>The PruneDsl attributes.</summary>
internal enum AttributeKind
{
    ParticipationGroup,
    Cost,
    SelectionDynamics,
    Prune,
    TrainingLength,
    Sparsity,
    Reconstruct,
}

/// <summary>
/// One attribute as the generator of random models writes it: its text (without brackets) and what the spec says about
/// the values it writes. <see cref="Problems"/> is the spec's own <c>Validate()</c> of exactly these values (the
/// attribute's settings over the defaults, as the attribute declares them); null when an argument does not compile, so
/// that the compiler reports it. <see cref="Pattern"/>: the [Sparsity] pattern when it parses. For a [Reconstruct] that
/// compiles, <see cref="Apply"/> applies its values over given settings and <see cref="Sets"/> names the properties it
/// sets (Method for the constructor argument), so that a field's can be merged over the class's as the generator does.
/// </summary>
internal sealed record AttributeCase(AttributeKind Kind, string Text, IReadOnlyList<SpecProblem>? Problems, SparsityPattern? Pattern = null,
    Func<ReconstructionSpec, ReconstructionSpec>? Apply = null, IReadOnlyCollection<string>? Sets = null);

/// <summary>What a field is declared as.</summary>
internal enum FieldType { Linear, Conv2d, Tensor, Int, UnknownType }

/// <summary>Where a Linear field gets its layer.</summary>
internal enum Init { Initializer, Constructor, None }

/// <summary>A field of a random model.</summary>
internal sealed record FieldCase(string Name, FieldType Type, Literal<long> In, Literal<long> Out, bool? HasBias, Init Init, bool Static,
    bool CalledWithForward, IReadOnlyList<AttributeCase> Attributes);

/// <summary>How a random source is broken after it is written (none, truncated, or a token inserted or a span removed).</summary>
internal sealed record Corruption(int Kind, double At, double Length, string Token);

/// <summary>A random annotated class, before it is written.</summary>
internal sealed record ModelCase(
    string? Namespace,
    bool FileScopedNamespace,
    IReadOnlyList<string> Containers,
    string Name,
    bool Partial,
    bool Generic,
    bool Sealed,
    int Base,
    int Constructor,
    int ForwardShape,
    IReadOnlyList<AttributeCase> Attributes,
    IReadOnlyList<FieldCase> Fields,
    string? ExtraMember,
    bool SiblingInferenceClass,
    Corruption? Corruption);

/// <summary>
/// One attribute of a written model: where it is, the field declaration it is on (null on the class), and its oracle:
/// the spec's problems with its values, and for a [Sparsity] the width rule's problem with the layer it is on (which
/// holds only when the layer's declaration compiles).
/// </summary>
internal sealed record WrittenAttribute(AttributeKind Kind, TextSpan Span, TextSpan? Field, IReadOnlyList<SpecProblem>? Problems, SpecProblem? WidthProblem);

/// <summary>A written model: the source and what was written where (spans are meaningless when <see cref="Corrupted"/>).</summary>
internal sealed record RandomModel(ModelCase Case, string Source, IReadOnlyList<WrittenAttribute> Attributes, bool Corrupted)
{
    public override string ToString() => Source;
}

/// <summary>
/// The generator of random annotated classes for <see cref="RandomModelPropertyTests"/>: random layer counts and widths,
/// every PruneDsl attribute on class and fields with valid, invalid and extreme values (NaN, infinities, negative, huge,
/// zero, values of other types the compiler converts, and some it rejects), nested, generic and non-partial classes,
/// namespaces, names that clash with generated members or TorchSharp types, and sources broken at a random point.
/// </summary>
internal static class RandomModels
{
    private static Literal<double> D(string text, double? value) => new(text, value);
    private static Literal<int> I(string text, int? value) => new(text, value);
    private static Literal<long> L(string text, long? value) => new(text, value);

    /// <summary>Numbers a double setting may be given, with the double the compiler makes of each.</summary>
    private static readonly Gen<Literal<double>> Double = Gen.Frequency(
        (6, Gen.OneOf(D("0.5", 0.5), D("1.0", 1.0), D("1", 1), D("0.001", 0.001), D("7e-4", 7e-4), D("0.05", 0.05), D("0.0", 0.0),
            D("0", 0), D("0.01", 0.01), D("0.99", 0.99), D("10.0", 10.0), D("2", 2), D("0.1f", (double)0.1f), D("1e-6", 1e-6))),
        (5, Gen.OneOf(D("double.NaN", double.NaN), D("double.PositiveInfinity", double.PositiveInfinity),
            D("double.NegativeInfinity", double.NegativeInfinity), D("-1.0", -1.0), D("-0.0", -0.0), D("1e308", 1e308),
            D("double.MaxValue", double.MaxValue), D("double.MinValue", double.MinValue), D("double.Epsilon", double.Epsilon),
            D("1.0 / 0", double.PositiveInfinity), D("0.0 / 0", double.NaN), D("-1e-300", -1e-300), D("float.NaN", double.NaN),
            D("float.NegativeInfinity", double.NegativeInfinity), D("1e-45f", (double)1e-45f), D("3.4e38f", (double)3.4e38f),
            D("int.MaxValue", int.MaxValue), D("long.MinValue", long.MinValue), D("'A'", 'A'), D("(byte)255", 255),
            D("1e308 * 10", double.PositiveInfinity), D("1 - 1e-17", 1 - 1e-17), D("(double)decimal.MaxValue", (double)decimal.MaxValue))),
        (1, Gen.OneOf(D("\"0.5\"", null), D("true", null), D("null", null), D("1m", null), D("1e400", null), D("new object()", null))),
        (3, Gen.Double[-1e3, 1e3].Select(d => D(DoubleText(d), d))),
        (2, Gen.Double.Unit.Select(d => D(DoubleText(d), d))));

    /// <summary>Numbers an int setting may be given.</summary>
    private static readonly Gen<Literal<int>> Int = Gen.Frequency(
        (6, Gen.OneOf(I("1", 1), I("2", 2), I("4", 4), I("8", 8), I("20", 20), I("469", 469), I("128", 128), I("64", 64), I("32", 32), I("3", 3))),
        (4, Gen.OneOf(I("0", 0), I("-1", -1), I("int.MaxValue", int.MaxValue), I("int.MinValue", int.MinValue), I("'x'", 'x'),
            I("(short)-5", -5), I("(byte)0", 0), I("1 << 30", 1 << 30), I("-int.MaxValue", -int.MaxValue))),
        (1, Gen.OneOf(I("1.5", null), I("3000000000", null), I("\"3\"", null), I("null", null), I("1L", null), I("true", null))),
        (2, Gen.Int[-100, 10_000].Select(i => I(i.ToString(CultureInfo.InvariantCulture), i))));

    private static Gen<Literal<int>> Enum(string type, int defined)
    {
        var named = Enumerable.Range(0, defined).Select(v => I("(" + type + ")" + v, v)).ToArray();
        return Gen.Frequency(
            (6, Gen.OneOf(named)),
            (3, Gen.OneOf(I("(" + type + ")" + defined, defined), I("(" + type + ")(-1)", -1), I("(" + type + ")int.MaxValue", int.MaxValue),
                I("(" + type + ")int.MinValue", int.MinValue), I("0", 0))),
            (1, Gen.OneOf(I("1", null), I("\"" + type + "\"", null), I("null", null))));
    }

    private static readonly Gen<Literal<int>> Benefit = Enum("BenefitSign", 3);
    private static readonly Gen<Literal<int>> DynamicsKind = Enum("Dynamics", 2);
    private static readonly Gen<Literal<int>> CriterionKind = Enum("Criterion", 6);
    private static readonly Gen<Literal<int>> ThresholdKind = Enum("PruneThreshold", 3);
    private static readonly Gen<Literal<int>> MethodKind = Enum("ReconstructionMethod", 3);

    /// <summary>Patterns a [Sparsity] may be given: (text, compiles, value).</summary>
    private static readonly Gen<(string Text, bool Compiles, string? Value)> PatternText = Gen.Frequency(
        (5, Gen.OneOf(("\"2:4\"", true, "2:4"), ("\"1:4\"", true, "1:4"), ("\"2:8\"", true, "2:8"), ("\"1:2\"", true, "1:2"),
            ("\"3:4\"", true, "3:4"), ("\" 2 : 4 \"", true, " 2 : 4 "), ("\"4:16\"", true, "4:16"))),
        (4, Gen.OneOf<(string, bool, string?)>(("\"4:4\"", true, "4:4"), ("\"0:4\"", true, "0:4"), ("\"5:4\"", true, "5:4"), ("\"2:0\"", true, "2:0"),
            ("\"-1:4\"", true, "-1:4"), ("\"+2:4\"", true, "+2:4"), ("\"2/4\"", true, "2/4"), ("\"2:4:8\"", true, "2:4:8"), ("\"\"", true, ""),
            ("\" \"", true, " "), ("null", true, null), ("\"a:b\"", true, "a:b"), ("\"99999999999:4\"", true, "99999999999:4"),
            ("\"2147483646:2147483647\"", true, "2147483646:2147483647"), ("\"1:2147483647\"", true, "1:2147483647"), ("\"2:4\\n\"", true, "2:4\n"))),
        (1, Gen.OneOf<(string, bool, string?)>(("2", false, null), ("'2'", false, null), ("\"2:4\", \"x\"", false, null))),
        (1, Gen.Select(Gen.Int[-3, 40], Gen.Int[-3, 40]).Select(t => ("\"" + t.Item1 + ":" + t.Item2 + "\"", true, (string?)(t.Item1 + ":" + t.Item2)))));

    /// <summary>Layer widths: usual, zero, negative, huge.</summary>
    private static readonly Gen<Literal<long>> Width = Gen.Frequency(
        (8, Gen.OneOf(L("784", 784), L("512", 512), L("256", 256), L("10", 10), L("16", 16), L("8", 8), L("4", 4), L("3", 3), L("1", 1), L("64", 64))),
        (3, Gen.OneOf(L("0", 0), L("-1", -1), L("int.MaxValue", int.MaxValue), L("3000000000L", 3000000000L), L("long.MaxValue", long.MaxValue),
            L("long.MinValue", long.MinValue), L("-3000000000L", -3000000000L), L("System.Environment.ProcessorCount", null), new Literal<long>("n", null, Compiles: false))),
        (2, Gen.Int[1, 2048].Select(i => L(i.ToString(CultureInfo.InvariantCulture), i))));

    private static string DoubleText(double d)
    {
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + "d";
    }

    /// <summary>Each named setting included or not: (name, literal) for those included, in a random order.</summary>
    private static Gen<List<(string Name, Literal<T> Value)>> Settings<T>(params (string Name, Gen<Literal<T>> Value)[] settings) where T : struct =>
        Gen.Select(Gen.Bool.Array[settings.Length], Gen.Int[0, settings.Length - 1], Sequence(settings.Select(s => s.Value).ToArray()),
            (include, rotate, values) => Enumerable.Range(0, settings.Length)
                .Select(i => (i + rotate) % settings.Length)
                .Where(i => include[i])
                .Select(i => (settings[i].Name, values[i]))
                .ToList());

    /// <summary>One sample of each generator, in order.</summary>
    private static Gen<T[]> Sequence<T>(Gen<T>[] gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<T>()), (all, g) => Gen.Select(all, g, (a, x) => a.Append(x).ToArray()));

    private static string Arguments(IEnumerable<string> positional, IEnumerable<string> named)
    {
        var all = positional.Concat(named).ToList();
        return all.Count == 0 ? string.Empty : "(" + string.Join(", ", all) + ")";
    }

    private static readonly Gen<AttributeCase> Cost =
        Gen.Select(Settings(("Alpha", Double), ("Beta", Double), ("Gamma", Double), ("Eta", Double), ("LearningRate", Double), ("Epsilon", Double)),
            Gen.Bool, Benefit, Gen.Int[0, 30], (settings, withBenefit, benefit, unknown) =>
            {
                var named = settings.Select(s => s.Name + " = " + s.Value.Text).ToList();
                if (withBenefit) named.Add("Benefit = " + benefit.Text);
                if (unknown == 0) named.Add("Delta = 1.0");
                var compiles = settings.All(s => s.Value.Value is not null) && (!withBenefit || benefit.Value is not null) && unknown != 0;
                IReadOnlyList<SpecProblem>? problems = null;
                if (compiles)
                {
                    var spec = CostSpec.Default;
                    foreach (var (name, value) in settings)
                    {
                        var v = value.Value!.Value;
                        spec = name switch
                        {
                            "Alpha" => spec with { Alpha = v },
                            "Beta" => spec with { Beta = v },
                            "Gamma" => spec with { Gamma = v },
                            "Eta" => spec with { Eta = v },
                            "LearningRate" => spec with { LearningRate = v },
                            _ => spec with { Epsilon = v },
                        };
                    }
                    if (withBenefit) spec = spec with { Benefit = (BenefitSign)benefit.Value!.Value };
                    problems = spec.Validate();
                }
                return new AttributeCase(AttributeKind.Cost, "Cost" + Arguments(Array.Empty<string>(), named), problems);
            });

    private static readonly Gen<AttributeCase> SelectionDynamics =
        Gen.Select(Gen.Bool, DynamicsKind, Settings(("LearningRate", Double), ("Smoothing", Double), ("TargetSparsity", Double)), (withKind, kind, settings) =>
        {
            var compiles = (!withKind || kind.Value is not null) && settings.All(s => s.Value.Value is not null);
            IReadOnlyList<SpecProblem>? problems = null;
            if (compiles)
            {
                var spec = DynamicsSpec.Default;
                if (withKind) spec = spec with { Kind = (Dynamics)kind.Value!.Value };
                foreach (var (name, value) in settings)
                {
                    var v = value.Value!.Value;
                    spec = name switch
                    {
                        "LearningRate" => spec with { LearningRate = v },
                        "Smoothing" => spec with { Smoothing = v },
                        _ => spec with { TargetSparsity = v },
                    };
                }
                problems = spec.Validate();
            }
            var positional = withKind ? new[] { kind.Text } : Array.Empty<string>();
            return new AttributeCase(AttributeKind.SelectionDynamics,
                "SelectionDynamics" + Arguments(positional, settings.Select(s => s.Name + " = " + s.Value.Text)), problems);
        });

    private static readonly Gen<AttributeCase> Prune =
        Gen.Select(Gen.Int[0, 20], CriterionKind, Gen.Bool, ThresholdKind, Settings(("Sparsity", Double), ("Beta", Double)), (shape, criterion, withThreshold, threshold, settings) =>
        {
            var withCriterion = shape != 0; // [Prune] without its criterion does not compile
            var compiles = withCriterion && criterion.Value is not null && (!withThreshold || threshold.Value is not null) && settings.All(s => s.Value.Value is not null);
            IReadOnlyList<SpecProblem>? problems = null;
            if (compiles)
            {
                var spec = new PruneSpec((Criterion)criterion.Value!.Value, withThreshold ? (PruneThreshold)threshold.Value!.Value : PruneThreshold.Effective);
                foreach (var (name, value) in settings)
                    spec = name == "Sparsity" ? spec with { Sparsity = value.Value!.Value } : spec with { Beta = value.Value!.Value };
                problems = spec.Validate();
            }
            var positional = new List<string>();
            if (withCriterion) positional.Add(criterion.Text);
            if (withCriterion && withThreshold) positional.Add(threshold.Text);
            return new AttributeCase(AttributeKind.Prune, "Prune" + Arguments(positional, settings.Select(s => s.Name + " = " + s.Value.Text)), problems);
        });

    private static readonly Gen<AttributeCase> TrainingLength =
        Settings(("Epochs", Int), ("StepsPerEpoch", Int)).Select(settings =>
        {
            IReadOnlyList<SpecProblem>? problems = null;
            if (settings.All(s => s.Value.Value is not null))
            {
                // Unset values are 0 (the attribute's defaults), which the schedule's Validate rejects.
                int epochs = 0, steps = 0;
                foreach (var (name, value) in settings)
                    if (name == "Epochs") epochs = value.Value!.Value;
                    else steps = value.Value!.Value;
                problems = new TrainingSchedule(epochs, steps).Validate();
            }
            return new AttributeCase(AttributeKind.TrainingLength,
                "TrainingLength" + Arguments(Array.Empty<string>(), settings.Select(s => s.Name + " = " + s.Value.Text)), problems);
        });

    private static readonly Gen<AttributeCase> Sparsity = PatternText.Select(p =>
    {
        IReadOnlyList<SpecProblem>? problems = null;
        SparsityPattern? parsed = null;
        if (p.Compiles)
        {
            if (SparsityPattern.TryParse(p.Value, out var pattern, out var error))
            {
                parsed = pattern;
                problems = Array.Empty<SpecProblem>();
            }
            else problems = new[] { new SpecProblem("Pattern", double.NaN, error) };
        }
        return new AttributeCase(AttributeKind.Sparsity, "Sparsity(" + p.Text + ")", problems, parsed);
    });

    private static readonly Gen<AttributeCase> Reconstruct =
        Gen.Select(Gen.Bool, MethodKind, Settings(("Sparsity", Double), ("Dampening", Double)),
            Settings(("BlockSize", Int), ("CalibrationBatches", Int), ("Bits", Int), ("GroupSize", Int)), (withMethod, method, doubles, ints) =>
            {
                var compiles = (!withMethod || method.Value is not null) && doubles.All(s => s.Value.Value is not null) && ints.All(s => s.Value.Value is not null);
                var positional = withMethod ? new[] { method.Text } : Array.Empty<string>();
                var text = "Reconstruct" + Arguments(positional, doubles.Select(s => s.Name + " = " + s.Value.Text).Concat(ints.Select(s => s.Name + " = " + s.Value.Text)));
                if (!compiles) return new AttributeCase(AttributeKind.Reconstruct, text, null);
                ReconstructionSpec Apply(ReconstructionSpec spec)
                {
                    if (withMethod) spec = spec with { Method = (ReconstructionMethod)method.Value!.Value };
                    foreach (var (name, value) in doubles)
                        spec = name == "Sparsity" ? spec with { Sparsity = value.Value!.Value } : spec with { Dampening = value.Value!.Value };
                    foreach (var (name, value) in ints)
                    {
                        var v = value.Value!.Value;
                        spec = name switch
                        {
                            "BlockSize" => spec with { BlockSize = v },
                            "CalibrationBatches" => spec with { CalibrationBatches = v },
                            "Bits" => spec with { Bits = v },
                            _ => spec with { GroupSize = v },
                        };
                    }
                    return spec;
                }
                var sets = doubles.Select(s => s.Name).Concat(ints.Select(s => s.Name)).Concat(withMethod ? new[] { "Method" } : Array.Empty<string>()).ToList();
                return new AttributeCase(AttributeKind.Reconstruct, text, Apply(ReconstructionSpec.Default).Validate(), Apply: Apply, Sets: sets);
            });

    /// <summary>
    /// A field's [Reconstruct] merged over the class's, as the generator and the analyzer merge them: the problems of the
    /// merged settings that are the field's to answer for (a value it sets, or a default neither sets; a value only the
    /// class sets is the class's). Without a class-level one: its own problems; null when the class's does not compile.
    /// </summary>
    private static AttributeCase MergedOverClass(AttributeCase field, AttributeCase? classAttribute)
    {
        if (field.Apply is null || classAttribute is null) return field;
        if (classAttribute.Apply is null) return field with { Problems = null };
        var merged = field.Apply(classAttribute.Apply(ReconstructionSpec.Default));
        return field with { Problems = merged.Validate().Where(p => IsFields(field, classAttribute, p)).ToList() };
    }

    private static bool IsFields(AttributeCase field, AttributeCase? classAttribute, SpecProblem problem) =>
        field.Sets!.Contains(problem.Property) || classAttribute?.Sets is not { } classSets || !classSets.Contains(problem.Property);

    private static readonly Gen<AttributeCase> Group = Gen.Frequency(
        (10, Gen.Const(new AttributeCase(AttributeKind.ParticipationGroup, "ParticipationGroup", Array.Empty<SpecProblem>()))),
        (2, Gen.Const(new AttributeCase(AttributeKind.ParticipationGroup, "ParticipationGroup()", Array.Empty<SpecProblem>()))),
        (1, Gen.Const(new AttributeCase(AttributeKind.ParticipationGroup, "ParticipationGroup(1)", null))));

    /// <summary>An attribute in a place it cannot go (the compiler's CS0592): [TrainingLength] on a field, [ParticipationGroup] on a class.</summary>
    private static AttributeCase Misplaced(AttributeCase attribute) => attribute with { Problems = null };

    /// <summary>The attributes of a class: any of the class-level ones, each at most once, rarely one that is not allowed there.</summary>
    private static readonly Gen<List<AttributeCase>> ClassAttributes =
        Gen.Select(Gen.Int[0, 3], Cost, Gen.Int[0, 4], SelectionDynamics, Gen.Int[0, 4], Prune, Gen.Int[0, 3], TrainingLength, Gen.Int[0, 5], Reconstruct, Gen.Int[0, 40], Group,
            (c, cost, d, dynamics, p, prune, t, training, r, reconstruct, g, group) =>
            {
                var list = new List<AttributeCase>();
                if (c == 0) list.Add(cost);
                if (d == 0) list.Add(dynamics);
                if (p == 0) list.Add(prune);
                if (t == 0) list.Add(training);
                if (r == 0) list.Add(reconstruct);
                if (g == 0) list.Add(Misplaced(group));
                return list;
            });

    /// <summary>The attributes of a field: mostly [ParticipationGroup], with any of the others.</summary>
    private static readonly Gen<List<AttributeCase>> FieldAttributes =
        Gen.Select(Gen.Int[0, 9], Group, Gen.Int[0, 3], Cost, Gen.Int[0, 4], Sparsity, Gen.Int[0, 6], SelectionDynamics, Gen.Int[0, 6], Prune, Gen.Int[0, 8], Reconstruct,
            Gen.Select(Gen.Int[0, 60], TrainingLength),
            (g, group, c, cost, s, sparsity, d, dynamics, p, prune, r, reconstruct, t) =>
            {
                var list = new List<AttributeCase>();
                if (g < 7) list.Add(group);
                if (c == 0) list.Add(cost);
                if (s == 0) list.Add(sparsity);
                if (d == 0) list.Add(dynamics);
                if (p == 0) list.Add(prune);
                if (r == 0) list.Add(reconstruct);
                if (t.Item1 == 0) list.Add(Misplaced(t.Item2));
                return list;
            });

    /// <summary>Field names: usual ones, and names that clash with what the generator writes or with keywords.</summary>
    private static readonly Gen<string> FieldName = Gen.Frequency(
        (12, Gen.Int[0, 6].Select(i => "fc" + i)),
        (3, Gen.OneOf("hidden", "_hidden", "input_layer", "head", "output", "layer_2", "Fc1", "_fc1", "fc_1", "FC1", "x", "h")),
        (2, Gen.OneOf("@class", "@event", "@int", "_", "__", "@base", "@this", "Layer", "\u00e9tage", "fc1\u0301")),
        (1, Gen.OneOf("StepParticipations", "ParticipationLayers", "_participationLayers", "HardPrune", "Compact", "Fc1Participation",
            "Fc1Cost", "ToInference", "RegisterComponents", "forward", "training", "name", "CompactionSteps", "Fc0Participation", "Fc0Cost")));

    private static readonly Gen<FieldCase> Field =
        Gen.Select(FieldName, Gen.Frequency((12, Gen.Const(FieldType.Linear)), (1, Gen.Const(FieldType.Conv2d)), (1, Gen.Const(FieldType.Tensor)),
                (1, Gen.Const(FieldType.Int)), (1, Gen.Const(FieldType.UnknownType))),
            Width, Width, Gen.Int[0, 6], Gen.Frequency((10, Gen.Const(Init.Initializer)), (2, Gen.Const(Init.Constructor)), (1, Gen.Const(Init.None))),
            Gen.Int[0, 30], Gen.Int[0, 12], FieldAttributes,
            (name, type, @in, @out, bias, init, isStatic, forward, attributes) => new FieldCase(name, type, @in, @out,
                bias switch { 0 => false, 1 => true, _ => null }, init, isStatic == 0, forward == 0, attributes));

    /// <summary>Containing types: none mostly; partial or not, static, record, struct, generic.</summary>
    private static readonly Gen<string[]> Containers = Gen.Frequency(
        (8, Gen.Const(Array.Empty<string>())),
        (3, Gen.OneOf("public static partial class Experiments", "internal partial record Setup(int Seed)", "public partial class Outer",
                "public class Outer", "public partial struct Holder", "public partial class Outer<T>", "internal static class Plain",
                "public partial interface IModels", "public static partial class @static")
            .Array[1, 2]));

    private static readonly Gen<string> ClassName = Gen.Frequency(
        (10, Gen.OneOf("Mlp", "Net", "TinyMlp", "Model1", "DeepNet")),
        (2, Gen.OneOf("Linear", "Tensor", "Module", "Parameter", "torch", "nn", "functional", "Conv2d", "ParticipationLayer", "CostSpec",
            "Sequential", "Cost", "CostAttribute", "Compactor", "@partial", "@class", "@event", "Mlp\u00e9")));

    private static readonly Gen<string?> Namespace = Gen.Frequency(
        (4, Gen.Const((string?)null)),
        (6, Gen.OneOf<string?>("Examples", "Examples.Models", "Models.TorchSharp", "PruneDsl.Models", "A.B.C", "Linear", "System", "@namespace.@class")));

    private static readonly Gen<string?> ExtraMember = Gen.Frequency(
        (8, Gen.Const((string?)null)),
        (1, Gen.OneOf<string?>(
            "private int StepParticipations;",
            "public void HardPrune() { }",
            "private readonly int _participationLayers = 0;",
            "public int Fc1Participation => 0;",
            "public static readonly int Fc1Cost = 1;",
            "public void Compact() { }",
            "protected override void RegisterComponents() => base.RegisterComponents();",
            "public class ParticipationLayer { }",
            "private static Linear Make() => Linear(3, 3);",
            "public override string ToString() => \"x\";",
            "public Tensor forward(Tensor x, Tensor y) => x;")));

    private static readonly Gen<Corruption?> Corrupt = Gen.Frequency(
        (6, Gen.Const((Corruption?)null)),
        (1, Gen.Select(Gen.Int[0, 2], Gen.Double.Unit, Gen.Double.Unit, Gen.OneOf("}", "{", "[", "(", ";", ")", "]", "[Cost(", "\"", "/*", "#if X\n",
                "[ParticipationGroup]", ",", "=", "partial ", "<", "@", "=>", "\n#endregion\n"),
            (kind, at, length, token) => (Corruption?)new Corruption(kind, at, length, token))));

    /// <summary>Random annotated classes.</summary>
    public static readonly Gen<RandomModel> Models =
        Gen.Select(Gen.Select(Namespace, Gen.Int[0, 3], Containers, ClassName, Gen.Int[0, 8], Gen.Int[0, 12], Gen.Bool),
                Gen.Select(Gen.Int[0, 12], Gen.Int[0, 10], Gen.Int[0, 9], ClassAttributes, Field.Array[0, 5], ExtraMember, Gen.Int[0, 25], Corrupt),
                (a, b) => new ModelCase(a.Item1, a.Item2 == 0, a.Item3, a.Item4, a.Item5 != 0, a.Item6 == 0, a.Item7,
                    b.Item1 switch { 0 => 1, 1 => 2, _ => 0 }, b.Item2, b.Item3, b.Item4, b.Item5, b.Item6, b.Item7 == 0, b.Item8))
            .Select(Write);

    /// <summary>Writes the model's source, recording where each attribute went.</summary>
    public static RandomModel Write(ModelCase m)
    {
        var text = new StringBuilder(Sources.Usings);
        var written = new List<WrittenAttribute>();
        var indent = "";

        void Line(string line) => text.Append(indent).Append(line).Append('\n');

        var classReconstruct = m.Attributes.FirstOrDefault(a => a.Kind == AttributeKind.Reconstruct);

        void Attributes(IReadOnlyList<AttributeCase> attributes, FieldCase? field)
        {
            foreach (var attribute in attributes)
            {
                var a = field is not null && attribute.Kind == AttributeKind.Reconstruct ? MergedOverClass(attribute, classReconstruct) : attribute;
                text.Append('[');
                var start = text.Length;
                text.Append(a.Text);
                written.Add(new WrittenAttribute(a.Kind, new TextSpan(start, a.Text.Length), null, a.Problems,
                    a.Problems is null ? null : a.Kind == AttributeKind.Reconstruct ? ReconstructWidthProblem(a, field, classReconstruct) : WidthProblem(a, field)));
                text.Append("] ");
            }
        }

        if (m.Namespace is { } ns)
        {
            if (m.FileScopedNamespace) Line("namespace " + ns + ";");
            else
            {
                Line("namespace " + ns);
                Line("{");
                indent += "    ";
            }
        }
        foreach (var container in m.Containers)
        {
            Line(container);
            Line("{");
            indent += "    ";
        }

        var name = m.Name;
        var typeName = m.Generic ? name + "<T>" : name;
        var plainName = name.TrimStart('@');
        var baseType = m.Base switch { 0 => " : Module<Tensor, Tensor>", 1 => " : Module<Tensor, Tensor, Tensor>", _ => "" };
        text.Append(indent);
        Attributes(m.Attributes, null);
        text.Append("public " + (m.Sealed ? "sealed " : "") + (m.Partial ? "partial " : "") + "class " + typeName + baseType + "\n");
        Line("{");
        indent += "    ";

        foreach (var f in m.Fields)
        {
            text.Append(indent);
            var fieldStart = text.Length;
            var attributeIndex = written.Count;
            Attributes(f.Attributes, f);
            var type = f.Type switch
            {
                FieldType.Linear => "Linear",
                FieldType.Conv2d => "Conv2d",
                FieldType.Tensor => "Tensor",
                FieldType.Int => "int",
                _ => "Lineer",
            };
            var initializer = f.Type switch
            {
                FieldType.Linear when f.Init == Init.Initializer => " = " + LinearCall(f),
                FieldType.Conv2d when f.Init == Init.Initializer => " = Conv2d(" + f.In.Text + ", " + f.Out.Text + ", 3)",
                FieldType.Int => " = 1",
                _ => "",
            };
            text.Append("private " + (f.Static ? "static " : "") + "readonly " + type + " " + f.Name + initializer + ";");
            var span = TextSpan.FromBounds(fieldStart, text.Length);
            for (var i = attributeIndex; i < written.Count; i++) written[i] = written[i] with { Field = span };
            text.Append('\n');
        }

        var linear = m.Fields.Where(f => f.Type == FieldType.Linear && !f.Static).ToList();
        var assigned = m.Fields.Where(f => f.Type == FieldType.Linear && f.Init == Init.Constructor && !f.Static).ToList();
        var isModule = m.Base != 2;
        var baseCall = isModule ? " : base(\"" + plainName + "\")" : "";
        switch (assigned.Count > 0 ? 2 : m.Constructor % 5)
        {
            case 0 when isModule:
                Line("public " + name + "()" + " : base(nameof(" + name + ")) => RegisterComponents();");
                break;
            case 1:
                Line("public " + name + "()" + baseCall + " { }");
                break;
            default:
                Line("public " + name + "()" + baseCall);
                Line("{");
                foreach (var f in assigned) Line("    " + f.Name + " = " + LinearCall(f) + ";");
                if (isModule) Line("    RegisterComponents();");
                Line("}");
                break;
        }

        var body = "x";
        foreach (var f in linear)
            body = f.Name + (f.CalledWithForward ? ".forward(" : ".call(") + (body == "x" ? "x" : "functional.relu(" + body + ")") + ")";
        var signature = m.Base == 1 ? "forward(Tensor x, Tensor y)" : "forward(Tensor x)";
        var modifier = isModule ? "public override Tensor " : "public Tensor ";
        switch (m.ForwardShape % 4)
        {
            case 0:
                Line(modifier + signature);
                Line("{");
                Line("    var h = x;");
                for (var i = 0; i < linear.Count; i++)
                {
                    var call = linear[i].Name + (linear[i].CalledWithForward ? ".forward(h)" : ".call(h)");
                    Line("    h = " + (i == linear.Count - 1 ? call : "functional.relu(" + call + ")") + ";");
                }
                Line("    return h;");
                Line("}");
                break;
            case 1 when linear.Count > 0:
                Line(modifier + signature + " => x is null ? x! : " + body + ";");
                break;
            default:
                Line(modifier + signature + " => " + body + ";");
                break;
        }
        if (m.ExtraMember is { } extra) Line(extra);

        indent = indent[..^4];
        Line("}");
        if (m.SiblingInferenceClass) Line("public class " + plainName + "Inference { }");
        foreach (var _ in m.Containers)
        {
            indent = indent[..^4];
            Line("}");
        }
        if (m.Namespace is not null && !m.FileScopedNamespace) Line("}");

        var source = text.ToString();
        if (m.Corruption is { } c)
        {
            var at = (int)(c.At * source.Length);
            source = c.Kind switch
            {
                0 => source[..at],
                1 => source[..at] + c.Token + source[at..],
                _ => source[..at] + source[Math.Min(source.Length, at + 1 + (int)(c.Length * 40))..],
            };
        }
        return new RandomModel(m, source, written, m.Corruption is not null);
    }

    private static string LinearCall(FieldCase f) =>
        "Linear(" + f.In.Text + ", " + f.Out.Text + (f.HasBias is { } b ? ", hasBias: " + (b ? "true" : "false") : "") + ")";

    /// <summary>
    /// A field's [Reconstruct] on a Linear field whose fan-in is a constant and that the merged settings prune or quantize:
    /// the first problem that only the layer shows (its [Sparsity] pattern, its input width;
    /// <see cref="ReconstructionSpec.Validate(long)"/>) and that is the field's to answer for (null when there is none).
    /// </summary>
    private static SpecProblem? ReconstructWidthProblem(AttributeCase a, FieldCase? field, AttributeCase? classAttribute)
    {
        if (a.Apply is null || field is not { Type: FieldType.Linear, Static: false } f || f.Init == Init.None || f.In.Value is not { } width || !f.Out.Compiles)
            return null;
        if (classAttribute is not null && classAttribute.Apply is null) return null;
        var spec = a.Apply(classAttribute?.Apply!(ReconstructionSpec.Default) ?? ReconstructionSpec.Default);
        if (spec.Method == ReconstructionMethod.None && spec.Bits == 0) return null;
        var plain = spec.Validate().Select(p => (p.Property, p.Requirement)).ToHashSet();
        if (f.Attributes.FirstOrDefault(x => x.Kind == AttributeKind.Sparsity)?.Pattern is { } pattern) spec = spec with { Pattern = pattern.ToString() };
        return spec.Validate(width).Where(p => p.Property != "Pattern" && !plain.Contains((p.Property, p.Requirement)) && IsFields(a, classAttribute, p))
            .Select(p => (SpecProblem?)p).FirstOrDefault();
    }

    /// <summary>
    /// A [Sparsity] on a Linear field whose fan-in is a constant: what the pattern's <see cref="SparsityPattern.Divides"/>
    /// rule says about that width (null when it holds or does not apply).
    /// </summary>
    private static SpecProblem? WidthProblem(AttributeCase a, FieldCase? field)
    {
        if (a.Kind != AttributeKind.Sparsity || a.Pattern is not { } pattern || field is not { Type: FieldType.Linear, Static: false } f
            || f.Init == Init.None || f.In.Value is not { } width || !f.Out.Compiles)
            return null;
        return pattern.Divides(width) ? null : new SpecProblem("Pattern", width, "needs a width that is a multiple of M = " + pattern.M);
    }
}
