using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MriCs.Dicom.Network;

/// <summary>A data set whose encoding cannot be followed (the SCP answers 0xC000).</summary>
public sealed class DataSetFormatException(string message) : Exception(message);

/// <summary>The identifying UIDs of a received data set.</summary>
public sealed record DataSetUids(string? SopClassUid, string? SopInstanceUid, string? StudyInstanceUid, string? SeriesInstanceUid);

/// <summary>
/// Walks the top level of a data set in any uncompressed, deflated or encapsulated transfer syntax
/// just far enough to read SOP Class/Instance and Study/Series Instance UIDs (groups 0008 and 0020),
/// skipping sequences of defined or undefined length. Stops once the four are found or at Pixel Data
/// (elements out of order are tolerated), so pixel data is never read. Every length is checked;
/// errors name the byte offset.
/// </summary>
public static class DataSetUidScanner
{
    private const uint TagSopClass = 0x0008_0016, TagSopInstance = 0x0008_0018, TagStudy = 0x0020_000D, TagSeries = 0x0020_000E;
    private const uint ItemTag = 0xFFFE_E000, ItemDelimitation = 0xFFFE_E00D, SequenceDelimitation = 0xFFFE_E0DD;
    private const uint Undefined = 0xFFFF_FFFF;
    private const uint PixelData = 0x7FE0_0010;
    private const int MaxDepth = 32;

    public static DataSetUids Scan(Stream dataSet, string transferSyntaxUid)
    {
        var explicitVr = transferSyntaxUid != NetworkUids.ImplicitVrLittleEndian;
        var bigEndian = transferSyntaxUid == NetworkUids.ExplicitVrBigEndian;
        Stream source = transferSyntaxUid == NetworkUids.DeflatedExplicitVrLittleEndian
            ? new DeflateStream(dataSet, CompressionMode.Decompress, leaveOpen: true)
            : dataSet;
        try
        {
            var r = new Reader(source, bigEndian);
            string? sopClass = null, sopInstance = null, study = null, series = null;
            while (r.TryReadHeader(explicitVr, out var tag, out var vr, out var length, out var at))
            {
                if (tag == PixelData || (sopClass is not null && sopInstance is not null && study is not null && series is not null)) break;
                if (tag is TagSopClass or TagSopInstance or TagStudy or TagSeries)
                {
                    if (length > 128) throw new DataSetFormatException($"UID element ({tag >> 16:X4},{tag & 0xFFFF:X4}) at byte {at} declares length {length}");
                    var value = Encoding.ASCII.GetString(r.ReadBytes((int)length)).TrimEnd('\0', ' ');
                    switch (tag)
                    {
                        case TagSopClass: sopClass = value; break;
                        case TagSopInstance: sopInstance = value; break;
                        case TagStudy: study = value; break;
                        default: series = value; break;
                    }
                    continue;
                }
                r.SkipValue(explicitVr, vr, length, at, 0);
            }
            return new DataSetUids(sopClass, sopInstance, study, series);
        }
        catch (InvalidDataException ex)
        {
            throw new DataSetFormatException($"deflated data set cannot be inflated: {ex.Message}");
        }
        finally
        {
            if (!ReferenceEquals(source, dataSet)) source.Dispose();
        }
    }

    private sealed class Reader(Stream stream, bool bigEndian)
    {
        private readonly byte[] _buf = new byte[8];
        private readonly byte[] _skip = new byte[16 * 1024];
        // Asked once: Length on a FileStream is an fstat per call.
        private readonly long _remainingAtStart = stream.CanSeek ? stream.Length - stream.Position : -1;
        private long _pos;

