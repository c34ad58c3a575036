using Xunit;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

/// <summary>RLE cross-checks with dcmtk (dcmcrle/dcmdrle), gdcm (gdcmconv) and pydicom's sample files.</summary>
public class RlePeerTests
{
    public static TheoryData<int, int, int, int, int, bool, int> Shapes => new()
    {
        { 64, 64, 1, 8, 8, false, 0 },
        { 37, 51, 1, 16, 12, false, 0 },
        { 40, 30, 1, 16, 16, true, 0 },
        { 31, 29, 1, 16, 12, true, 0 },
        // RGB with an even pixel count: gdcm 3.0's RLE encoder asserts on odd-length (padded) RGB pixel data.
        { 18, 23, 3, 8, 8, false, 0 },
        { 18, 23, 3, 8, 8, false, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Frames_compressed_by_dcmcrle_and_gdcmconv_decode_to_the_original_pixels(
        int rows, int cols, int spp, int ba, int bs, bool signed, int pc)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows + cols);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, pixels, tmp);
        CodecPeers.Run("dcmcrle", native, tmp.File("dcmtk.dcm"));
        CodecPeers.Run("gdcmconv", "--rle", native, tmp.File("gdcm.dcm"));
        string[] names = ["dcmtk.dcm", "gdcm.dcm"];
        foreach (var (name, file) in names.Zip(CodecPeers.ReadFrames(names.Select(tmp.File).ToList(), tmp)))
        {
            Assert.Equal(RleCodec.TransferSyntaxUid, file.TransferSyntax);
            var decoded = RleCodec.Decode(file.Frames[0], file.Info);
            Synthetic.AssertSamePixels(Synthetic.Stored(pixels, info), Synthetic.Stored(decoded, file.Info), info, name);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Frames_encoded_here_are_decoded_by_dcmdrle_and_gdcmconv(
        int rows, int cols, int spp, int ba, int bs, bool signed, int pc)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows * cols);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, pixels, tmp);
        string rle = tmp.File("ours.dcm");
        CodecPeers.WriteEncapsulated(native, rle, RleCodec.TransferSyntaxUid, [RleCodec.Encode(pixels, info)], tmp);
        CodecPeers.Run("dcmdrle", rle, tmp.File("dcmtk.dcm"));
        CodecPeers.Run("gdcmconv", "--raw", rle, tmp.File("gdcm.dcm"));
        string[] names = ["dcmtk.dcm", "gdcm.dcm"];
        foreach (var (name, file) in names.Zip(CodecPeers.ReadFrames(names.Select(tmp.File).ToList(), tmp)))
            Synthetic.AssertSamePixels(Synthetic.Stored(pixels, info), Synthetic.Stored(file.Frames[0], file.Info), info, name);
    }

    [Theory]
    [InlineData("MR_small_RLE.dcm")]
    [InlineData("SC_rgb_rle.dcm")]
    [InlineData("SC_rgb_rle_2frame.dcm")]
    [InlineData("SC_rgb_rle_16bit_2frame.dcm")]
    [InlineData("SC_rgb_rle_32bit_2frame.dcm")]
    [InlineData("rtdose_rle.dcm")]
    public void Real_rle_files_decode_like_dcmdrle(string name)
    {
        using var tmp = new CodecPeers.TempDir();
        string source = CodecPeers.PyDicomTestFiles + name;
        CodecPeers.Run("dcmdrle", source, tmp.File("raw.dcm"));
        var both = CodecPeers.ReadFrames([source, tmp.File("raw.dcm")], tmp);
        var (compressed, reference) = (both[0], both[1]);
        Assert.Equal(reference.Frames.Count, compressed.Frames.Count);
        for (int f = 0; f < compressed.Frames.Count; f++)
        {
            var decoded = RleCodec.Decode(compressed.Frames[f], compressed.Info);
            Synthetic.AssertSamePixels(Synthetic.Stored(reference.Frames[f], reference.Info),
                Synthetic.Stored(decoded, compressed.Info), compressed.Info, $"{name} frame {f}");
        }
    }

    [Theory]
    [InlineData("MR_small.dcm")]
    [InlineData("CT_small.dcm")]
    [InlineData("/usr/share/doc/dicom3tools/examples/0051.dcm")]
    public void Real_files_compressed_by_dcmcrle_and_gdcmconv_decode_to_the_uncompressed_pixels_and_ours_decode_in_dcmdrle(string name)
    {
        using var tmp = new CodecPeers.TempDir();
        string source = name.StartsWith('/') ? name : CodecPeers.PyDicomTestFiles + name;
        CodecPeers.Run("dcmconv", "+te", source, tmp.File("le.dcm"));
        CodecPeers.Run("dcmcrle", tmp.File("le.dcm"), tmp.File("dcmtk.dcm"));
        CodecPeers.Run("gdcmconv", "--rle", tmp.File("le.dcm"), tmp.File("gdcm.dcm"));
        var files = CodecPeers.ReadFrames([tmp.File("le.dcm"), tmp.File("dcmtk.dcm"), tmp.File("gdcm.dcm")], tmp);
        var native = files[0];
        var expected = Synthetic.Stored(native.Frames[0], native.Info);
        foreach (var compressed in files.Skip(1))
        {
            Assert.Equal(RleCodec.TransferSyntaxUid, compressed.TransferSyntax);
            var decoded = RleCodec.Decode(compressed.Frames[0], compressed.Info);
            Synthetic.AssertSamePixels(expected, Synthetic.Stored(decoded, compressed.Info), native.Info, name);
        }
        CodecPeers.WriteEncapsulated(tmp.File("le.dcm"), tmp.File("ours.dcm"), RleCodec.TransferSyntaxUid,
            [RleCodec.Encode(native.Frames[0], native.Info)], tmp);
        CodecPeers.Run("dcmdrle", tmp.File("ours.dcm"), tmp.File("back.dcm"));
        var back = CodecPeers.ReadFrames(tmp.File("back.dcm"), tmp);
        Synthetic.AssertSamePixels(expected, Synthetic.Stored(back.Frames[0], back.Info), native.Info, $"{name} via dcmdrle");
    }

    [Fact]
    public void MR_small_RLE_matches_the_uncompressed_MR_small()
    {
        using var tmp = new CodecPeers.TempDir();
        var both = CodecPeers.ReadFrames([CodecPeers.PyDicomTestFiles + "MR_small_RLE.dcm", CodecPeers.PyDicomTestFiles + "MR_small.dcm"], tmp);
        var (rle, native) = (both[0], both[1]);
        var decoded = RleCodec.Decode(rle.Frames[0], rle.Info);
        Assert.Equal(native.Frames[0], decoded);
    }
}
