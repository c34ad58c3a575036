using MriCs.Dicom.Network.Journal;

namespace MriCs.Dicom.Network.Tests;

/// <summary>The journal's CRC-32C: the standard check value, and combining the CRC of a data set computed as it arrived.</summary>
public class Crc32CTests
{
    [Fact]
    public void Check_value_of_the_castagnoli_crc()
    {
        // CRC-32C of the ASCII digits 1..9 (RFC 3720, the usual check value): 0xE3069283.
        Assert.Equal(0xE3069283u, Crc32C.Append(0, "123456789"u8));
        // Appending in pieces gives the same result as one call.
        Assert.Equal(0xE3069283u, Crc32C.Append(Crc32C.Append(0, "1234"u8), "56789"u8));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 5)]
    [InlineData(5, 0)]
    [InlineData(1, 1)]
    [InlineData(17, 4096)]
    [InlineData(600, 383_000)]
    [InlineData(3, 1_000_003)]
    public void Crc_of_a_concatenation_combines_from_the_crcs_of_its_parts(int first, int second)
    {
        var bytes = new byte[first + second];
        new Random(first * 31 + second).NextBytes(bytes);
        var whole = Crc32C.Append(0, bytes);
        var combined = Crc32C.Combine(Crc32C.Append(0, bytes.AsSpan(0, first)), Crc32C.Append(0, bytes.AsSpan(first)), second);
        Assert.Equal(whole, combined);
    }

    [Fact]
    public void Combining_depends_on_the_length_of_the_second_part()
    {
        var a = Crc32C.Append(0, new byte[] { 1, 2, 3 });
        var b = Crc32C.Append(0, new byte[] { 4, 5, 6 });
        Assert.NotEqual(Crc32C.Combine(a, b, 3), Crc32C.Combine(a, b, 4));
        Assert.NotEqual(a ^ b, Crc32C.Combine(a, b, 3));
    }
}
