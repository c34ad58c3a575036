namespace MriCs.Dicom.Codecs;

/// <summary>
/// A compressed frame (or the frame description) cannot be decoded or encoded. The message names
/// the transfer syntax and, where it applies, the byte offset inside the frame's data.
/// </summary>
public sealed class DicomCodecException : Exception
{
    public DicomCodecException(string transferSyntaxUid, string transferSyntaxName, long byteOffset, string reason)
        : base(Format(transferSyntaxUid, transferSyntaxName, byteOffset, reason))
    {
        TransferSyntaxUid = transferSyntaxUid;
        TransferSyntaxName = transferSyntaxName;
        ByteOffset = byteOffset;
        Reason = reason;
    }

    /// <summary>The transfer syntax UID (or UIDs, separated by " / ") the codec serves.</summary>
    public string TransferSyntaxUid { get; }

    public string TransferSyntaxName { get; }

    /// <summary>Offset in the frame's bytes where the problem was found; -1 when it is not about a position.</summary>
    public long ByteOffset { get; }

    public string Reason { get; }

    private static string Format(string uid, string name, long offset, string reason) =>
        offset >= 0
            ? $"{name} ({uid}): {reason} at byte offset {offset} of the frame"
            : $"{name} ({uid}): {reason}";
}
