using Xunit;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

public class JpegLosslessCodecTests
{
    public static TheoryData<int, int, int, int, int, bool, int> Shapes => new()
    {
        // rows, cols, spp, bitsAllocated, bitsStored, signed, planar
        { 16, 16, 1, 8, 8, false, 0 },
        { 7, 13, 1, 8, 2, false, 0 },
        { 33, 47, 1, 16, 12, false, 0 },
        { 31, 29, 1, 16, 12, true, 0 },
        { 40, 31, 1, 16, 16, true, 0 },
        { 25, 26, 1, 16, 16, false, 0 },
        { 9, 11, 3, 8, 8, false, 0 },
        { 9, 11, 3, 8, 8, false, 1 },
        { 12, 10, 3, 16, 16, false, 0 },
        { 1, 1, 1, 16, 16, false, 0 },
        { 1, 37, 1, 16, 10, false, 0 },
        { 37, 1, 1, 8, 8, false, 0 },
    };

    public static IEnumerable<object[]> ShapesAndPredictors() =>
        from object[] shape in Shapes
        from predictor in Enumerable.Range(1, 7)
        select shape.Append(predictor).ToArray();

    [Theory]
    [MemberData(nameof(ShapesAndPredictors))]
    public void Encode_then_decode_gives_the_same_stored_values(int rows, int cols, int spp, int ba, int bs, bool signed, int pc, int predictor)
    {
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows * 7 + cols + predictor);
        byte[] encoded = JpegLosslessCodec.Encode(pixels, info, predictor);
        Assert.Equal(0, encoded.Length % 2);
        var decoded = JpegLosslessCodec.Decode(encoded, info);
        // Decoded values are sign-extended like the synthetic input, so the bytes themselves match.
        Assert.Equal(pixels, decoded);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(20, 4)]
    [InlineData(7, 1)]
    [InlineData(7, 6)]
    [InlineData(60, 7)]
    public void Restart_intervals_round_trip(int interval, int predictor)
    {
        var info = new FrameInfo(20, 20, 3, 16, 12, false, 0);
        var pixels = Synthetic.Frame(info, seed: interval);
        byte[] encoded = JpegLosslessCodec.Encode(pixels, info, predictor, interval);
        int rstMarkers = 0;
        for (int i = 0; i + 1 < encoded.Length; i++)
            if (encoded[i] == 0xFF && encoded[i + 1] is >= 0xD0 and <= 0xD7) rstMarkers++;
        Assert.Equal((400 - 1) / interval, rstMarkers);
        Assert.Equal(pixels, JpegLosslessCodec.Decode(encoded, info));
    }

    [Fact]
    public void Stream_structure_is_sof3_with_bits_stored_precision_and_the_chosen_predictor()
    {
        var info = new FrameInfo(5, 6, 1, 16, 12, false, 0);
        byte[] encoded = JpegLosslessCodec.Encode(Synthetic.Frame(info, 1), info, predictor: 6);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 12, 0, 5, 0, 6, 1, 1, 0x11, 0 }, encoded[..15]);
        int sos = IndexOf(encoded, 0xFF, 0xDA);
        Assert.Equal(new byte[] { 0, 8, 1, 1, 0x00, 6, 0, 0 }, encoded[(sos + 2)..(sos + 10)]);
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, encoded[^2..]);
    }

    [Fact]
    public void Constant_image_decodes_from_a_hand_built_stream()
    {
        // 2x3, 8 bits, predictor 1, table: category 0 -> code '0' (1 bit), category 1 -> '10'.
        // All samples are 128 = the initial prediction 2^(8-1): six '0' bits, padded with ones: 0b00000011.
        byte[] stream =
        [
            0xFF, 0xD8,
            0xFF, 0xC3, 0, 11, 8, 0, 2, 0, 3, 1, 1, 0x11, 0,
            0xFF, 0xC4, 0, 21, 0x00, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0xFF, 0xDA, 0, 8, 1, 1, 0x00, 1, 0, 0,
            0x03,
            0xFF, 0xD9,
        ];
        var info = new FrameInfo(2, 3, 1, 8, 8, false, 0);
        Assert.Equal(Enumerable.Repeat((byte)128, 6).ToArray(), JpegLosslessCodec.Decode(stream, info));
        // Category 1 code '10' + extra bit '0' is a difference of -1: the first sample is 127, then five
        // '0' codes (difference 0) with predictor 1 carry it along: exactly 8 bits, no padding.
        var withDiff = (byte[])stream.Clone();
        withDiff[^3] = 0b1000_0000;
        Assert.Equal(new byte[] { 127, 127, 127, 127, 127, 127 }, JpegLosslessCodec.Decode(withDiff, info));
    }

    [Fact]
    public void One_scan_per_component_decodes_like_an_interleaved_scan()
    {
        // Build a non-interleaved RGB stream: encode each plane as its own one-component stream, then splice
        // SOI + a 3-component SOF3 + each plane's DHT/SOS/data (SOS component id patched to 1, 2, 3) + EOI.
        var info = new FrameInfo(14, 19, 3, 16, 12, false, 1);
        var pixels = Synthetic.Frame(info, 17);
        var planeInfo = info with { SamplesPerPixel = 1, PlanarConfiguration = 0 };
        int planeBytes = (int)planeInfo.FrameLength;
        var stream = new List<byte> { 0xFF, 0xD8, 0xFF, 0xC3, 0, 17, 12, 0, 14, 0, 19, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0 };
        for (int c = 0; c < 3; c++)
        {
            var single = JpegLosslessCodec.Encode(pixels.AsSpan(c * planeBytes, planeBytes), planeInfo, predictor: c + 2);
            int dht = IndexOf(single, 0xFF, 0xC4);
            int sos = IndexOf(single, 0xFF, 0xDA);
            single[sos + 5] = (byte)(c + 1);
            stream.AddRange(single[dht..^2]);
        }
        stream.AddRange([0xFF, 0xD9]);
        Assert.Equal(pixels, JpegLosslessCodec.Decode(stream.ToArray(), info));
        // Interleaved output of the same stream when the dataset says PlanarConfiguration 0.
        var interleaved = JpegLosslessCodec.Decode(stream.ToArray(), info with { PlanarConfiguration = 0 });
        Assert.Equal(Synthetic.Stored(pixels, info), Synthetic.Stored(interleaved, info with { PlanarConfiguration = 0 }));
        // A component coded twice is an error.
        var twice = stream.ToArray();
        int secondSos = IndexOf(twice[(IndexOf(twice, 0xFF, 0xDA) + 2)..], 0xFF, 0xDA) + IndexOf(twice, 0xFF, 0xDA) + 2;
        twice[secondSos + 5] = 1;
        Assert.Contains("coded twice", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(twice, info)).Message);
    }

    [Fact]
    public void Baseline_and_extended_jpeg_are_rejected_with_the_process_and_how_to_transcode()
    {
        using var tmp = new CodecPeers.TempDir();
        foreach (var (file, process) in new[] { ("JPEG-lossy.dcm", "extended sequential"), ("SC_rgb_jpeg_dcmtk.dcm", "baseline") })
        {
            var f = CodecPeers.ReadFrames(CodecPeers.PyDicomTestFiles + file, tmp);
            var ex = Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(f.Frames[0], f.Info));
            Assert.Contains(process, ex.Message);
            Assert.Contains("SOF3", ex.Message);
            Assert.Contains("dcmdjpeg", ex.Message);
            Assert.Contains("1.2.840.10008.1.2.4.70", ex.Message);
        }
    }

    [Fact]
    public void Huffman_tables_with_more_codes_than_fit_are_rejected()
    {
        // Three 1-bit codes cannot exist (found by fuzzing: it once overflowed the lookup table).
        byte[] stream =
        [
            0xFF, 0xD8,
            0xFF, 0xC4, 0, 22, 0x00, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2,
            0xFF, 0xD9,
        ];
        var ex = Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(stream, new FrameInfo(2, 2, 1, 8, 8, false, 0)));
        Assert.Contains("overflow 1-bit codes", ex.Message);
        Assert.Equal(6, ex.ByteOffset);
    }

    [Fact]
    public void An_unused_ac_class_table_is_skipped_and_an_invalid_class_rejected()
    {
        var info = new FrameInfo(6, 7, 1, 8, 8, false, 0);
        var pixels = Synthetic.Frame(info, 3);
        var encoded = JpegLosslessCodec.Encode(pixels, info);
        int dht = IndexOf(encoded, 0xFF, 0xC4);
        // An AC table (class 1, id 0) with one 1-bit code, inserted as its own DHT segment before ours.
        byte[] ac = [0xFF, 0xC4, 0, 20, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00];
        byte[] withAc = [.. encoded[..dht], .. ac, .. encoded[dht..]];
        Assert.Equal(pixels, JpegLosslessCodec.Decode(withAc, info));
        withAc[dht + 4] = 0x20;
        Assert.Contains("class 2", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(withAc, info)).Message);
    }

    [Fact]
    public void Precision_above_bits_allocated_is_a_precision_mismatch()
    {
        var info16 = new FrameInfo(8, 8, 1, 16, 12, false, 0);
        byte[] encoded = JpegLosslessCodec.Encode(Synthetic.Frame(info16, 2), info16);
        var ex = Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(encoded, info16 with { BitsAllocated = 8, BitsStored = 8 }));
        Assert.Contains("precision mismatch", ex.Message);
        Assert.Equal(6, ex.ByteOffset);
    }

    [Fact]
    public void Frame_size_and_component_count_must_match_the_dataset()
    {
        var info = new FrameInfo(8, 9, 1, 8, 8, false, 0);
        byte[] encoded = JpegLosslessCodec.Encode(Synthetic.Frame(info, 2), info);
        Assert.Contains("9x8", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(encoded, info with { Rows = 9 })).Message);
        Assert.Contains("components", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(encoded, info with { SamplesPerPixel = 3 })).Message);
    }

    [Fact]
    public void Missing_soi_bad_restart_marker_and_truncation_are_reported()
    {
        var info = new FrameInfo(16, 16, 1, 16, 16, false, 0);
        var pixels = Synthetic.Frame(info, 9);
        byte[] encoded = JpegLosslessCodec.Encode(pixels, info, 1, restartInterval: 16);
        Assert.Contains("SOI", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(encoded[2..], info)).Message);

        var badRst = (byte[])encoded.Clone();
        int rst = IndexOf(badRst, 0xFF, 0xD0);
        badRst[rst + 1] = 0xD3;
        var ex = Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(badRst, info));
        Assert.Contains("RST0", ex.Message);
        Assert.Equal(rst, ex.ByteOffset);

        var truncated = encoded[..(encoded.Length / 2)];
        Assert.Contains("ends", Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(truncated, info)).Message);
    }

    [Fact]
    public void Missing_eoi_after_complete_data_is_tolerated_but_eoi_before_the_scan_is_not()
    {
        var info = new FrameInfo(10, 10, 1, 8, 8, false, 0);
        var pixels = Synthetic.Frame(info, 4);
        byte[] encoded = JpegLosslessCodec.Encode(pixels, info);
        Assert.Equal(pixels, JpegLosslessCodec.Decode(encoded[..^2], info));
        int sos = IndexOf(encoded, 0xFF, 0xDA);
        byte[] early = [.. encoded[..sos], 0xFF, 0xD9];
        Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Decode(early, info));
    }

    [Fact]
    public async Task Truncations_and_mutations_give_only_codec_errors_in_bounded_time()
    {
        var info = new FrameInfo(24, 24, 3, 16, 16, false, 0);
        var pixels = Synthetic.Frame(info, 13);
        var frame = JpegLosslessCodec.Encode(pixels, info, 4, restartInterval: 50);
        var (errors, decoded) = await Task.Run(() => Corruption.Exercise(frame, f => JpegLosslessCodec.Decode(f, info), (int)info.FrameLength, seed: 8, mutations: 20000))
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(errors > 100, $"only {errors} corrupted frames were rejected");
        Assert.True(decoded > 0, "no mutation decoded: the mutation set is suspicious");
    }

    [Fact]
    public void Invalid_arguments_to_encode_are_rejected()
    {
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegLosslessCodec.Encode(new byte[16], info, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegLosslessCodec.Encode(new byte[16], info, 8));
        Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Encode(new byte[15], info));
        Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Encode(new byte[16], info with { BitsStored = 1 }));
        Assert.Throws<DicomCodecException>(() => JpegLosslessCodec.Encode(new byte[64], info with { BitsAllocated = 32, BitsStored = 32 }));
    }

    internal static int IndexOf(byte[] data, byte a, byte b)
    {
        for (int i = 0; i + 1 < data.Length; i++)
            if (data[i] == a && data[i + 1] == b) return i;
        return -1;
    }
}
