using System;
using System.Linq;
using PruneDsl.Sparsity;
using PruneDsl.Spec;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Sparsity;

public class NmCompressedTests
{
    private static readonly SparsityPattern TwoFour = SparsityPattern.Parse("2:4");

    // One row, four groups = one 16-bit metadata word.
    private static readonly float[] OneRowDense =
    {
        0, 5, 0, -3,      // positions 1,3 -> 0xD
        7, 2, 0, 0,       // positions 0,1 -> 0x4
        0, 0, 1.5f, 4,    // positions 2,3 -> 0xE
        9, 0, 0, -1,      // positions 0,3 -> 0xC
    };

    [Fact]
    public void Two_four_metadata_packs_one_nibble_per_group_first_group_lowest()
    {
        var c = NmCompressed.FromDense(OneRowDense, 1, 16, TwoFour);
        Assert.True(c.IsPacked24);
        Assert.Equal(1, c.MetadataWordsPerRow);
        Assert.Equal(new ushort[] { 0xCE4D }, c.Metadata.ToArray());
        Assert.Equal(new float[] { 5, -3, 7, 2, 1.5f, 4, 9, -1 }, c.Values.ToArray());
        Assert.True(c.Indices.IsEmpty);
        Assert.Equal(new byte[] { 1, 3, 0, 1, 2, 3, 0, 3 }, c.UnpackIndices());
        Assert.Equal(3, c.GetIndex(0, 0, 1));
        Assert.Equal(2, c.GetIndex(0, 2, 0));
        Assert.Equal(8 * 4 + 2, c.StorageBytes);
        Assert.Equal(OneRowDense, c.ToDense());
    }

    [Fact]
    public void Two_four_rows_start_a_new_word_pad_unused_nibbles_with_zero_and_fill_sparse_groups_from_the_left()
    {
        var dense = new float[]
        {
            0, 0, 6, 0,   0, 0, 0, 0,   // one nonzero -> positions 0,2 (0x8); all zero -> positions 0,1 (0x4)
            1, 0, 0, 2,   0, 3, 4, 0,   // 0xC, 0x9
        };
        var c = NmCompressed.FromDense(dense, 2, 8, TwoFour);
        Assert.Equal(new ushort[] { 0x0048, 0x009C }, c.Metadata.ToArray());
        Assert.Equal(new float[] { 0, 6, 0, 0, 1, 2, 3, 4 }, c.Values.ToArray());
        Assert.Equal(dense, c.ToDense());
    }

