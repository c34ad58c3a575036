using MriCs.Dicom.Inspection;
using MriCs.Dicom.Pixels;

namespace MriCs.Dicom.Tests;

public class TranscoderTests
{
    public static TheoryData<string> Sources() => new()
    {
        PeerTools.Dicom3ToolsMr,
        Path.Combine(PeerTools.PydicomFiles, "CT_small.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_small_odd.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_rle_2frame.dcm"),
    };

    /// <summary>MriCs encodes RLE and JPEG lossless; dcmtk decodes what it wrote to the same stored values, and so does MriCs.</summary>
    [Theory]
    [MemberData(nameof(Sources))]
    public void Transcoding_is_lossless_and_peers_decode_the_result(string path)
    {
        var original = DicomFile.Open(path);
        var expected = DicomImageSummary.Create(original).PixelSha256;
        Assert.NotNull(expected);
        var dir = PeerTools.TempDir();
        foreach (var (ts, predictor, decoder) in new[]
        {
            (TransferSyntax.RleLossless, 1, new[] { "dcmdrle" }),
            (TransferSyntax.JpegLosslessSV1, 1, ["dcmdjpeg"]),
            (TransferSyntax.JpegLossless, 7, ["dcmdjpeg"]),
            (TransferSyntax.ExplicitVRBigEndian, 1, ["dcmconv", "+te"]),
        })
        {
            var encoded = DicomTranscoder.Transcode(original, ts, predictor);
            var file = Path.Combine(dir, $"{ts.Uid}.dcm");
            encoded.Save(file);
            Assert.Equal(expected, DicomImageSummary.Create(DicomFile.Open(file)).PixelSha256);
            var back = DicomTranscoder.Transcode(DicomFile.Open(file), TransferSyntax.ExplicitVRLittleEndian);
            Assert.Equal(expected, DicomImageSummary.Create(DicomFile.Read(back.ToBytes())).PixelSha256);

            var decoded = Path.Combine(dir, $"{ts.Uid}.peer.dcm");
            PeerTools.RunOk(decoder[0], [.. decoder[1..], file, decoded]);
            var peer = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), decoded).Split(" ")[0];
            Assert.True(expected == peer, $"{Path.GetFileName(path)} {ts.Name} via {string.Join(' ', decoder)}: {peer} vs {expected}");
        }
    }

    [Fact]
    public void Unsupported_targets_and_32_bit_jpeg_are_typed_errors()
    {
        var mr = DicomFile.Open(PeerTools.PydicomFile("MR_small.dcm"));
        Assert.Throws<DicomDataException>(() => DicomTranscoder.Transcode(mr, TransferSyntax.Jpeg2000Lossless));
        var dose = DicomFile.Open(PeerTools.PydicomFile("rtdose.dcm"));
        var ex = Assert.Throws<DicomDataException>(() => DicomTranscoder.Transcode(dose, TransferSyntax.JpegLosslessSV1));
        Assert.Contains("frame 0", ex.Message, StringComparison.Ordinal);
    }
}
