namespace MriCs.Dicom.IO;

/// <summary>How much to read and how tolerant to be.</summary>
public sealed record DicomReadOptions
{
    /// <summary>Stop at (7FE0,0010) Pixel Data (and the float/double variants): nothing after it is read.</summary>
    public bool StopBeforePixelData { get; init; }

    /// <summary>
    /// Values longer than this many bytes are not loaded: the element keeps its length and offset
    /// (<see cref="DicomValueElement.IsValueSkipped"/>); seekable sources seek over them. Null loads every value.
    /// </summary>
    public long? SkipValuesLongerThan { get; init; }

    /// <summary>
    /// Accept odd value lengths (PS3.5 7.1.1 requires even ones). Off by default: an odd length is a
    /// <see cref="DicomFormatException"/>.
    /// </summary>
    public bool AllowOddLengths { get; init; }

    /// <summary>Deepest nesting of sequences accepted (guards the stack against crafted input).</summary>
    public int MaxSequenceDepth { get; init; } = 32;

    /// <summary>Reads everything.</summary>
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Header only: stops before Pixel Data and skips any value longer than 64 KiB.</summary>
    public static DicomReadOptions HeaderOnly { get; } = new() { StopBeforePixelData = true, SkipValuesLongerThan = 64 * 1024 };
}
