using System.Buffers.Binary;
using System.IO.Compression;

namespace MriCs.Dicom.IO;

/// <summary>
/// Writes a dataset without preamble or file meta information in a transfer syntax. Sequences and items are
/// written with undefined length; group lengths of dataset groups (gggg,0000 with gggg &gt;= 0008, retired) are left
/// out because edits would make them wrong; odd-length values get their VR's padding byte.
/// </summary>
public static class DicomDatasetWriter
{
    public static void Write(Stream stream, DicomDataset dataset, TransferSyntax transferSyntax)
    {
        if (transferSyntax.IsDeflated)
        {
            using var deflate = new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true);
            using var buffered = new BufferedStream(deflate, 64 * 1024);
            new Encoder(buffered, transferSyntax).WriteDataset(dataset, 0);
            buffered.Flush();
            return;
        }
        using (var b = new BufferedStream(new NonClosingStream(stream), 64 * 1024))
        {
            new Encoder(b, transferSyntax).WriteDataset(dataset, 0);
            b.Flush();
        }
    }

    public static byte[] ToBytes(DicomDataset dataset, TransferSyntax transferSyntax)
    {
        var ms = new MemoryStream();
        Write(ms, dataset, transferSyntax);
        return ms.ToArray();
    }

    internal sealed class Encoder(Stream s, TransferSyntax ts)
    {
        private readonly bool _explicit = ts.IsExplicitVR;
        private readonly bool _big = ts.IsBigEndian;
        private readonly byte[] _head = new byte[12];

        public void WriteDataset(DicomDataset ds, int depth)
        {
            foreach (var e in ds)
            {
                if (e.Tag.IsGroupLength && e.Tag.Group >= 0x0008) continue;
                switch (e)
                {
                    case DicomSequence seq:
                        WriteHeader(seq.Tag, DicomVR.SQ, 0xFFFFFFFF);
                        foreach (var item in seq.Items)
                        {
                            WriteItemHeader(DicomTag.Item, 0xFFFFFFFF);
                            WriteDataset(item, depth + 1);
                            WriteItemHeader(DicomTag.ItemDelimitationItem, 0);
                        }
                        WriteItemHeader(DicomTag.SequenceDelimitationItem, 0);
                        break;
                    case DicomFragmentSequence frag:
                        if (!ts.IsEncapsulated)
                            throw new DicomDataException($"pixel data is encapsulated (compressed); it cannot be written in {ts.Name} without decoding it first", e.Tag);
                        WriteHeader(frag.Tag, frag.VR, 0xFFFFFFFF);
                        WriteItem(frag.BasicOffsetTable.Span);
                        foreach (var f in frag.Fragments) WriteItem(f.Span);
                        WriteItemHeader(DicomTag.SequenceDelimitationItem, 0);
                        break;
                    case DicomValueElement v:
                        WriteValue(v, depth, _big ? ByteSwap.Unit(ds, v.Tag, v.VR) : 1);
                        break;
                }
            }
        }

        private void WriteValue(DicomValueElement v, int depth, int swapUnit)
        {
            if (v.IsValueSkipped)
                throw new DicomDataException($"the value of {DicomDataset.Describe(v.Tag)} was skipped by a header-only read and cannot be written", v.Tag);
            if (depth == 0 && v.Tag == DicomTag.PixelData && ts.IsEncapsulated)
                throw new DicomDataException($"pixel data is native; {ts.Name} needs it encoded (encapsulated) first", v.Tag);
            var value = v.Value.Span;
            var odd = (value.Length & 1) == 1;
            var length = (uint)(value.Length + (odd ? 1 : 0));
            if (_explicit && !v.VR.HasLongExplicitLength && length > 0xFFFF)
                throw new DicomDataException($"{DicomDataset.Describe(v.Tag)} is {length} bytes, too long for VR {v.VR} in an explicit VR syntax", v.Tag);
            WriteHeader(v.Tag, v.VR, length);
            if (_big && swapUnit > 1 && value.Length > 0)
            {
                var swapped = value.ToArray();
                ByteSwap.SwapInPlace(swapped, swapUnit);
                s.Write(swapped);
            }
            else
            {
                s.Write(value);
            }
            if (odd) s.WriteByte(v.VR.PaddingByte);
        }

        private void WriteHeader(DicomTag tag, DicomVR vr, uint length)
        {
            var h = _head.AsSpan();
            U16(h, tag.Group);
            U16(h[2..], tag.Element);
            if (!_explicit)
            {
                U32(h[4..], length);
                s.Write(h[..8]);
                return;
            }
            var code = vr.Code;
            h[4] = (byte)code[0];
            h[5] = (byte)code[1];
            if (vr.HasLongExplicitLength)
            {
                h[6] = h[7] = 0;
                U32(h[8..], length);
                s.Write(h[..12]);
            }
            else
            {
                U16(h[6..], (ushort)length);
                s.Write(h[..8]);
            }
        }

        private void WriteItemHeader(DicomTag tag, uint length)
        {
            var h = _head.AsSpan();
            U16(h, tag.Group);
            U16(h[2..], tag.Element);
            U32(h[4..], length);
            s.Write(h[..8]);
        }

        private void WriteItem(ReadOnlySpan<byte> value)
        {
            var odd = (value.Length & 1) == 1;
            WriteItemHeader(DicomTag.Item, (uint)(value.Length + (odd ? 1 : 0)));
            s.Write(value);
            if (odd) s.WriteByte(0);
        }

        private void U16(Span<byte> d, ushort v)
        {
            if (_big) BinaryPrimitives.WriteUInt16BigEndian(d, v);
            else BinaryPrimitives.WriteUInt16LittleEndian(d, v);
        }

        private void U32(Span<byte> d, uint v)
        {
            if (_big) BinaryPrimitives.WriteUInt32BigEndian(d, v);
            else BinaryPrimitives.WriteUInt32LittleEndian(d, v);
        }
    }

    /// <summary>Keeps the caller's stream open when a BufferedStream wrapping it is disposed.</summary>
    internal sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) => inner.Flush();
    }
}
