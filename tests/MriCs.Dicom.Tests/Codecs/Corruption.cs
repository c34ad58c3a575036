using Xunit;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

internal static class Corruption
{
    /// <summary>
    /// Feeds truncations (every prefix length on a stride) and random byte mutations of a valid frame
    /// to a decoder. Any exception other than <see cref="DicomCodecException"/> fails the test, as does a
    /// successful decode of the wrong length. Returns how many inputs were rejected and how many decoded.
    /// </summary>
    public static (int Errors, int Decoded) Exercise(byte[] frame, Func<byte[], byte[]> decode, int expectedLength, int seed, int mutations)
    {
        int errors = 0, decoded = 0;
        void Try(byte[] input, string what)
        {
            try
            {
                var output = decode(input);
                Assert.True(output.Length == expectedLength, $"{what}: decoded {output.Length} bytes, expected {expectedLength}");
                decoded++;
            }
            catch (DicomCodecException)
            {
                errors++;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{what}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        int stride = Math.Max(1, frame.Length / 400);
        for (int len = 0; len < frame.Length - 2; len += stride) Try(frame[..len], $"truncated to {len}");
        var rng = new Random(seed);
        for (int i = 0; i < mutations; i++)
        {
            var copy = (byte[])frame.Clone();
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits; e++)
            {
                // Bias towards the header where the structure lives.
                int at = rng.Next(3) == 0 ? rng.Next(Math.Min(copy.Length, 200)) : rng.Next(copy.Length);
                copy[at] = rng.Next(3) switch
                {
                    0 => (byte)(copy[at] ^ (1 << rng.Next(8))),
                    1 => 0xFF, // marker-like bytes
                    _ => (byte)rng.Next(256),
                };
            }
            Try(copy, $"mutation {i}");
        }
        return (errors, decoded);
    }
}
