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
        int length = info.Validate(JpegLosslessCodec.TransferSyntaxUids, JpegLosslessCodec.TransferSyntaxName, 16);
        if (predictor is < 1 or > 7) throw new ArgumentOutOfRangeException(nameof(predictor), predictor, "predictor must be in 1..7");
        if (restartInterval is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(restartInterval));
        if (info.BitsStored < 2) throw Error(-1, $"BitsStored {info.BitsStored}: JPEG lossless precision is 2..16");
        if (pixels.Length < length) throw Error(pixels.Length, $"the pixel buffer has {pixels.Length} bytes; the frame needs {length}");

        int width = info.Columns, height = info.Rows, nc = info.SamplesPerPixel, p = info.BitsStored;
        int total = width * height * nc;
        // Frame-sized working buffers come from the shared pool: no large-object garbage per frame.
        int[] samples = ArrayPool<int>.Shared.Rent(total);
        int[] symbols = ArrayPool<int>.Shared.Rent(total);
        try
        {
            Unpack(pixels, info, samples);
            // Pass 1: differences in coding order as (category, extra bits) and the category frequencies.
            Span<int> counts = stackalloc int[HuffmanCodeBuilder.Symbols];
            Differences(samples, width, height, nc, p, predictor, restartInterval, symbols, counts);
            var freq = new long[HuffmanCodeBuilder.Symbols];
            for (int i = 0; i < freq.Length; i++) freq[i] = counts[i];
            return Write(symbols.AsSpan(0, total), freq, info, predictor, restartInterval);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(samples);
            ArrayPool<int>.Shared.Return(symbols);
        }
    }

    /// <summary>Writes the stream; <paramref name="symbols"/> hold category | extra bits &lt;&lt; 5 in coding order.</summary>
    private static byte[] Write(ReadOnlySpan<int> symbols, long[] freq, FrameInfo info, int predictor, int restartInterval)
    {
        int width = info.Columns, height = info.Rows, nc = info.SamplesPerPixel, p = info.BitsStored;

        Span<byte> bits = stackalloc byte[16];
        Span<byte> values = stackalloc byte[HuffmanCodeBuilder.Symbols];
        var code = new int[HuffmanCodeBuilder.Symbols];
        var size = new int[HuffmanCodeBuilder.Symbols];
        int nValues = HuffmanCodeBuilder.Build(freq, bits, values, code, size);

        using var w = new JpegBitWriter(symbols.Length + 1024);
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
        // Each symbol becomes its Huffman code followed by its extra bits: one append per sample.
        var prefix = new uint[HuffmanCodeBuilder.Symbols];
        var length = new int[HuffmanCodeBuilder.Symbols];
        for (int c = 0; c < HuffmanCodeBuilder.Symbols; c++)
        {
            int extra = c is > 0 and < 16 ? c : 0;
            prefix[c] = (uint)code[c] << extra;
            length[c] = size[c] + extra;
        }
        int perInterval = restartInterval > 0 ? restartInterval * nc : symbols.Length;
        int restarts = 0;
        for (int start = 0; start < symbols.Length; start += perInterval)
        {
            if (start > 0)
            {
                w.Flush();
                w.PutUInt16(0xFFD0 + (restarts++ & 7));
            }
            w.WriteSymbols(symbols.Slice(start, Math.Min(perInterval, symbols.Length - start)), prefix, length);
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

    /// <summary>
    /// Every difference in coding order (MCU by MCU), with the prediction rules the decoder uses, stored as
    /// category | extra bits &lt;&lt; 5; counts the categories.
    /// </summary>
    private static void Differences(int[] samples, int width, int height, int nc, int precision, int predictor, int restartInterval,
        int[] symbols, Span<int> counts)
    {
        int count = width * height;
        int initial = 1 << (precision - 1);
        long mcu = 0;
        int intervalRow = 0, k = 0;
        bool reset = true;
        for (int y = 0; y < height; y++)
        {
            int row = y * width, above = row - width;
            long rowStart = (long)y * width;
            bool restartInRow = restartInterval > 0 &&
                                ((rowStart > 0 && rowStart % restartInterval == 0) || (rowStart + width - 1) / restartInterval != rowStart / restartInterval);
            if (nc == 1 && y > intervalRow && !restartInRow)
            {
                MonoRow(predictor, samples.AsSpan(row, width), samples.AsSpan(above, width), symbols.AsSpan(k, width), counts);
                k += width;
                mcu += width;
                continue;
            }
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
                    int symbol = Symbol(samples[plane + row + x] - pred);
                    counts[symbol & 31]++;
                    symbols[k++] = symbol;
                }
                reset = false;
                mcu++;
            }
        }
    }

    private static void MonoRow(int predictor, ReadOnlySpan<int> current, ReadOnlySpan<int> previous, Span<int> symbols, Span<int> counts)
    {
        switch (predictor)
        {
            case 1: MonoRow<Predictor1>(current, previous, symbols, counts); break;
            case 2: MonoRow<Predictor2>(current, previous, symbols, counts); break;
            case 3: MonoRow<Predictor3>(current, previous, symbols, counts); break;
            case 4: MonoRow<Predictor4>(current, previous, symbols, counts); break;
            case 5: MonoRow<Predictor5>(current, previous, symbols, counts); break;
            case 6: MonoRow<Predictor6>(current, previous, symbols, counts); break;
            default: MonoRow<Predictor7>(current, previous, symbols, counts); break;
        }
    }

    /// <summary>One row of a one-component image that is not the first row of the image or of a restart interval.</summary>
    private static void MonoRow<TP>(ReadOnlySpan<int> current, ReadOnlySpan<int> previous, Span<int> symbols, Span<int> counts)
        where TP : struct, IPredictor
    {
        int width = current.Length;
        if (previous.Length < width || symbols.Length < width) return;
        int symbol = Symbol(current[0] - previous[0]);
        counts[symbol & 31]++;
        symbols[0] = symbol;
        for (int x = 1; x < width; x++)
        {
            symbol = Symbol(current[x] - TP.Predict(current[x - 1], previous[x], previous[x - 1]));
            counts[symbol & 31]++;
            symbols[x] = symbol;
        }
    }

    /// <summary>The difference taken modulo 2^16 into -32767..32768 (T.81 H.1.2.1), as category | extra bits &lt;&lt; 5.</summary>
    private static int Symbol(int difference)
    {
        int diff = difference & 0xFFFF;
        if (diff > 0x8000) diff -= 0x10000;
        int s = Category(diff);
        return s is > 0 and < 16 ? s | (((diff > 0 ? diff : diff - 1) & ((1 << s) - 1)) << 5) : s;
    }

    private static int Category(int diff)
    {
        if (diff == 0) return 0;
        uint magnitude = (uint)Math.Abs(diff);
        return 32 - System.Numerics.BitOperations.LeadingZeroCount(magnitude);
    }

    private static DicomCodecException Error(long offset, string reason) =>
        new(JpegLosslessCodec.TransferSyntaxUids, JpegLosslessCodec.TransferSyntaxName, offset, reason);
}