        public bool TryReadHeader(bool explicitVr, out uint tag, out string? vr, out uint length, out long at)
        {
            at = _pos;
            vr = null;
            length = 0;
            tag = 0;
            var got = Fill(_buf.AsSpan(0, 4));
            if (got == 0) return false;
            if (got < 4) throw new DataSetFormatException($"element tag truncated at byte {at}");
            tag = (uint)(U16(_buf) << 16 | U16(_buf.AsSpan(2)));
            if (tag >> 16 == 0xFFFE || !explicitVr)
            {
                length = U32(Exact(4));
                return true;
            }
            var v = Exact(2);
            if (v[0] is < (byte)'A' or > (byte)'Z' || v[1] is < (byte)'A' or > (byte)'Z')
                throw new DataSetFormatException($"element ({tag >> 16:X4},{tag & 0xFFFF:X4}) at byte {at} has no valid VR (bytes 0x{v[0]:X2} 0x{v[1]:X2})");
            vr = Encoding.ASCII.GetString(v);
            if (Part10Header.IsLongVr(vr))
            {
                Exact(2);
                length = U32(Exact(4));
            }
            else
            {
                length = U16(Exact(2));
            }
            return true;
        }

        public void SkipValue(bool explicitVr, string? vr, uint length, long at, int depth)
        {
            if (length != Undefined)
            {
                Skip(length, at);
                return;
            }
            if (depth >= MaxDepth) throw new DataSetFormatException($"sequences nested deeper than {MaxDepth} at byte {at}");
            // Undefined length: a sequence (SQ, implicit VR, or UN holding implicit VR LE items) or encapsulated pixel data.
            var nestedExplicit = explicitVr && vr != "UN";
            while (true)
            {
                if (!TryReadHeader(nestedExplicit, out var tag, out _, out var itemLength, out var itemAt))
                    throw new DataSetFormatException($"sequence starting at byte {at} ends without a delimiter");
                if (tag == SequenceDelimitation) return;
                if (tag != ItemTag) throw new DataSetFormatException($"expected an item in the sequence at byte {at}, found ({tag >> 16:X4},{tag & 0xFFFF:X4}) at byte {itemAt}");
                if (itemLength != Undefined)
                {
                    Skip(itemLength, itemAt);
                    continue;
                }
                while (true)
                {
                    if (!TryReadHeader(nestedExplicit, out var t, out var v, out var l, out var elementAt))
                        throw new DataSetFormatException($"item at byte {itemAt} ends without a delimiter");
                    if (t == ItemDelimitation) break;
                    SkipValue(nestedExplicit, v, l, elementAt, depth + 1);
                }
            }
        }

        public byte[] ReadBytes(int n)
        {
            var b = new byte[n];
            if (Fill(b) < n) throw new DataSetFormatException($"value truncated at byte {_pos}");
            return b;
        }

        private void Skip(uint length, long at)
        {
            long left = length;
            // Small values are read through (buffered: a copy); only large ones are seeked over.
            if (_remainingAtStart >= 0 && left > _skip.Length)
            {
                if (_pos + left > _remainingAtStart)
                    throw new DataSetFormatException($"element at byte {at} declares length {length}, beyond the end of the data set");
                stream.Seek(left, SeekOrigin.Current);
                _pos += left;
                return;
            }
            while (left > 0)
            {
                var n = stream.Read(_skip, 0, (int)Math.Min(left, _skip.Length));
                if (n == 0) throw new DataSetFormatException($"element at byte {at} declares length {length}, beyond the end of the data set");
                left -= n;
                _pos += n;
            }
        }

        private Span<byte> Exact(int n)
        {
            var s = _buf.AsSpan(0, n);
            if (Fill(s) < n) throw new DataSetFormatException($"element header truncated at byte {_pos}");
            return s;
        }

        private int Fill(Span<byte> s)
        {
            var got = 0;
            while (got < s.Length)
            {
                var n = stream.Read(s[got..]);
                if (n == 0) break;
                got += n;
            }
            _pos += got;
            return got;
        }

        private ushort U16(ReadOnlySpan<byte> s) => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
        private uint U32(ReadOnlySpan<byte> s) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }
}
