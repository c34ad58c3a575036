using System.Buffers.Binary;

namespace MriCs.Dicom.Codecs;

/// <summary>
/// RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G: a 64-byte header of 16 little-endian
/// uint32 (number of segments, then the offset of each segment), followed by one PackBits
/// segment per byte plane: for each sample in order, its bytes most significant first.
/// </summary>
/// <remarks>
/// Decode returns, and Encode expects, the native layout described on <see cref="FrameInfo"/>
/// (little-endian samples, interleaved unless PlanarConfiguration is 1). Tolerated on decode,
/// as real encoders produce them: trailing bytes after the last needed byte of a segment
/// (padding) and a run that crosses the end of the segment's plane (clipped). Everything else
/// (short header, wrong segment count, offsets out of order or past the end, a segment that
/// ends before its plane is full) is a <see cref="DicomCodecException"/>.
/// </remarks>
public static class RleCodec
{
    public const string TransferSyntaxUid = "1.2.840.10008.1.2.5";
    public const string TransferSyntaxName = "RLE Lossless";
    private const int HeaderLength = 64;

    public static byte[] Decode(ReadOnlySpan<byte> frame, FrameInfo info)
    {
        var output = new byte[info.Validate(TransferSyntaxUid, TransferSyntaxName, 32)];
        Decode(frame, info, output);
        return output;
    }

