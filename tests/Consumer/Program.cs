// A user's first PruneDsl program, built from the package alone (run.sh): an annotated model, a few training steps on
// random data with the generated participation step, the kept widths, and the compaction, whose outputs must match.
using PruneDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

torch.manual_seed(7);
using var model = new TinyMlp();
var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-2);
using var inputs = torch.randn(256, 16);
using var labels = torch.randint(0, 4, new long[] { 256 });

for (var step = 1; step <= 20; step++)
{
    using var scope = torch.NewDisposeScope();
    optimizer.zero_grad();
    var loss = functional.cross_entropy(model.call(inputs), labels);
    loss.backward();
    optimizer.step();
    model.StepParticipations();                       // generated: the game's participation update (Eq. 17)
    if (step == 1 || step % 10 == 0) Console.WriteLine($"step {step,2}: loss {loss.item<float>():F4}");
}

Console.WriteLine($"kept: fc1 {model.Fc1Participation.KeptCount()} of {model.Fc1Participation.Count}, " +
                  $"fc2 {model.Fc2Participation.KeptCount()} of {model.Fc2Participation.Count}");

model.eval();
using var before = model.call(inputs).detach();
var report = model.Compact();                         // generated: physically smaller, same outputs
using var after = model.call(inputs).detach();
var difference = (after - before).abs().max().item<float>();
Console.WriteLine($"compacted: {string.Join(", ", report.Layers.Select(l => $"{l.Layer} {l.Before} -> {l.After}"))}; " +
                  $"parameters {report.ParametersBefore} -> {report.ParametersAfter}; max output difference {difference:E1}");
if (!(difference <= 1e-5f))
{
    Console.Error.WriteLine("consumer: the compacted model's outputs differ from the model's");
    return 1;
}
Console.WriteLine("consumer: ok");
return 0;

/// <summary>The model: two gated layers (the generator writes their participations, step, compaction) and a head.</summary>
public sealed partial class TinyMlp : Module<Tensor, Tensor>
{
    [ParticipationGroup] private readonly Linear fc1 = Linear(16, 32);
    [ParticipationGroup] private readonly Linear fc2 = Linear(32, 16);
    private readonly Linear head = Linear(16, 4);

    public TinyMlp() : base(nameof(TinyMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) =>
        head.call(functional.relu(fc2.call(functional.relu(fc1.call(x)))));
}

/// <summary>A deliberate mistake the analyzers must catch from the package: [Cost] on a layer without a group (PD0021).</summary>
public sealed class NoGroups : Module<Tensor, Tensor>
{
    [Cost(Gamma = 0.01)] private readonly Linear fc = Linear(8, 8);

    public NoGroups() : base(nameof(NoGroups)) => RegisterComponents();

    public override Tensor forward(Tensor x) => fc.call(x);
}
