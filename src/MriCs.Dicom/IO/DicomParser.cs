using System.Buffers.Binary;

namespace MriCs.Dicom.IO;

/// <summary>
/// Parses a dataset from a <see cref="DicomInput"/> in one encoding (explicit/implicit VR, little/big endian).
/// Every length is checked against what remains; nesting is bounded; every failure is a
/// <see cref="DicomFormatException"/> with the byte offset.
/// </summary>
internal sealed class DicomParser(DicomInput input, bool explicitVR, bool bigEndian, DicomReadOptions options)
{
    private const uint Undefined = 0xFFFFFFFF;

    /// <summary>True when a top-level read stopped at Pixel Data because of <see cref="DicomReadOptions.StopBeforePixelData"/>.</summary>
    public bool StoppedAtPixelData { get; private set; }

    /// <summary>Reads a top-level dataset to the end of the input (or to Pixel Data, or to a tag outside <paramref name="onlyGroup"/>).</summary>
    public void ReadTopLevel(DicomDataset ds, ushort? onlyGroup = null) => ReadDataset(ds, -1, isItem: false, depth: 0, onlyGroup);

    private ushort U16(ReadOnlySpan<byte> s) => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private uint U32(ReadOnlySpan<byte> s) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private DicomFormatException Error(string message, long offset, DicomTag? tag = null) =>
        new(message + (input.IsInflated ? " (offset in the inflated dataset)" : ""), offset, tag);

    private void ReadDataset(DicomDataset ds, long end, bool isItem, int depth, ushort? onlyGroup = null)
    {
        while (true)
        {
            var start = input.Position;
            if (end >= 0)
            {
                if (start == end) return;
                if (start > end) throw Error($"elements overrun the end of their item (which ends at {end})", start);
            }
            var have = input.Fill(8);
            if (have == 0)
            {
                if (!isItem) return;
                throw Error("data ends inside a sequence item", start);
            }
            if (have < 4) throw Error($"data ends in the middle of an element tag ({have} of 4 bytes)", start);
            var p = input.Peek(4);
            var tag = new DicomTag(U16(p), U16(p[2..]));
            if (onlyGroup is { } g && tag.Group != g) return;
            if (tag.Group == 0xFFFE)
            {
                if (have < 8) throw Error("data ends in the middle of a delimiter", start);
                input.Take(8);
                if (tag == DicomTag.ItemDelimitationItem && isItem && end < 0) return;
                if (tag == DicomTag.SequenceDelimitationItem && !isItem && depth == 0)
                    throw Error("sequence delimiter outside any sequence", start, tag);
                throw Error($"unexpected delimiter {tag}", start, tag);
            }
            if (options.StopBeforePixelData && depth == 0 && tag.Group == 0x7FE0 && tag.Element is 0x0008 or 0x0009 or 0x0010)
            {
                StoppedAtPixelData = true;
                return;
            }
            input.Take(4);
            ReadElement(ds, tag, start, depth);
        }
    }

    private void ReadElement(DicomDataset ds, DicomTag tag, long start, int depth)
    {
        DicomVR vr;
        long length;
        if (explicitVR)
        {
            if (input.Fill(4) < 4) throw Error("data ends in the middle of an element header", start, tag);
            var h = input.Take(4);
            if (DicomVR.TryParse(h[0], h[1], out vr))
            {
                if (vr.HasLongExplicitLength)
                {
                    if (input.Fill(4) < 4) throw Error("data ends in the middle of an element header", start, tag);
                    length = U32(input.Take(4));
                }
                else
                {
                    length = U16(h[2..]);
                }
            }
            else
            {
                // Not a VR: PS3.5 allows no such thing; like dcmtk, read the element as implicit VR (4-byte length).
                if (h[0] is >= (byte)'A' and <= (byte)'Z' && h[1] is >= (byte)'A' and <= (byte)'Z')
                    throw Error($"unknown VR '{(char)h[0]}{(char)h[1]}'", start, tag);
                vr = ImplicitVR(ds, tag);
                length = U32(h);
            }
        }
        else
        {
            if (input.Fill(4) < 4) throw Error("data ends in the middle of an element header", start, tag);
            length = U32(input.Take(4));
            vr = ImplicitVR(ds, tag);
        }

        if (length == Undefined)
        {
            if (vr == DicomVR.SQ || vr == DicomVR.UN)
            {
                // UN with undefined length holds an implicit VR little endian sequence (PS3.5 6.2.2).
                var nested = vr == DicomVR.UN && explicitVR ? new DicomParser(input, false, false, options) : this;
                var seq = new DicomSequence(tag);
                nested.ReadSequence(seq, -1, depth + 1);
                ds.AppendRead(seq);
                return;
            }
            if (tag == DicomTag.PixelData || tag.Group == 0x7FE0 || vr == DicomVR.OB || vr == DicomVR.OW)
            {
                ds.AppendRead(ReadFragments(tag, vr == DicomVR.OW ? DicomVR.OW : DicomVR.OB, start));
                return;
            }
            throw Error($"undefined length (0xFFFFFFFF) on a {vr} element", start, tag);
        }

        var remaining = input.Remaining;
        if (remaining >= 0 && length > remaining)
            throw Error($"value length {length} (0x{length:X8}) runs past the end of the data ({remaining} bytes left)", start, tag);

        if (vr == DicomVR.SQ)
        {
            var seq = new DicomSequence(tag);
            ReadSequence(seq, input.Position + length, depth + 1);
            ds.AppendRead(seq);
            return;
        }
        if ((length & 1) != 0 && !options.AllowOddLengths)
            throw Error($"odd value length {length} (PS3.5 7.1.1 requires even lengths)", start, tag);
        if (options.SkipValuesLongerThan is { } limit && length > limit)
        {
            var at = input.Position;
            input.Skip(length, tag);
            ds.AppendRead(DicomValueElement.Skipped(tag, vr, length, at));
            return;
        }
        var value = input.ReadValue(length, tag);
        if (bigEndian && vr.ByteSwapUnit > 1) value = ByteSwap.Swapped(value.Span, ByteSwap.Unit(ds, tag, vr));
        ds.AppendRead(new DicomValueElement(tag, vr, value));
    }

