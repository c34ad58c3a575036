using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>
/// Encoder for the lossless process 14 (SOF3): one interleaved scan, precision = BitsStored,
/// point transform 0, one optimal Huffman table (two passes), optional restart interval.
/// </summary>
internal static class JpegLosslessEncoder
{
    public static byte[] Encode(ReadOnlySpan<byte> pixels, FrameInfo info, int predictor, int restartInterval)
    {
        int length = info.Validate(JpegLosslessCodec.TransferSyntaxUid, JpegLosslessCodec.TransferSyntaxName, 16);
        if (predictor is < 1 or > 7) throw new ArgumentOutOfRangeException(nameof(predictor), predictor, "predictor must be in 1..7");
        if (restartInterval is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(restartInterval));
        if (info.BitsStored < 2) throw Error(-1, $"BitsStored {info.BitsStored}: JPEG lossless precision is 2..16");
        if (pixels.Length < length) throw Error(pixels.Length, $"the pixel buffer has {pixels.Length} bytes; the frame needs {length}");

        int width = info.Columns, height = info.Rows, nc = info.SamplesPerPixel, p = info.BitsStored;
        int total = width * height * nc;
        // Frame-sized working buffers come from the shared pool: no large-object garbage per frame.
        int[] samples = ArrayPool<int>.Shared.Rent(total);
        int[] diffs = ArrayPool<int>.Shared.Rent(total);
        try
        {
            Unpack(pixels, info, samples);
            // Pass 1: differences in coding order and their category frequencies.
            Differences(samples, width, height, nc, p, predictor, restartInterval, diffs);
            return Write(diffs.AsSpan(0, total), info, predictor, restartInterval);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(samples);
            ArrayPool<int>.Shared.Return(diffs);
        }
    }

    private static byte[] Write(ReadOnlySpan<int> diffs, FrameInfo info, int predictor, int restartInterval)
    {
        int width = info.Columns, height = info.Rows, nc = info.SamplesPerPixel, p = info.BitsStored;
        var freq = new long[HuffmanCodeBuilder.Symbols];
        foreach (int d in diffs) freq[Category(d)]++;

        Span<byte> bits = stackalloc byte[16];
        Span<byte> values = stackalloc byte[HuffmanCodeBuilder.Symbols];
        var code = new int[HuffmanCodeBuilder.Symbols];
        var size = new int[HuffmanCodeBuilder.Symbols];
        int nValues = HuffmanCodeBuilder.Build(freq, bits, values, code, size);

        using var w = new JpegBitWriter(diffs.Length + 1024);
        w.PutUInt16(0xFFD8);
        // SOF3
        w.PutUInt16(0xFFC3);
        w.PutUInt16(8 + 3 * nc);
        w.Put((byte)p);
        w.PutUInt16(height);
        w.PutUInt16(width);
        w.Put((byte)nc);
        for (int c = 0; c < nc; c++)
        {
            w.Put((byte)(c + 1));
            w.Put(0x11);
            w.Put(0);
        }
        // DHT: one DC-class table 0 for all components
        w.PutUInt16(0xFFC4);
        w.PutUInt16(2 + 17 + nValues);
        w.Put(0x00);
        foreach (byte b in bits) w.Put(b);
        for (int i = 0; i < nValues; i++) w.Put(values[i]);
        if (restartInterval > 0)
        {
            w.PutUInt16(0xFFDD);
            w.PutUInt16(4);
            w.PutUInt16(restartInterval);
        }
        // SOS
        w.PutUInt16(0xFFDA);
        w.PutUInt16(6 + 2 * nc);
        w.Put((byte)nc);
        for (int c = 0; c < nc; c++)
        {
            w.Put((byte)(c + 1));
            w.Put(0x00);
        }
        w.Put((byte)predictor);
        w.Put(0);
        w.Put(0);

        // Pass 2: entropy-coded data, with RSTm markers every restartInterval MCUs (nc differences each).
        long perInterval = (long)restartInterval * nc;
        int restarts = 0;
        for (int i = 0; i < diffs.Length; i++)
        {
            if (perInterval > 0 && i > 0 && i % perInterval == 0)
            {
                w.Flush();
                w.PutUInt16(0xFFD0 + (restarts++ & 7));
            }
            int diff = diffs[i];
            int s = Category(diff);
            if (s is > 0 and < 16)
                w.WriteBits((code[s] << s) | ((diff > 0 ? diff : diff - 1) & ((1 << s) - 1)), size[s] + s);
            else
                w.WriteBits(code[s], size[s]);
        }
        w.Flush();
        if ((w.Length & 1) != 0) w.Put(0xFF); // a fill byte before EOI keeps the item length even (T.81 B.1.1.2)
        w.PutUInt16(0xFFD9);
        return w.ToArray();
    }

