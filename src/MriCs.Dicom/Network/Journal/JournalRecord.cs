using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MriCs.Dicom.Network.Journal;

/// <summary>What the journal keeps beside the Part 10 bytes of an instance: enough to materialize and announce it.</summary>
internal sealed record JournalMeta(
    string SopClassUid,
    string SopInstanceUid,
    string TransferSyntaxUid,
    string StudyInstanceUid,
    string SeriesInstanceUid,
    AssociationInfo Association)
{
    public byte[] Encode()
    {
        string[] fields =
        [
            SopClassUid, SopInstanceUid, TransferSyntaxUid, StudyInstanceUid, SeriesInstanceUid,
            Association.CallingAe, Association.CalledAe, Association.Remote?.Address.ToString() ?? "",
            Association.Remote?.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            Association.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        var size = 2 + fields.Sum(f => 2 + Encoding.UTF8.GetByteCount(f));
        var bytes = new byte[size];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)fields.Length);
        var at = 2;
        foreach (var f in fields)
        {
            var n = Encoding.UTF8.GetBytes(f, bytes.AsSpan(at + 2));
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)n);
            at += 2 + n;
        }
        return bytes;
    }

    /// <summary>Null when the bytes are not a meta block this version wrote.</summary>
    public static JournalMeta? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2) return null;
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        if (count < 10) return null;
        var fields = new string[count];
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            if (at + 2 > bytes.Length) return null;
            var n = BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);
            if (at + 2 + n > bytes.Length) return null;
            fields[i] = Encoding.UTF8.GetString(bytes.Slice(at + 2, n));
            at += 2 + n;
        }
        IPEndPoint? remote = IPAddress.TryParse(fields[7], out var address) && int.TryParse(fields[8], out var port) && port is >= 0 and <= 65535
            ? new IPEndPoint(address, port) : null;
        long.TryParse(fields[9], out var id);
        return new JournalMeta(fields[0], fields[1], fields[2], fields[3], fields[4], new AssociationInfo(id, fields[5], fields[6], remote));
    }
}

/// <summary>
/// Record layout (little endian), appended back to back from offset 0 of a segment:
/// <c>magic u32 | headerCrc u32 | seq u64 | metaLength u32 | bodyCrc u32 | payloadLength u64 | meta | payload</c>.
/// headerCrc (CRC-32C) covers bytes 8..32 of the header, bodyCrc the meta and the payload (the Part 10 file).
/// </summary>
internal static class JournalRecord
{
    public const uint Magic = 0x4A52_434D; // "MCRJ"
    public const int HeaderSize = 32;
    public const int MaxMetaLength = 16 * 1024;

    public static void WriteHeader(Span<byte> header, long seq, int metaLength, uint bodyCrc, long payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], metaLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], bodyCrc);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32C.Append(0, header[8..HeaderSize]));
    }

    public readonly record struct Header(long Seq, int MetaLength, uint BodyCrc, long PayloadLength)
    {
        public long RecordLength => HeaderSize + MetaLength + PayloadLength;
    }

    /// <summary>Null unless the magic and the header CRC match and the lengths are sane.</summary>
    public static Header? ReadHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != Crc32C.Append(0, header[8..HeaderSize])) return null;
        var h = new Header(BinaryPrimitives.ReadInt64LittleEndian(header[8..]), BinaryPrimitives.ReadInt32LittleEndian(header[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(header[20..]), BinaryPrimitives.ReadInt64LittleEndian(header[24..]));
        if (h.Seq <= 0 || h.MetaLength is <= 0 or > MaxMetaLength || h.PayloadLength < 0) return null;
        return h;
    }
}
