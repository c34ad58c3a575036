using Xunit;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

public class RleCodecTests
{
    public static TheoryData<int, int, int, int, int, bool, int> Shapes => new()
    {
        // rows, cols, spp, bitsAllocated, bitsStored, signed, planar
        { 16, 16, 1, 8, 8, false, 0 },
        { 7, 13, 1, 8, 6, false, 0 },
        { 33, 47, 1, 16, 12, false, 0 },
        { 40, 31, 1, 16, 16, true, 0 },
        { 20, 300, 1, 16, 16, false, 0 },
        { 9, 11, 3, 8, 8, false, 0 },
        { 9, 11, 3, 8, 8, false, 1 },
        { 12, 10, 3, 16, 16, false, 0 },
        { 5, 6, 1, 32, 32, true, 0 },
        { 1, 1, 1, 8, 8, false, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Encode_then_decode_gives_the_same_bytes(int rows, int cols, int spp, int ba, int bs, bool signed, int pc)
    {
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows * 31 + cols);
        byte[] encoded = RleCodec.Encode(pixels, info);
        Assert.Equal(0, encoded.Length % 2);
        Assert.Equal(spp * ba / 8, BitConverter.ToInt32(encoded, 0));
        Assert.Equal(pixels, RleCodec.Decode(encoded, info));
    }

    [Fact]
    public void Decodes_a_hand_built_frame_with_literal_replicate_and_noop_runs()
    {
        // One 8-bit segment for a 2x5 image: literal [1 2 3], replicate 7 x4, no-op, literal [9 8 7], then padding.
        var frame = new byte[64 + 12];
        frame[0] = 1;
        frame[4] = 64;
        byte[] segment = [0x02, 1, 2, 3, 0xFD, 7, 0x80, 0x02, 9, 8, 7, 0x00];
        segment.CopyTo(frame, 64);
        var info = new FrameInfo(2, 5, 1, 8, 8, false, 0);
        Assert.Equal(new byte[] { 1, 2, 3, 7, 7, 7, 7, 9, 8, 7 }, RleCodec.Decode(frame, info));
    }

    [Fact]
    public void Sixteen_bit_segments_carry_the_most_significant_byte_first()
    {
        // 1x2 image, values 0x1234 and 0xABCD: segment 1 = high bytes, segment 2 = low bytes.
        var frame = new byte[64 + 6];
        frame[0] = 2;
        frame[4] = 64;
        frame[8] = 67;
        byte[] data = [0x01, 0x12, 0xAB, 0x01, 0x34, 0xCD];
        data.CopyTo(frame, 64);
        var info = new FrameInfo(1, 2, 1, 16, 16, false, 0);
        Assert.Equal(new byte[] { 0x34, 0x12, 0xCD, 0xAB }, RleCodec.Decode(frame, info));
    }

    [Fact]
    public void Wrong_segment_count_is_reported_with_its_offset()
    {
        var info = new FrameInfo(4, 4, 1, 16, 16, false, 0);
        var frame = RleCodec.Encode(new byte[32], info);
        frame[0] = 3;
        var ex = Assert.Throws<DicomCodecException>(() => RleCodec.Decode(frame, info));
        Assert.Contains("1.2.840.10008.1.2.5", ex.Message);
        Assert.Contains("3 segments", ex.Message);
        Assert.Equal(0, ex.ByteOffset);
    }

    [Fact]
    public void Segment_offset_past_the_end_is_rejected()
    {
        var info = new FrameInfo(4, 4, 1, 16, 16, false, 0);
        var frame = RleCodec.Encode(new byte[32], info);
        BitConverter.GetBytes(frame.Length + 10).CopyTo(frame, 8);
        var ex = Assert.Throws<DicomCodecException>(() => RleCodec.Decode(frame, info));
        Assert.Equal(8, ex.ByteOffset);
        Assert.Contains("segment 2 offset", ex.Message);
    }

    [Fact]
    public void Short_header_and_short_segments_are_rejected()
    {
        var info = new FrameInfo(8, 8, 1, 8, 8, false, 0);
        Assert.Throws<DicomCodecException>(() => RleCodec.Decode(new byte[40], info));
        var pixels = Synthetic.Frame(info, 3);
        var frame = RleCodec.Encode(pixels, info);
        var ex = Assert.Throws<DicomCodecException>(() => RleCodec.Decode(frame.AsSpan(0, frame.Length - 6), info));
        Assert.Contains("segment 1", ex.Message);
    }

    [Fact]
    public void Too_many_segments_for_the_frame_description_is_a_codec_error()
    {
        var info = new FrameInfo(2, 2, 4, 32, 32, false, 0); // 16 segments > 15
        Assert.Throws<DicomCodecException>(() => RleCodec.Encode(new byte[64], info));
        Assert.Throws<DicomCodecException>(() => RleCodec.Decode(new byte[128], info));
    }

    [Fact]
    public void Invalid_frame_description_is_a_codec_error()
    {
        Assert.Throws<DicomCodecException>(() => RleCodec.Decode(new byte[64], new FrameInfo(0, 5, 1, 8, 8, false, 0)));
        Assert.Throws<DicomCodecException>(() => RleCodec.Decode(new byte[64], new FrameInfo(5, 5, 1, 12, 12, false, 0)));
        Assert.Throws<DicomCodecException>(() => RleCodec.Decode(new byte[64], new FrameInfo(5, 5, 1, 16, 17, false, 0)));
    }

    [Fact]
    public async Task Truncations_and_bit_flips_give_only_codec_errors_in_bounded_time()
    {
        var info = new FrameInfo(24, 24, 3, 16, 16, false, 0);
        var pixels = Synthetic.Frame(info, 11);
        var frame = RleCodec.Encode(pixels, info);
        // WaitAsync turns a hang into a TimeoutException (a failure), not a stuck test run.
        var (errors, decoded) = await Task.Run(() => Corruption.Exercise(frame, f => RleCodec.Decode(f, info), (int)info.FrameLength, seed: 5, mutations: 3000))
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(errors > 100, $"only {errors} of the corrupted frames were rejected");
        Assert.True(decoded > 0, "no bit flip left a decodable frame; the mutation set is suspicious");
    }
}