    /// <summary>Samples masked to BitsStored, component-major: samples[c * count + y * width + x].</summary>
    private static void Unpack(ReadOnlySpan<byte> pixels, FrameInfo info, int[] samples)
    {
        int nc = info.SamplesPerPixel, bps = info.BytesPerSample, count = (int)info.PixelCount;
        int mask = (1 << info.BitsStored) - 1;
        bool planar = info.PlanarConfiguration == 1 || nc == 1;
        for (int c = 0; c < nc; c++)
        {
            var plane = samples.AsSpan(c * count, count);
            int first = planar ? c * count : c; // in samples
            int step = planar ? 1 : nc;
            if (bps == 1)
            {
                var src = pixels;
                for (int i = 0, s = first; i < count; i++, s += step) plane[i] = src[s] & mask;
            }
            else if (BitConverter.IsLittleEndian)
            {
                var src = MemoryMarshal.Cast<byte, ushort>(pixels[..(count * nc * 2)]);
                for (int i = 0, s = first; i < count; i++, s += step) plane[i] = src[s] & mask;
            }
            else
            {
                for (int i = 0, s = first * 2; i < count; i++, s += step * 2) plane[i] = BinaryPrimitives.ReadUInt16LittleEndian(pixels[s..]) & mask;
            }
        }
    }

    /// <summary>Every difference in coding order (MCU by MCU), with the prediction rules the decoder uses.</summary>
    private static void Differences(int[] samples, int width, int height, int nc, int precision, int predictor, int restartInterval, int[] diffs)
    {
        int count = width * height;
        int initial = 1 << (precision - 1);
        long mcu = 0;
        int intervalRow = 0, k = 0;
        bool reset = true;
        for (int y = 0; y < height; y++)
        {
            int row = y * width, above = row - width;
            for (int x = 0; x < width; x++)
            {
                if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0)
                {
                    reset = true;
                    intervalRow = y;
                }
                for (int c = 0, plane = 0; c < nc; c++, plane += count)
                {
                    int pred;
                    if (reset) pred = initial;
                    else if (y == intervalRow) pred = samples[plane + row + x - 1];
                    else if (x == 0) pred = samples[plane + above];
                    else pred = Predictors.Predict(predictor, samples[plane + row + x - 1], samples[plane + above + x], samples[plane + above + x - 1]);
                    int diff = (samples[plane + row + x] - pred) & 0xFFFF;
                    diffs[k++] = diff > 0x8000 ? diff - 0x10000 : diff;
                }
                reset = false;
                mcu++;
            }
        }
    }

    private static int Category(int diff)
    {
        if (diff == 0) return 0;
        uint magnitude = (uint)Math.Abs(diff);
        return 32 - System.Numerics.BitOperations.LeadingZeroCount(magnitude);
    }

    private static DicomCodecException Error(long offset, string reason) =>
        new(JpegLosslessCodec.TransferSyntaxUid, JpegLosslessCodec.TransferSyntaxName, offset, reason);
}
