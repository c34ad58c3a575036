using Xunit;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

/// <summary>JPEG lossless cross-checks with dcmtk (dcmcjpeg/dcmdjpeg), gdcm (gdcmconv) and real sample files.</summary>
public class JpegLosslessPeerTests
{
    public static TheoryData<int, int, int, int, int, bool, int> Shapes => new()
    {
        { 64, 64, 1, 8, 8, false, 0 },
        { 37, 51, 1, 16, 12, false, 0 },
        { 40, 30, 1, 16, 16, false, 0 },
        { 40, 30, 1, 16, 16, true, 0 },
        { 18, 23, 3, 8, 8, false, 0 },
        { 20, 21, 1, 16, 10, false, 0 },
        { 31, 29, 1, 16, 12, true, 0 },
        { 20, 21, 1, 8, 6, false, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Frames_compressed_by_dcmcjpeg_with_every_predictor_and_gdcmconv_decode_to_the_original_pixels(
        int rows, int cols, int spp, int ba, int bs, bool signed, int pc)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows + cols);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, pixels, tmp);
        var outputs = new List<string>();
        CodecPeers.Run("dcmcjpeg", "+e1", native, tmp.File("sv1.dcm"));
        outputs.Add("sv1.dcm");
        for (int sv = 1; sv <= 7; sv++)
        {
            CodecPeers.Run("dcmcjpeg", "+el", "+sv", sv.ToString(), native, tmp.File($"el{sv}.dcm"));
            outputs.Add($"el{sv}.dcm");
        }
        CodecPeers.Run("gdcmconv", "--jpeg", native, tmp.File("gdcm.dcm"));
        outputs.Add("gdcm.dcm");
        var expected = Synthetic.Stored(pixels, info);
        var files = CodecPeers.ReadFrames(outputs.Select(tmp.File).ToList(), tmp);
        foreach (var (name, file) in outputs.Zip(files))
        {
            Assert.StartsWith("1.2.840.10008.1.2.4.", file.TransferSyntax);
            var decoded = JpegLosslessCodec.Decode(file.Frames[0], file.Info);
            Synthetic.AssertSamePixels(expected, Synthetic.Stored(decoded, file.Info), info, name);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Frames_encoded_here_with_every_predictor_are_decoded_by_dcmdjpeg_and_gdcmconv(
        int rows, int cols, int spp, int ba, int bs, bool signed, int pc)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(rows, cols, spp, ba, bs, signed, pc);
        var pixels = Synthetic.Frame(info, seed: rows * cols);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, pixels, tmp);
        var expected = Synthetic.Stored(pixels, info);
        var predictors = Enumerable.Range(1, 7).ToList();
        CodecPeers.WriteEncapsulated(predictors.Select(p => new CodecPeers.Encapsulation(native, tmp.File($"ours{p}.dcm"),
            p == 1 ? JpegLosslessCodec.FirstOrderPredictionUid : JpegLosslessCodec.ProcessFourteenUid,
            [JpegLosslessCodec.Encode(pixels, info, p)])).ToList(), tmp);
        var names = new List<string>();
        // gdcm 3.0 aborts on 8-bit frames with BitsStored < 8 whoever encoded them (dcmtk's too): dcmtk only there.
        bool gdcmCan = !(ba == 8 && bs < 8);
        foreach (int p in predictors)
        {
            CodecPeers.Run("dcmdjpeg", tmp.File($"ours{p}.dcm"), tmp.File($"dcmtk{p}.dcm"));
            names.Add($"dcmtk{p}.dcm");
            if (!gdcmCan) continue;
            CodecPeers.Run("gdcmconv", "--raw", tmp.File($"ours{p}.dcm"), tmp.File($"gdcm{p}.dcm"));
            names.Add($"gdcm{p}.dcm");
        }
        var files = CodecPeers.ReadFrames(names.Select(tmp.File).ToList(), tmp);
        foreach (var (name, file) in names.Zip(files))
            Synthetic.AssertSamePixels(expected, Synthetic.Stored(file.Frames[0], file.Info), info, name);
    }

    [Theory]
    [InlineData(30)]   // one row per interval
    [InlineData(90)]   // three rows
    public void Restart_intervals_encoded_here_are_decoded_by_dcmdjpeg_and_gdcmconv(int interval)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(20, 30, 1, 16, 12, false, 0);
        var pixels = Synthetic.Frame(info, seed: interval);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, pixels, tmp);
        string ours = tmp.File("ours.dcm");
        CodecPeers.WriteEncapsulated(native, ours, JpegLosslessCodec.ProcessFourteenUid, [JpegLosslessCodec.Encode(pixels, info, 7, interval)], tmp);
        CodecPeers.Run("dcmdjpeg", ours, tmp.File("dcmtk.dcm"));
        CodecPeers.Run("gdcmconv", "--raw", ours, tmp.File("gdcm.dcm"));
        string[] names = ["dcmtk.dcm", "gdcm.dcm"];
        foreach (var (name, file) in names.Zip(CodecPeers.ReadFrames(names.Select(tmp.File).ToList(), tmp)))
            Synthetic.AssertSamePixels(Synthetic.Stored(pixels, info), Synthetic.Stored(file.Frames[0], file.Info), info, name);
    }

    [Theory]
    [InlineData("MR_small.dcm")]
    [InlineData("CT_small.dcm")]
    [InlineData("/usr/share/doc/dicom3tools/examples/0051.dcm")]
    public void Real_files_compressed_by_dcmcjpeg_and_gdcmconv_decode_to_the_uncompressed_pixels(string name)
    {
        using var tmp = new CodecPeers.TempDir();
        string source = name.StartsWith('/') ? name : CodecPeers.PyDicomTestFiles + name;
        // Normalise to explicit VR little endian first so the reference frame bytes are little endian.
        CodecPeers.Run("dcmconv", "+te", source, tmp.File("le.dcm"));
        var native = CodecPeers.ReadFrames(tmp.File("le.dcm"), tmp);
        var expected = Synthetic.Stored(native.Frames[0], native.Info);
        var variants = new[] { ("sv1.dcm", new[] { "+e1" }), ("sv6.dcm", new[] { "+el", "+sv", "6" }), ("sv3.dcm", new[] { "+el", "+sv", "3" }) };
        foreach (var (file, args) in variants) CodecPeers.Run("dcmcjpeg", [.. args, tmp.File("le.dcm"), tmp.File(file)]);
        CodecPeers.Run("gdcmconv", "--jpeg", tmp.File("le.dcm"), tmp.File("gdcm.dcm"));
        variants = [.. variants, ("gdcm.dcm", Array.Empty<string>())];
        var compressedFiles = CodecPeers.ReadFrames(variants.Select(v => tmp.File(v.Item1)).ToList(), tmp);
        foreach (var ((file, _), compressed) in variants.Zip(compressedFiles))
        {
            var decoded = JpegLosslessCodec.Decode(compressed.Frames[0], compressed.Info);
            Synthetic.AssertSamePixels(expected, Synthetic.Stored(decoded, compressed.Info), native.Info, $"{name} {file}");
        }
        // And our encoding of the real pixels, decoded by dcmtk.
        string ours = tmp.File("ours.dcm");
        CodecPeers.WriteEncapsulated(tmp.File("le.dcm"), ours, JpegLosslessCodec.FirstOrderPredictionUid,
            [JpegLosslessCodec.Encode(native.Frames[0], native.Info)], tmp);
        CodecPeers.Run("dcmdjpeg", ours, tmp.File("back.dcm"));
        var back = CodecPeers.ReadFrames(tmp.File("back.dcm"), tmp);
        Synthetic.AssertSamePixels(expected, Synthetic.Stored(back.Frames[0], back.Info), native.Info, $"{name} via dcmdjpeg");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Point_transform_streams_decode_like_dcmdjpeg(int pointTransform)
    {
        using var tmp = new CodecPeers.TempDir();
        var info = new FrameInfo(32, 33, 1, 16, 12, false, 0);
        string native = tmp.File("native.dcm");
        CodecPeers.WriteNative(native, info, Synthetic.Frame(info, 21), tmp);
        CodecPeers.Run("dcmcjpeg", "+el", "+sv", "4", "+pt", pointTransform.ToString(), native, tmp.File("pt.dcm"));
        CodecPeers.Run("dcmdjpeg", tmp.File("pt.dcm"), tmp.File("back.dcm"));
        var both = CodecPeers.ReadFrames([tmp.File("pt.dcm"), tmp.File("back.dcm")], tmp);
        var (compressed, reference) = (both[0], both[1]);
        var decoded = JpegLosslessCodec.Decode(compressed.Frames[0], compressed.Info);
        var expected = Synthetic.Stored(reference.Frames[0], reference.Info);
        Synthetic.AssertSamePixels(expected, Synthetic.Stored(decoded, compressed.Info), info, $"Pt={pointTransform}");
        // The low bits really were dropped: every value is a multiple of 2^Pt.
        Assert.All(expected, v => Assert.Equal(0, v % (1 << pointTransform)));
    }
}
