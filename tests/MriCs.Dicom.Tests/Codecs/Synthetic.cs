using Xunit;
using System.Buffers.Binary;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

/// <summary>Synthetic frames (no patient data) and layout-independent comparison of stored values.</summary>
internal static class Synthetic
{
    /// <summary>
    /// A frame mixing what stresses a lossless coder: a smooth gradient, random noise, flat areas,
    /// hard edges, and the extreme values of the stored range. Signed values are sign-extended into
    /// the container as scanners write them; unsigned values leave the bits above BitsStored zero.
    /// </summary>
    public static byte[] Frame(FrameInfo info, int seed)
    {
        var rng = new Random(seed);
        int bits = info.BitsStored;
        long min = info.Signed ? -(1L << (bits - 1)) : 0;
        long max = info.Signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
        long span = max - min;
        var values = new long[info.PixelCount * info.SamplesPerPixel];
        int spp = info.SamplesPerPixel;
        for (int r = 0; r < info.Rows; r++)
        for (int c = 0; c < info.Columns; c++)
        for (int s = 0; s < spp; s++)
        {
            long v;
            int region = (r * 4 / info.Rows + c * 4 / info.Columns + s) % 5;
            v = region switch
            {
                0 => min + span * (r + c) / (info.Rows + info.Columns), // gradient
                1 => min + (long)(rng.NextDouble() * (span + 1)),        // full-range noise
                2 => min + span / 3,                                     // flat
                3 => ((r / 3 + c / 3) & 1) == 0 ? min : max,             // edges between the extremes
                _ => min + span / 2 + rng.Next(-3, 4),                   // low-amplitude noise
            };
            values[((long)r * info.Columns + c) * spp + s] = Math.Clamp(v, min, max);
        }
        return Native(values, info);
    }

    /// <summary>Writes values given in (pixel, sample) order into the native layout of <paramref name="info"/>.</summary>
    public static byte[] Native(long[] values, FrameInfo info)
    {
        var bytes = new byte[info.FrameLength];
        int spp = info.SamplesPerPixel, bps = info.BytesPerSample;
        long pixels = info.PixelCount;
        for (long p = 0; p < pixels; p++)
        for (int s = 0; s < spp; s++)
        {
            long v = values[p * spp + s];
            long index = info.PlanarConfiguration == 1 ? s * pixels + p : p * spp + s;
            var dst = bytes.AsSpan((int)(index * bps), bps);
            switch (bps)
            {
                case 1: dst[0] = (byte)v; break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)v); break;
                default: BinaryPrimitives.WriteUInt32LittleEndian(dst, (uint)v); break;
            }
        }
        return bytes;
    }

    /// <summary>Stored values masked to BitsStored, in (pixel, sample) order whatever the planar configuration.</summary>
    public static long[] Stored(ReadOnlySpan<byte> native, FrameInfo info)
    {
        int spp = info.SamplesPerPixel, bps = info.BytesPerSample;
        long pixels = info.PixelCount;
        long mask = (1L << info.BitsStored) - 1;
        var result = new long[pixels * spp];
        for (long p = 0; p < pixels; p++)
        for (int s = 0; s < spp; s++)
        {
            long index = info.PlanarConfiguration == 1 ? s * pixels + p : p * spp + s;
            var src = native.Slice((int)(index * bps), bps);
            long v = bps switch
            {
                1 => src[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(src),
                _ => BinaryPrimitives.ReadUInt32LittleEndian(src),
            };
            result[p * spp + s] = v & mask;
        }
        return result;
    }

    /// <summary>Asserts equal stored values and reports the first difference (pixel, sample) when not.</summary>
    public static void AssertSamePixels(long[] expected, long[] actual, FrameInfo info, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                int spp = info.SamplesPerPixel;
                long p = i / spp;
                Assert.Fail($"{what}: first difference at row {p / info.Columns}, column {p % info.Columns}, " +
                            $"sample {i % spp}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }
}
