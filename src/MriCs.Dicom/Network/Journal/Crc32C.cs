using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace MriCs.Dicom.Network.Journal;

/// <summary>CRC-32C (Castagnoli), with the SSE4.2 instruction where there is one: detects torn journal records.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    private const uint Poly = 0x82F63B78u; // reflected Castagnoli polynomial

    // X2n[k] = x^(2^k) mod P (reflected): squares, so x^n for any n is a product of at most 64 of them.
    private static readonly uint[] X2n = BuildPowers();

    private static uint[] BuildPowers()
    {
        var t = new uint[64];
        var p = 1u << 30; // x^1
        t[0] = p;
        for (var k = 1; k < t.Length; k++) t[k] = p = MultiplyModP(p, p);
        return t;
    }

    /// <summary>a * b modulo the polynomial, both reflected (bit 31 is x^0).</summary>
    private static uint MultiplyModP(uint a, uint b)
    {
        var product = 0u;
        for (var m = 1u << 31; m != 0 && a != 0; m >>= 1)
        {
            if ((a & m) != 0)
            {
                product ^= b;
                a ^= m;
            }
            b = (b & 1) != 0 ? (b >> 1) ^ Poly : b >> 1;
        }
        return product;
    }

    /// <summary>
    /// The CRC of A followed by B from the CRC of A, the CRC of B and B's length: CRC(A || B) = CRC(A) * x^(8 len B) + CRC(B)
    /// (mod P). Lets the journal checksum a data set while it arrives and put the meta block, known only at the end, in front.
    /// </summary>
    public static uint Combine(uint crcA, uint crcB, long lengthB)
    {
        if (lengthB <= 0) return crcA;
        var shift = 1u << 31; // x^0
        var bits = (ulong)lengthB * 8;
        for (var k = 0; bits != 0; k++, bits >>= 1)
            if ((bits & 1) != 0) shift = MultiplyModP(X2n[k], shift);
        return MultiplyModP(shift, crcA) ^ crcB;
    }

    /// <summary>Continues a CRC: start with 0, pass the previous result to append more bytes.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        if (Sse42.X64.IsSupported)
        {
            ulong c64 = c;
            while (data.Length >= 8)
            {
                c64 = Sse42.X64.Crc32(c64, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            c = (uint)c64;
            foreach (var b in data) c = Sse42.Crc32(c, b);
        }
        else
        {
            foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        }
        return ~c;
    }
}
