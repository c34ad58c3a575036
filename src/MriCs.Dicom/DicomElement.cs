namespace MriCs.Dicom;

/// <summary>A data element of a dataset: a value (<see cref="DicomValueElement"/>), a sequence of item
/// datasets (<see cref="DicomSequence"/>) or encapsulated pixel data (<see cref="DicomFragmentSequence"/>).</summary>
public abstract class DicomElement
{
    protected DicomElement(DicomTag tag, DicomVR vr)
    {
        Tag = tag;
        VR = vr;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    /// <summary>Bytes of the value as encoded (undefined length counts as -1 for sequences read that way).</summary>
    public abstract long Length { get; }

    public override string ToString() => $"{Tag} {VR}{DicomDictionary.KeywordSuffix(Tag)}";
}

/// <summary>
/// An element with a plain value. <see cref="Value"/> holds the bytes exactly as read, converted to little
/// endian for binary VRs when the source was big endian; private and unknown elements therefore keep
/// their bytes as they were. A header-only read may leave a large value unread (<see cref="IsValueSkipped"/>).
/// </summary>
public sealed class DicomValueElement : DicomElement
{
    public DicomValueElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value) : base(tag, vr)
    {
        if (vr == DicomVR.SQ) throw new ArgumentException("an SQ element is a DicomSequence", nameof(vr));
        Value = value;
        ValueLength = value.Length;
    }

    private DicomValueElement(DicomTag tag, DicomVR vr, long skippedLength, long valueOffset) : base(tag, vr)
    {
        ValueLength = skippedLength;
        ValueOffset = valueOffset;
        IsValueSkipped = true;
    }

    /// <summary>An element whose value a header-only read did not load (its length and offset are kept).</summary>
    public static DicomValueElement Skipped(DicomTag tag, DicomVR vr, long length, long valueOffset) => new(tag, vr, length, valueOffset);

    /// <summary>The value bytes (empty when skipped).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Length of the value in bytes (also for a skipped value).</summary>
    public long ValueLength { get; }

    public override long Length => ValueLength;

    /// <summary>True when a header-only read skipped the value; <see cref="ValueOffset"/> says where it lies.</summary>
    public bool IsValueSkipped { get; }

    /// <summary>Offset of a skipped value in its source; -1 otherwise.</summary>
    public long ValueOffset { get; } = -1;
}

/// <summary>A sequence (SQ) of item datasets.</summary>
public sealed class DicomSequence : DicomElement
{
    private readonly List<DicomDataset> _items;

    public DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null) : base(tag, DicomVR.SQ) =>
        _items = items is null ? [] : [.. items];

    public IReadOnlyList<DicomDataset> Items => _items;

    public override long Length => -1;

    public void Add(DicomDataset item) => _items.Add(item);

    internal List<DicomDataset> MutableItems => _items;
}

/// <summary>
/// Encapsulated pixel data (PS3.5 A.4): a Basic Offset Table item followed by fragments. <see cref="GetFrames"/>
/// groups fragments into frames.
/// </summary>
public sealed class DicomFragmentSequence : DicomElement
{
    private readonly List<ReadOnlyMemory<byte>> _fragments;

    public DicomFragmentSequence(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> basicOffsetTable, IEnumerable<ReadOnlyMemory<byte>> fragments) : base(tag, vr)
    {
        BasicOffsetTable = basicOffsetTable;
        _fragments = [.. fragments];
    }

    /// <summary>The raw Basic Offset Table item (little endian 32-bit offsets; may be empty).</summary>
    public ReadOnlyMemory<byte> BasicOffsetTable { get; }

    public IReadOnlyList<ReadOnlyMemory<byte>> Fragments => _fragments;

    public override long Length => -1;

    /// <summary>
    /// The frames: one per Basic Offset Table entry, or per entry of an Extended Offset Table given by the caller,
    /// or one per fragment when counts match, or all fragments joined for a single frame; JPEG frames without a
    /// table are split at start-of-image markers. Throws <see cref="DicomDataException"/> when the fragments cannot
    /// be split into <paramref name="numberOfFrames"/> frames.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> GetFrames(int numberOfFrames, ReadOnlySpan<ulong> extendedOffsets = default)
    {
        if (numberOfFrames < 1) throw new DicomDataException($"NumberOfFrames {numberOfFrames} is not positive", Tag);
        if (_fragments.Count == 0) throw new DicomDataException("encapsulated pixel data has no fragments", Tag);
        if (numberOfFrames == 1) return [Join(0, _fragments.Count)];

        if (extendedOffsets.Length == numberOfFrames) return SplitAtOffsets(extendedOffsets.ToArray());

        var bot = BasicOffsetTable.Span;
        if (bot.Length >= 4 * numberOfFrames && bot.Length % 4 == 0)
        {
            var offsets = new ulong[numberOfFrames];
            for (var i = 0; i < numberOfFrames; i++) offsets[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bot[(4 * i)..]);
            return SplitAtOffsets(offsets);
        }
        if (_fragments.Count == numberOfFrames) return [.. _fragments];

        // No table: JPEG family frames begin with an SOI marker (FF D8).
        var starts = new List<int>();
        for (var i = 0; i < _fragments.Count; i++)
        {
            var f = _fragments[i].Span;
            if (f.Length >= 2 && f[0] == 0xFF && f[1] == 0xD8) starts.Add(i);
        }
        if (starts.Count == numberOfFrames && starts[0] == 0)
        {
            var frames = new ReadOnlyMemory<byte>[numberOfFrames];
            for (var i = 0; i < numberOfFrames; i++)
                frames[i] = Join(starts[i], (i + 1 < numberOfFrames ? starts[i + 1] : _fragments.Count) - starts[i]);
            return frames;
        }
        throw new DicomDataException(
            $"cannot split {_fragments.Count} fragments into {numberOfFrames} frames: no usable offset table", Tag);
    }

    private ReadOnlyMemory<byte>[] SplitAtOffsets(ulong[] offsets)
    {
        // Offsets count bytes from the first fragment's item tag: every fragment adds 8 header bytes.
        var fragmentStart = new ulong[_fragments.Count + 1];
        for (var i = 0; i < _fragments.Count; i++) fragmentStart[i + 1] = fragmentStart[i] + 8 + (ulong)_fragments[i].Length;
        var frames = new ReadOnlyMemory<byte>[offsets.Length];
        for (var f = 0; f < offsets.Length; f++)
        {
            var first = Array.IndexOf(fragmentStart, offsets[f], 0, _fragments.Count);
            var end = f + 1 < offsets.Length ? offsets[f + 1] : fragmentStart[^1];
            var last = Array.IndexOf(fragmentStart, end, 0, _fragments.Count + 1);
            if (first < 0 || last <= first)
                throw new DicomDataException($"offset table entry {f} ({offsets[f]}) does not point at a fragment boundary", Tag);
            frames[f] = Join(first, last - first);
        }
        return frames;
    }

    private ReadOnlyMemory<byte> Join(int first, int count)
    {
        if (count == 1) return _fragments[first];
        long total = 0;
        for (var i = first; i < first + count; i++) total += _fragments[i].Length;
        if (total > Array.MaxLength) throw new DicomDataException($"frame of {total} bytes is too large", Tag);
        var joined = GC.AllocateUninitializedArray<byte>((int)total);
        var pos = 0;
        for (var i = first; i < first + count; i++)
        {
            _fragments[i].Span.CopyTo(joined.AsSpan(pos));
            pos += _fragments[i].Length;
        }
        return joined;
    }
}
