namespace PruneDsl.SourceGenerators.Tests;

public class ScratchTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;
    public ScratchTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    [Fact]
    public void Dump()
    {
        var results = PlanDump.Resolve(GraphSources.Files);
        foreach (var (name, result) in results)
        {
            _out.WriteLine("=== " + name);
            foreach (var d in result.Diagnostics) _out.WriteLine("diag " + d.Id + " " + string.Join(" ## ", d.Arguments));
            if (result.Model?.Plan is { } plan) _out.WriteLine(PlanDump.Text(plan));
        }
    }
}
