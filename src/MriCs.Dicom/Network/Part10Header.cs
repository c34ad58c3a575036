using System.Buffers.Binary;
using System.Text;

namespace MriCs.Dicom.Network;

/// <summary>
/// The File Meta Information of a Part 10 file (PS3.10 7.1) as far as the network layer needs it:
/// reading a file's SOP UIDs, syntax and data set offset (SCU), and writing the header in front
/// of a data set received over the network (SCP), which is then streamed after it unchanged.
/// </summary>
public sealed record Part10Header(string SopClassUid, string SopInstanceUid, string TransferSyntaxUid, long DataSetOffset)
{
    private const int MaxMetaLength = 64 * 1024;

    /// <summary>Reads the preamble, "DICM" and group 0002 (explicit VR little endian) from <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">Not a Part 10 file, or a malformed meta group; the message names the file and byte offset.</exception>
    public static Part10Header Read(Stream stream, string name)
    {
        var head = new byte[132];
        if (ReadFully(stream, head) < 132 || head[128] != 'D' || head[129] != 'I' || head[130] != 'C' || head[131] != 'M')
            throw new InvalidDataException($"{name}: not a DICOM Part 10 file (no 'DICM' at byte 128)");
        var values = new Dictionary<ushort, string>();
        long pos = 132;
        var hdr = new byte[12];
        while (true)
        {
            if (pos - 132 > MaxMetaLength) throw new InvalidDataException($"{name}: file meta information longer than {MaxMetaLength} bytes");
            var got = ReadFully(stream, hdr.AsSpan(0, 8));
            if (got == 0) break;
            if (got < 8) throw new InvalidDataException($"{name}: element header truncated at byte {pos}");
            var group = BinaryPrimitives.ReadUInt16LittleEndian(hdr);
            if (group != 0x0002)
            {
                stream.Seek(-got, SeekOrigin.Current);
                break;
            }
            var element = BinaryPrimitives.ReadUInt16LittleEndian(hdr.AsSpan(2));
            if (hdr[4] is < (byte)'A' or > (byte)'Z' || hdr[5] is < (byte)'A' or > (byte)'Z')
                throw new InvalidDataException($"{name}: file meta element (0002,{element:X4}) at byte {pos} is not explicit VR");
            var vr = Encoding.ASCII.GetString(hdr, 4, 2);
            long length;
            var headerLength = 8;
            if (IsLongVr(vr))
            {
                if (ReadFully(stream, hdr.AsSpan(8, 4)) < 4) throw new InvalidDataException($"{name}: element header truncated at byte {pos}");
                length = BinaryPrimitives.ReadUInt32LittleEndian(hdr.AsSpan(8));
                headerLength = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(hdr.AsSpan(6));
            }
            if (length > MaxMetaLength)
                throw new InvalidDataException($"{name}: file meta element (0002,{element:X4}) at byte {pos} declares length {length}");
            var value = new byte[length];
            if (ReadFully(stream, value) < length) throw new InvalidDataException($"{name}: file meta element (0002,{element:X4}) at byte {pos} truncated");
            if (vr is "UI" or "AE" or "SH") values[element] = Encoding.ASCII.GetString(value).TrimEnd('\0', ' ');
            pos += headerLength + length;
        }
        string Get(ushort element, string what) => values.TryGetValue(element, out var v) && v.Length > 0
            ? v : throw new InvalidDataException($"{name}: file meta information lacks {what} (0002,{element:X4})");
        return new Part10Header(Get(0x0002, "Media Storage SOP Class UID"), Get(0x0003, "Media Storage SOP Instance UID"),
            Get(0x0010, "Transfer Syntax UID"), pos);
    }

    /// <summary>Preamble, "DICM" and group 0002 for a data set in <paramref name="transferSyntaxUid"/>.</summary>
    public static byte[] Encode(string sopClassUid, string sopInstanceUid, string transferSyntaxUid, string? sourceAeTitle)
    {
        var elements = new MemoryStream();
        WriteElement(elements, 0x0001, "OB", [0, 1]);
        WriteElement(elements, 0x0002, "UI", Padded(sopClassUid, 0));
        WriteElement(elements, 0x0003, "UI", Padded(sopInstanceUid, 0));
        WriteElement(elements, 0x0010, "UI", Padded(transferSyntaxUid, 0));
        WriteElement(elements, 0x0012, "UI", Padded(NetworkUids.ImplementationClassUid, 0));
        WriteElement(elements, 0x0013, "SH", Padded(NetworkUids.ImplementationVersionName, (byte)' '));
        if (!string.IsNullOrEmpty(sourceAeTitle)) WriteElement(elements, 0x0016, "AE", Padded(sourceAeTitle, (byte)' '));
        var result = new byte[128 + 4 + 12 + elements.Length];
        "DICM"u8.CopyTo(result.AsSpan(128));
        var s = result.AsSpan(132);
        BinaryPrimitives.WriteUInt16LittleEndian(s, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], 0);
        "UL"u8.CopyTo(s[4..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)elements.Length);
        elements.ToArray().CopyTo(s[12..]);
        return result;
    }

    private static byte[] Padded(string value, byte pad)
    {
        var n = Encoding.ASCII.GetByteCount(value);
        var b = new byte[n + (n & 1)];
        Encoding.ASCII.GetBytes(value, b);
        if ((n & 1) != 0) b[^1] = pad;
        return b;
    }

    private static void WriteElement(MemoryStream s, ushort element, string vr, byte[] value)
    {
        Span<byte> h = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(h, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
        Encoding.ASCII.GetBytes(vr, h[4..]);
        if (IsLongVr(vr))
        {
            h[6] = 0; h[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)value.Length);
            s.Write(h);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)value.Length);
            s.Write(h[..8]);
        }
        s.Write(value);
    }

    internal static bool IsLongVr(string vr) => vr is "OB" or "OW" or "OF" or "OD" or "OL" or "OV" or "SQ" or "UT" or "UN" or "UC" or "UR" or "SV" or "UV";

    private static int ReadFully(Stream s, Span<byte> buffer)
    {
        var got = 0;
        while (got < buffer.Length)
        {
            var n = s.Read(buffer[got..]);
            if (n == 0) break;
            got += n;
        }
        return got;
    }
}
