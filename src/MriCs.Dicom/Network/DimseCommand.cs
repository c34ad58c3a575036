using System.Buffers.Binary;
using System.Text;

namespace MriCs.Dicom.Network;

/// <summary>Command Field values (PS3.7 E.1).</summary>
public static class CommandField
{
    public const ushort CStoreRq = 0x0001;
    public const ushort CStoreRsp = 0x8001;
    public const ushort CGetRq = 0x0010;
    public const ushort CFindRq = 0x0020;
    public const ushort CMoveRq = 0x0021;
    public const ushort CEchoRq = 0x0030;
    public const ushort CEchoRsp = 0x8030;
    public const ushort CCancelRq = 0x0FFF;

    public static bool IsResponse(ushort field) => (field & 0x8000) != 0;
}

/// <summary>DIMSE status codes used by C-ECHO and C-STORE (PS3.7 Annex C, PS3.4 B.2.3).</summary>
public static class DimseStatus
{
    public const ushort Success = 0x0000;
    public const ushort SopClassNotSupported = 0x0122;
    public const ushort DuplicateSopInstance = 0x0111;
    public const ushort UnrecognizedOperation = 0x0211;
    public const ushort OutOfResources = 0xA700;
    public const ushort DataSetDoesNotMatchSopClass = 0xA900;
    public const ushort CannotUnderstand = 0xC000;
    public const ushort ProcessingFailure = 0x0110;

    public static bool IsSuccess(ushort status) => status == Success;

    /// <summary>Warning statuses (0001, Bxxx): the instance was stored.</summary>
    public static bool IsWarning(ushort status) => status == 0x0001 || (status & 0xF000) == 0xB000;

    public static string Describe(ushort status) => status switch
    {
        Success => "success",
        SopClassNotSupported => "refused: SOP class not supported",
        DuplicateSopInstance => "duplicate SOP instance",
        UnrecognizedOperation => "unrecognized operation",
        OutOfResources => "refused: out of resources",
        DataSetDoesNotMatchSopClass => "error: data set does not match SOP class",
        CannotUnderstand => "error: cannot understand",
        ProcessingFailure => "processing failure",
        _ when (status & 0xF000) == 0xB000 => $"warning 0x{status:X4}",
        _ when (status & 0xFF00) == 0xA700 => $"refused: out of resources (0x{status:X4})",
        _ when (status & 0xFF00) == 0xA900 => $"error: data set does not match SOP class (0x{status:X4})",
        _ when (status & 0xF000) == 0xC000 => $"error: cannot understand (0x{status:X4})",
        _ => $"status 0x{status:X4}",
    };
}

/// <summary>
/// A DIMSE command set: group 0000 elements, always implicit VR little endian (PS3.7 6.3.1, E.1).
/// </summary>
public sealed class DimseCommand
{
    public const uint TagGroupLength = 0x0000_0000;
    public const uint TagAffectedSopClassUid = 0x0000_0002;
    public const uint TagCommandField = 0x0000_0100;
    public const uint TagMessageId = 0x0000_0110;
    public const uint TagMessageIdBeingRespondedTo = 0x0000_0120;
    public const uint TagPriority = 0x0000_0700;
    public const uint TagCommandDataSetType = 0x0000_0800;
    public const uint TagStatus = 0x0000_0900;
    public const uint TagErrorComment = 0x0000_0902;
    public const uint TagAffectedSopInstanceUid = 0x0000_1000;
    public const uint TagMoveOriginatorAeTitle = 0x0000_1030;
    public const uint TagMoveOriginatorMessageId = 0x0000_1031;

    /// <summary>Value of Command Data Set Type meaning "no data set".</summary>
    public const ushort NoDataSet = 0x0101;

    private readonly SortedDictionary<uint, byte[]> _elements = [];

    public IReadOnlyCollection<uint> Tags => _elements.Keys;

    public ushort CommandField => GetUInt16(TagCommandField) ?? throw new DicomNetworkException("DIMSE command has no Command Field (0000,0100)");
    public ushort? MessageId => GetUInt16(TagMessageId);
    public ushort? MessageIdBeingRespondedTo => GetUInt16(TagMessageIdBeingRespondedTo);
    public bool HasDataSet => (GetUInt16(TagCommandDataSetType) ?? NoDataSet) != NoDataSet;
    public ushort? Status => GetUInt16(TagStatus);
    public string? AffectedSopClassUid => GetString(TagAffectedSopClassUid);
    public string? AffectedSopInstanceUid => GetString(TagAffectedSopInstanceUid);
    public string? ErrorComment => GetString(TagErrorComment);
    public ushort Priority => GetUInt16(TagPriority) ?? 0;

    public DimseCommand SetUInt16(uint tag, ushort value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _elements[tag] = b;
        return this;
    }

