using System.Diagnostics;

namespace MriCs.Dicom.Tests;

/// <summary>
/// Thousands of mutations of real files (byte flips, truncations, lengths set to 0xFFFFFFF0 / 0xFFFFFFFF, bytes
/// removed): reading and using the result may only throw the library's typed exceptions, each in bounded time.
/// Deterministic seeds, so a failure names a reproducible case.
/// </summary>
public class FuzzTests
{
    public static TheoryData<string, int> Cases() => new()
    {
        { "MR_small.dcm", 1 }, { "MR_small_implicit.dcm", 2 }, { "MR_small_bigendian.dcm", 3 }, { "MR_small_RLE.dcm", 4 },
        { "image_dfl.dcm", 5 }, { "test-SR.dcm", 6 }, { "UN_sequence.dcm", 7 }, { "rtplan.dcm", 8 },
        { "SC_rgb_rle_2frame.dcm", 9 }, { "SC_rgb_jpeg_gdcm.dcm", 10 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mutated_files_fail_only_with_typed_errors(string name, int seed)
    {
        var original = File.ReadAllBytes(PeerTools.PydicomFile(name));
        var rng = new Random(seed);
        var total = Stopwatch.StartNew();
        var typed = 0;
        for (var i = 0; i < 500; i++)
        {
            var mutated = Mutate(original, rng, out var how);
            var sw = Stopwatch.StartNew();
            try
            {
                var f = DicomFile.Read(mutated);
                Use(f.Dataset);
                DecodePixels(f);
                using var s = new BadInputTests.NonSeekableStream(mutated);
                Use(DicomFile.Read(s, DicomReadOptions.HeaderOnly).Dataset);
            }
            catch (DicomException)
            {
                typed++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"{name} mutation {i} ({how}): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
            Assert.True(sw.ElapsedMilliseconds < 2000, $"{name} mutation {i} ({how}) took {sw.ElapsedMilliseconds} ms");
        }
        Assert.True(typed > 0, "no mutation was detected at all");
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(60));
    }

    private static void DecodePixels(DicomFile f)
    {
        if (!f.Dataset.Contains(DicomTag.PixelData)) return;
        try
        {
            var px = Pixels.DicomPixelData.Create(f);
            var values = new int[px.ValuesPerFrame];
            for (var i = 0; i < Math.Min(px.NumberOfFrames, 64); i++) px.GetStoredValues(i, values);
        }
        catch (DicomDataException)
        {
            // Pixel module or pixel data that does not add up: typed, fine.
        }
    }

    private static void Use(DicomDataset ds)
    {
        foreach (var e in ds)
        {
            try
            {
                switch (e)
                {
                    case DicomSequence s:
                        foreach (var item in s.Items) Use(item);
                        break;
                    case DicomFragmentSequence fs:
                        fs.GetFrames(Math.Clamp(ds.GetInt(DicomTag.NumberOfFrames, 1), 1, 64));
                        break;
                    case DicomValueElement { IsValueSkipped: false }:
                        _ = ds.GetStrings(e.Tag);
                        ds.TryGetDoubles(e.Tag, out _);
                        break;
                }
            }
            catch (DicomDataException)
            {
                // A value that does not fit its VR: typed, fine.
            }
        }
    }

    private static byte[] Mutate(byte[] data, Random rng, out string how)
    {
        var b = (byte[])data.Clone();
        switch (rng.Next(5))
        {
            case 0:
                var n = rng.Next(1, 9);
                for (var k = 0; k < n; k++) b[rng.Next(132, b.Length)] ^= (byte)rng.Next(1, 256);
                how = $"{n} bytes flipped";
                return b;
            case 1:
                var cut = rng.Next(0, b.Length);
                how = $"truncated at {cut}";
                return b[..cut];
            case 2:
                var at = rng.Next(132, b.Length - 4);
                BitConverter.TryWriteBytes(b.AsSpan(at), rng.Next(2) == 0 ? 0xFFFFFFF0u : 0xFFFFFFFFu);
                how = $"huge length written at {at}";
                return b;
            case 3:
                var from = rng.Next(132, b.Length - 1);
                var len = rng.Next(1, Math.Min(64, b.Length - from));
                how = $"{len} bytes removed at {from}";
                return [.. b[..from], .. b[(from + len)..]];
            default:
                var p = rng.Next(132, b.Length - 2);
                b[p] = (byte)rng.Next(256);
                b[p + 1] = (byte)rng.Next(256);
                how = $"two random bytes at {p}";
                return b;
        }
    }
}