    /// <summary>The VR an implicit encoding implies, resolving "OB or OW" and "US or SS" from attributes already read.</summary>
    private static DicomVR ImplicitVR(DicomDataset ds, DicomTag tag)
    {
        if (tag.IsGroupLength) return DicomVR.UL;
        if (tag.IsPrivateCreator) return DicomVR.LO;
        var e = DicomDictionary.Find(tag);
        if (e is null) return DicomVR.UN;
        if (e.AlternativeVRs.Count > 1)
        {
            var top = ds; // the dataset (or item) being read: icon images carry their own pixel module
            if (e.AlternativeVRs.Contains(DicomVR.OW) && e.AlternativeVRs.Contains(DicomVR.OB))
                return top.GetInt(DicomTag.BitsAllocated, 16) <= 8 ? DicomVR.OB : DicomVR.OW;
            if (e.AlternativeVRs.Contains(DicomVR.SS) && e.AlternativeVRs.Contains(DicomVR.US))
                return top.TryGetInt(DicomTag.PixelRepresentation, out var pr) && pr == 1 ? DicomVR.SS : DicomVR.US;
        }
        return e.VR;
    }

    private void ReadSequence(DicomSequence seq, long end, int depth)
    {
        if (depth > options.MaxSequenceDepth)
            throw Error($"sequences nested deeper than {options.MaxSequenceDepth}", input.Position, seq.Tag);
        while (true)
        {
            var start = input.Position;
            if (end >= 0)
            {
                if (start == end) return;
                if (start > end) throw Error($"items overrun the end of their sequence (which ends at {end})", start, seq.Tag);
            }
            if (input.Fill(8) < 8) throw Error("data ends inside a sequence", start, seq.Tag);
            var h = input.Take(8);
            var tag = new DicomTag(U16(h), U16(h[2..]));
            var length = U32(h[4..]);
            if (tag == DicomTag.SequenceDelimitationItem)
            {
                if (end < 0) return;
                throw Error("sequence delimiter inside a sequence of defined length", start, seq.Tag);
            }
            if (tag != DicomTag.Item)
                throw Error($"expected an item tag (FFFE,E000) but found {tag}", start, seq.Tag);
            var item = new DicomDataset();
            long itemEnd = -1;
            if (length != Undefined)
            {
                itemEnd = input.Position + length;
                var remaining = input.Remaining;
                if ((remaining >= 0 && length > remaining) || (end >= 0 && itemEnd > end))
                    throw Error($"item length {length} runs past the end of its sequence or the data", start, seq.Tag);
            }
            seq.MutableItems.Add(item);
            ReadDataset(item, itemEnd, isItem: true, depth: depth);
        }
    }

    private DicomElement ReadFragments(DicomTag tag, DicomVR vr, long start)
    {
        ReadOnlyMemory<byte> offsetTable = default;
        var fragments = new List<ReadOnlyMemory<byte>>();
        var first = true;
        long skippedTotal = 0;
        var skipping = options.SkipValuesLongerThan is not null;
        while (true)
        {
            var at = input.Position;
            if (input.Fill(8) < 8) throw Error("data ends inside encapsulated pixel data", at, tag);
            var h = input.Take(8);
            var itemTag = new DicomTag(U16(h), U16(h[2..]));
            var length = U32(h[4..]);
            if (itemTag == DicomTag.SequenceDelimitationItem) break;
            if (itemTag != DicomTag.Item) throw Error($"expected a fragment item (FFFE,E000) but found {itemTag}", at, tag);
            if (length == Undefined) throw Error("fragment with undefined length", at, tag);
            if ((length & 1) != 0 && !options.AllowOddLengths) throw Error($"odd fragment length {length}", at, tag);
            if (skipping)
            {
                input.Skip(length, tag);
                skippedTotal += length;
                continue;
            }
            var value = input.ReadValue(length, tag);
            if (first) offsetTable = value;
            else fragments.Add(value);
            first = false;
        }
        if (skipping) return DicomValueElement.Skipped(tag, vr, skippedTotal, start);
        return new DicomFragmentSequence(tag, vr, offsetTable, fragments);
    }
}

internal static class ByteSwap
{
    /// <summary>Swap unit of a value in big endian: the VR's, except OW pixel data of 32 or 64 bit samples (swapped per sample).</summary>
    public static int Unit(DicomDataset ds, DicomTag tag, DicomVR vr)
    {
        if (tag == DicomTag.PixelData && vr == DicomVR.OW && ds.TryGetInt(DicomTag.BitsAllocated, out var bits) && bits is 32 or 64)
            return bits / 8;
        return vr.ByteSwapUnit;
    }

    public static byte[] Swapped(ReadOnlySpan<byte> value, int unit)
    {
        var r = value.ToArray();
        SwapInPlace(r, unit);
        return r;
    }

    public static void SwapInPlace(Span<byte> data, int unit)
    {
        var n = data.Length - data.Length % unit;
        for (var i = 0; i < n; i += unit) data.Slice(i, unit).Reverse();
    }
}
