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
