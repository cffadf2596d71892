using PruneDsl.Spec;
using PruneDsl.SourceGenerators.Rules;

namespace PruneDsl.SourceGenerators.Tests;

/// <summary>The nearest valid pattern offered for a malformed [Sparsity] string (PD0018 and its fix).</summary>
public class SparsityRepairTests
{
    [Theory]
    [InlineData("4:2", "2:4")]      // swapped
    [InlineData("4:4", "3:4")]      // N clamped below M
    [InlineData("0:4", "1:4")]      // N clamped to 1
    [InlineData("2-4", "2:4")]      // other separators
    [InlineData("2/8", "2:8")]
    [InlineData(" 1 : 2 : 3", "1:2")] // first two numbers
    [InlineData("24", "2:4")]       // missing separator
    [InlineData("1:1", "2:4")]      // M < 2: no group to keep from
    [InlineData("two:four", "2:4")] // no numbers
    [InlineData("", "2:4")]
    [InlineData(null, "2:4")]
    [InlineData("99999999999:4", "2:4")] // out of range
    public void Nearest_valid_pattern(string? text, string expected)
    {
        var nearest = SparsityRepair.Nearest(text).ToString();
        Assert.Equal(expected, nearest);
        Assert.True(SparsityPattern.TryParse(nearest, out _, out _));
    }
}