    [Fact]
    public void Encode24_gives_the_tensor_core_nibbles()
    {
        Assert.Equal(0x4, NmCompressed.Encode24(0, 1));
        Assert.Equal(0x8, NmCompressed.Encode24(0, 2));
        Assert.Equal(0xC, NmCompressed.Encode24(0, 3));
        Assert.Equal(0x9, NmCompressed.Encode24(1, 2));
        Assert.Equal(0xD, NmCompressed.Encode24(1, 3));
        Assert.Equal(0xE, NmCompressed.Encode24(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => NmCompressed.Encode24(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => NmCompressed.Encode24(3, 1));
    }

    [Fact]
    public void Hand_made_metadata_decodes_to_the_dense_weight_and_bad_nibbles_are_rejected()
    {
        var c = NmCompressed.From24Metadata(1, 16, new float[] { 5, -3, 7, 2, 1.5f, 4, 9, -1 }, new ushort[] { 0xCE4D });
        Assert.Equal(OneRowDense, c.ToDense());

        // Nibble 1 = 0x1: positions (1, 0) are not ascending.
        var ex = Assert.Throws<ArgumentException>(() => NmCompressed.From24Metadata(1, 16, new float[8], new ushort[] { 0xCE1D }));
        Assert.Contains("0xCE1D", ex.Message);
        // Row of 8 inputs: the two high nibbles are unused and must be 0.
        Assert.Throws<ArgumentException>(() => NmCompressed.From24Metadata(1, 8, new float[4], new ushort[] { 0x4044 }));
        Assert.Throws<ArgumentException>(() => NmCompressed.From24Metadata(1, 16, new float[7], new ushort[] { 0xCE4D }));
    }

    [Theory]
    [InlineData("2:4", 9, 32)]
    [InlineData("3:8", 6, 24)]
    [InlineData("1:4", 5, 12)]
    [InlineData("2:4", 3, 20)]
    public void Round_trip_reproduces_the_dense_masked_weight_exactly(string text, int rows, int columns)
    {
        var pattern = SparsityPattern.Parse(text);
        manual_seed(21);
        using var w = randn(rows, columns);
        using var mask = NmSparsity.Prune(w, pattern, "fc");
        var c = NmCompressed.FromTensor(w, pattern, "fc");
        Assert.Equal(rows, c.Rows);
        Assert.Equal(columns, c.Columns);
        Assert.Equal(rows * columns / pattern.M * pattern.N, c.Values.Length);
        Assert.Equal(pattern.N == 2 && pattern.M == 4, c.IsPacked24);

        using var back = c.ToTensor();
        Assert.Equal(new long[] { rows, columns }, back.shape);
        Assert.True(back.eq(w).all().item<bool>());
        var original = w.data<float>().ToArray();
        Assert.Equal(original.Select(BitConverter.SingleToInt32Bits), c.ToDense().Select(BitConverter.SingleToInt32Bits));

        // Positions ascend within each group and point at the kept weights.
        var positions = c.UnpackIndices();
        var keep = mask.data<bool>().ToArray();
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < c.GroupsPerRow; g++)
                for (int k = 0; k < pattern.N; k++)
                {
                    int p = positions[r * c.ValuesPerRow + g * pattern.N + k];
                    Assert.Equal(p, c.GetIndex(r, g, k));
                    if (k > 0) Assert.True(p > positions[r * c.ValuesPerRow + g * pattern.N + k - 1]);
                    Assert.True(keep[r * columns + g * pattern.M + p]);
                }

        // Building from values + byte positions gives the same object, packed the same way.
        var rebuilt = NmCompressed.FromValuesAndIndices(pattern, rows, columns, c.Values, positions);
        Assert.Equal(c.Values.ToArray(), rebuilt.Values.ToArray());
        Assert.Equal(c.Metadata.ToArray(), rebuilt.Metadata.ToArray());
        Assert.Equal(c.Indices.ToArray(), rebuilt.Indices.ToArray());
    }

    [Fact]
    public void A_dense_weight_that_breaks_the_pattern_is_rejected_with_its_row_and_group()
    {
        var dense = new float[] { 1, 2, 3, 4, 0, 0, 0, 0, /* row 1 */ 1, 0, 0, 1, 1, 1, 1, 0 };
        var ex = Assert.Throws<ArgumentException>(() => NmCompressed.FromDense(dense, 2, 8, TwoFour, "fc3"));
        Assert.Contains("fc3", ex.Message);
        Assert.Contains("row 0, group 0", ex.Message);
        Assert.Contains("4 nonzero", ex.Message);

        var ex2 = Assert.Throws<ArgumentException>(() => NmCompressed.FromDense(new float[12], 2, 6, TwoFour, "fc3"));
        Assert.Contains("fc3", ex2.Message);
        Assert.Contains("6", ex2.Message);
    }

    [Fact]
    public void General_positions_must_ascend_and_stay_below_M()
    {
        var pattern = SparsityPattern.Parse("2:8");
        var values = new float[] { 1, 2 };
        Assert.Equal(new float[] { 0, 0, 0, 1, 0, 0, 0, 2 }, NmCompressed.FromValuesAndIndices(pattern, 1, 8, values, new byte[] { 3, 7 }).ToDense());
        Assert.Throws<ArgumentException>(() => NmCompressed.FromValuesAndIndices(pattern, 1, 8, values, new byte[] { 7, 3 }));
        Assert.Throws<ArgumentException>(() => NmCompressed.FromValuesAndIndices(pattern, 1, 8, values, new byte[] { 3, 3 }));
        Assert.Throws<ArgumentException>(() => NmCompressed.FromValuesAndIndices(pattern, 1, 8, values, new byte[] { 3, 8 }));
    }

    [Fact]
    public void A_masked_linear_compresses_to_its_own_weight()
    {
        manual_seed(9);
        using var lin = nn.Linear(32, 12);
        using var sparse = new NmMaskedLinear(lin, TwoFour, "fc");
        var c = sparse.Compress();
        using var back = c.ToTensor();
        Assert.True(back.eq(lin.weight!).all().item<bool>());
        Assert.Equal(12 * 16, c.Values.Length);
    }
}