    /// <summary>Decodes into a caller buffer of at least <see cref="FrameInfo.FrameLength"/> bytes; every byte of the frame is written.</summary>
    public static void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination)
    {
        int length = info.Validate(TransferSyntaxUid, TransferSyntaxName, 32);
        if (destination.Length < length)
            throw new ArgumentException($"the destination holds {destination.Length} bytes; the frame needs {length}", nameof(destination));
        int bps = info.BytesPerSample;
        int segments = info.SamplesPerPixel * bps;
        if (segments > 15)
            throw Error(-1, $"{info.SamplesPerPixel} samples of {bps} bytes need {segments} segments; RLE allows 15");
        if (frame.Length < HeaderLength)
            throw Error(frame.Length, $"the frame ({frame.Length} bytes) is shorter than the 64-byte RLE header");

        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (declared != segments)
            throw Error(0, $"the header declares {declared} segments; {info.SamplesPerPixel} samples x {bps} bytes need {segments}");

        Span<int> offsets = stackalloc int[16];
        for (int i = 0; i < segments; i++)
        {
            uint off = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * i)..]);
            uint min = i == 0 ? HeaderLength : (uint)offsets[i - 1];
            if (off < min || off > frame.Length)
                throw Error(4 + 4 * i, $"segment {i + 1} offset {off} is not in {min}..{frame.Length}");
            offsets[i] = (int)off;
        }

        int pixels = (int)info.PixelCount;
        var output = destination[..length];
        // Where the byte planes go: destination index of pixel p = base + p * step.
        bool planar = info.PlanarConfiguration == 1 || info.SamplesPerPixel == 1;
        int step = planar ? bps : info.SamplesPerPixel * bps;
        for (int k = 0; k < segments; k++)
        {
            int sample = k / bps;
            int byteInSample = bps - 1 - k % bps; // segments carry the most significant byte first
            int start = offsets[k];
            int end = k + 1 < segments ? offsets[k + 1] : frame.Length;
            int baseIndex = planar ? sample * pixels * bps + byteInSample : sample * bps + byteInSample;
            UnpackBits(frame[start..end], start, output[baseIndex..], step, pixels, k);
        }
    }

    public static byte[] Encode(ReadOnlySpan<byte> pixels, FrameInfo info)
    {
        int length = info.Validate(TransferSyntaxUid, TransferSyntaxName, 32);
        int bps = info.BytesPerSample;
        int segments = info.SamplesPerPixel * bps;
        if (segments > 15)
            throw Error(-1, $"{info.SamplesPerPixel} samples of {bps} bytes need {segments} segments; RLE allows 15");
        if (pixels.Length < length)
            throw Error(pixels.Length, $"the pixel buffer has {pixels.Length} bytes; the frame needs {length}");

        int count = (int)info.PixelCount;
        int cols = info.Columns;
        // Worst case per row: one header byte per 128 literal bytes; each segment padded to even length.
        long worstRow = cols + (cols + 127) / 128;
        long worst = HeaderLength + segments * (worstRow * info.Rows + 1);
        if (worst > Array.MaxLength) throw Error(-1, "the frame is too large to encode");
        var output = new byte[worst];
        var plane = new byte[count];
        bool planar = info.PlanarConfiguration == 1 || info.SamplesPerPixel == 1;
        int step = planar ? bps : info.SamplesPerPixel * bps;

        BinaryPrimitives.WriteUInt32LittleEndian(output, (uint)segments);
        int pos = HeaderLength;
        for (int k = 0; k < segments; k++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(4 + 4 * k), (uint)pos);
            int sample = k / bps;
            int byteInSample = bps - 1 - k % bps;
            int baseIndex = planar ? sample * count * bps + byteInSample : sample * bps + byteInSample;
            for (int p = 0, s = baseIndex; p < count; p++, s += step) plane[p] = pixels[s];
            for (int r = 0; r < info.Rows; r++)
                pos = PackBitsRow(plane.AsSpan(r * cols, cols), output, pos);
            if ((pos & 1) != 0) output[pos++] = 0;
        }
        return output.AsSpan(0, pos).ToArray();
    }

    /// <summary>Unpacks one segment into dst[0], dst[step], ... (count bytes).</summary>
    private static void UnpackBits(ReadOnlySpan<byte> src, int srcOffset, Span<byte> dst, int step, int count, int segment)
    {
        int i = 0, o = 0;
        while (o < count)
        {
            if (i >= src.Length)
                throw Error(srcOffset + i, $"segment {segment + 1} ends after {o} of {count} bytes");
            int n = (sbyte)src[i++];
            if (n >= 0)
            {
                int len = n + 1;
                if (i + len > src.Length)
                    throw Error(srcOffset + i, $"segment {segment + 1}: a literal run of {len} bytes passes the end of the segment");
                int take = Math.Min(len, count - o);
                if (step == 1) src.Slice(i, take).CopyTo(dst[o..]);
                else for (int t = 0, d = o * step; t < take; t++, d += step) dst[d] = src[i + t];
                i += len;
                o += take;
            }
            else if (n != -128)
            {
                if (i >= src.Length)
                    throw Error(srcOffset + i, $"segment {segment + 1}: a replicate run has no byte to repeat");
                int take = Math.Min(1 - n, count - o);
                byte value = src[i++];
                if (step == 1) dst.Slice(o, take).Fill(value);
                else for (int t = 0, d = o * step; t < take; t++, d += step) dst[d] = value;
                o += take;
            }
        }
    }

    /// <summary>PackBits one row: replicate runs of two or more, literal runs broken before runs of three.</summary>
    private static int PackBitsRow(ReadOnlySpan<byte> row, byte[] output, int pos)
    {
        int n = row.Length, i = 0;
        while (i < n)
        {
            int run = 1;
            while (i + run < n && run < 128 && row[i + run] == row[i]) run++;
            if (run >= 2)
            {
                output[pos++] = (byte)(sbyte)(1 - run);
                output[pos++] = row[i];
                i += run;
                continue;
            }
            int start = i;
            while (i < n && i - start < 128)
            {
                if (i + 2 < n && row[i] == row[i + 1] && row[i] == row[i + 2]) break;
                i++;
            }
            int len = i - start;
            output[pos++] = (byte)(len - 1);
            row.Slice(start, len).CopyTo(output.AsSpan(pos));
            pos += len;
        }
        return pos;
    }

    private static DicomCodecException Error(long offset, string reason) =>
        new(TransferSyntaxUid, TransferSyntaxName, offset, reason);
}