    /// <summary>Sets a UI (NUL padded) or text (space padded) element.</summary>
    public DimseCommand SetString(uint tag, string value, bool isUid)
    {
        var n = Encoding.ASCII.GetByteCount(value);
        var b = new byte[n + (n & 1)];
        Encoding.ASCII.GetBytes(value, b);
        if ((n & 1) != 0) b[^1] = isUid ? (byte)0 : (byte)' ';
        _elements[tag] = b;
        return this;
    }

    public ushort? GetUInt16(uint tag) =>
        _elements.TryGetValue(tag, out var b) && b.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(b) : null;

    public string? GetString(uint tag) =>
        _elements.TryGetValue(tag, out var b) ? Encoding.ASCII.GetString(b).TrimEnd('\0', ' ') : null;

    public byte[] Encode()
    {
        var bodyLength = 0;
        foreach (var (tag, value) in _elements)
            if (tag != TagGroupLength) bodyLength += 8 + value.Length;
        var buf = new byte[12 + bodyLength];
        var s = buf.AsSpan();
        WriteHeader(s, TagGroupLength, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)bodyLength);
        var pos = 12;
        foreach (var (tag, value) in _elements)
        {
            if (tag == TagGroupLength) continue;
            WriteHeader(s[pos..], tag, value.Length);
            value.CopyTo(s[(pos + 8)..]);
            pos += 8 + value.Length;
        }
        return buf;
    }

    private static void WriteHeader(Span<byte> s, uint tag, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], (ushort)tag);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)length);
    }

    /// <summary>Decodes a command set; every element must lie in group 0000 and within the buffer.</summary>
    public static DimseCommand Decode(ReadOnlySpan<byte> data)
    {
        var cmd = new DimseCommand();
        var pos = 0;
        while (pos < data.Length)
        {
            if (data.Length - pos < 8)
                throw new DicomNetworkException($"DIMSE command: element header at byte {pos} truncated ({data.Length - pos} of 8 bytes)");
            var group = BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]);
            var element = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 2)..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (group != 0)
                throw new DicomNetworkException($"DIMSE command: element ({group:X4},{element:X4}) at byte {pos} is outside group 0000");
            if (length > (uint)(data.Length - pos - 8))
                throw new DicomNetworkException($"DIMSE command: element (0000,{element:X4}) at byte {pos} declares length {length} but only {data.Length - pos - 8} bytes remain");
            if (!cmd._elements.TryAdd(element, data.Slice(pos + 8, (int)length).ToArray()))
                throw new DicomNetworkException($"DIMSE command: element (0000,{element:X4}) repeated at byte {pos}");
            pos += 8 + (int)length;
        }
        _ = cmd.CommandField;
        return cmd;
    }

    public static DimseCommand CEchoRq(ushort messageId) => new DimseCommand()
        .SetString(TagAffectedSopClassUid, NetworkUids.Verification, isUid: true)
        .SetUInt16(TagCommandField, Network.CommandField.CEchoRq)
        .SetUInt16(TagMessageId, messageId)
        .SetUInt16(TagCommandDataSetType, NoDataSet);

    public static DimseCommand CStoreRq(ushort messageId, string sopClassUid, string sopInstanceUid, ushort priority = 0) => new DimseCommand()
        .SetString(TagAffectedSopClassUid, sopClassUid, isUid: true)
        .SetUInt16(TagCommandField, Network.CommandField.CStoreRq)
        .SetUInt16(TagMessageId, messageId)
        .SetUInt16(TagPriority, priority)
        .SetUInt16(TagCommandDataSetType, 0x0000)
        .SetString(TagAffectedSopInstanceUid, sopInstanceUid, isUid: true);

    /// <summary>The response to <paramref name="request"/> (field | 0x8000, echoed UIDs, no data set).</summary>
    public static DimseCommand ResponseTo(DimseCommand request, ushort status, string? errorComment = null)
    {
        var rsp = new DimseCommand()
            .SetUInt16(TagCommandField, (ushort)(request.CommandField | 0x8000))
            .SetUInt16(TagMessageIdBeingRespondedTo, request.MessageId ?? 0)
            .SetUInt16(TagCommandDataSetType, NoDataSet)
            .SetUInt16(TagStatus, status);
        if (request.AffectedSopClassUid is { Length: > 0 } cls) rsp.SetString(TagAffectedSopClassUid, cls, isUid: true);
        if (request.AffectedSopInstanceUid is { Length: > 0 } inst) rsp.SetString(TagAffectedSopInstanceUid, inst, isUid: true);
        if (errorComment is not null)
            rsp.SetString(TagErrorComment, errorComment.Length > 64 ? errorComment[..64] : errorComment, isUid: false);
        return rsp;
    }
}
