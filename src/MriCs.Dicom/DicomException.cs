namespace MriCs.Dicom;

/// <summary>Base of every error the DICOM layer raises on purpose.</summary>
public abstract class DicomException : Exception
{
    protected DicomException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The bytes are not a well-formed DICOM encoding: truncated data, a length past the end, an odd or
/// undefined length where none is allowed, non-DICOM bytes. <see cref="Offset"/> is the byte offset
/// (in the file, or in the inflated stream for deflated syntaxes) where the bad structure starts.
/// </summary>
public sealed class DicomFormatException : DicomException
{
    public DicomFormatException(string message, long offset, DicomTag? tag = null, Exception? inner = null)
        : base(Compose(message, offset, tag), inner)
    {
        Offset = offset;
        Tag = tag;
    }

    /// <summary>Byte offset of the offending structure; -1 when not known.</summary>
    public long Offset { get; }

    /// <summary>The element being read when the error was found, when known.</summary>
    public DicomTag? Tag { get; }

    private static string Compose(string message, long offset, DicomTag? tag)
    {
        var where = offset >= 0 ? $" at byte offset {offset}" : "";
        var what = tag is { } t ? $" in element {t}{DicomDictionary.KeywordSuffix(t)}" : "";
        return $"{message}{what}{where}";
    }
}

/// <summary>A dataset lacks an attribute or holds a value that cannot be used as asked (wrong VR, bad number).</summary>
public sealed class DicomDataException : DicomException
{
    public DicomDataException(string message, DicomTag? tag = null, Exception? inner = null) : base(message, inner) => Tag = tag;

    public DicomTag? Tag { get; }
}
