using MriCs.Dicom.Inspection;
using MriCs.Dicom.Pixels;

namespace MriCs.Dicom.Tests;

/// <summary>Every lossless variant dcmtk and gdcm make of an image decodes to the same stored values (pixelSha256) as the
/// original read by pydicom; syntaxes MriCs does not decode fail with the transcoding hint.</summary>
public class LosslessVariantTests
{
    public static TheoryData<string> Originals() => new()
    {
        PeerTools.Dicom3ToolsMr,
        Path.Combine(PeerTools.PydicomFiles, "MR_small.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "CT_small.dcm"),
    };

    [Theory]
    [MemberData(nameof(Originals))]
    public void Every_lossless_variant_gives_the_same_pixel_sha256(string original)
    {
        var expected = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), original).Split(' ')[0];
        var dir = PeerTools.TempDir();
        var variants = new (string Name, string Tool, string[] Args, string Uid)[]
        {
            ("dcmconv+ti", "dcmconv", ["+ti"], "1.2.840.10008.1.2"),
            ("dcmconv+tb", "dcmconv", ["+tb"], "1.2.840.10008.1.2.2"),
            ("dcmconv+td", "dcmconv", ["+td"], "1.2.840.10008.1.2.1.99"),
            ("dcmcrle", "dcmcrle", [], "1.2.840.10008.1.2.5"),
            ("dcmcjpeg+e1", "dcmcjpeg", ["+e1"], "1.2.840.10008.1.2.4.70"),
            ("dcmcjpeg+el+sv6", "dcmcjpeg", ["+el", "+sv", "6"], "1.2.840.10008.1.2.4.57"),
            ("dcmcjpeg+el+sv7", "dcmcjpeg", ["+el", "+sv", "7"], "1.2.840.10008.1.2.4.57"),
            ("gdcmconv--rle", "gdcmconv", ["--rle"], "1.2.840.10008.1.2.5"),
            ("gdcmconv--jpeg", "gdcmconv", ["--jpeg"], "1.2.840.10008.1.2.4.70"),
        };
        foreach (var (name, tool, args, uid) in variants)
        {
            var path = Path.Combine(dir, name + ".dcm");
            PeerTools.RunOk(tool, [.. args, original, path]);
            var summary = DicomImageSummary.Create(DicomFile.Open(path));
            Assert.True(uid == summary.TransferSyntaxUid, $"{name}: made {summary.TransferSyntaxUid}, expected {uid}");
            Assert.True(expected == summary.PixelSha256, $"{name}: {summary.PixelSha256} ({summary.PixelError}) vs pydicom {expected}");
        }

        foreach (var (name, tool, args, uid) in new (string, string, string[], string)[]
        {
            ("dcmcjpls", "dcmcjpls", ["+el"], "1.2.840.10008.1.2.4.80"),
            ("gdcmconv--j2k", "gdcmconv", ["--j2k"], "1.2.840.10008.1.2.4.90"),
        })
        {
            var path = Path.Combine(dir, name + ".dcm");
            PeerTools.RunOk(tool, [.. args, original, path]);
            var file = DicomFile.Open(path);
            Assert.Equal(uid, file.TransferSyntax.Uid);
            var ex = Assert.Throws<DicomUnsupportedTransferSyntaxException>(() => DicomPixelData.Create(file).GetStoredValues(0));
            Assert.Contains(uid, ex.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> EncapsulatedFiles() => new()
    {
        Path.Combine(PeerTools.PydicomFiles, "MR_small_RLE.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_rle.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_rle_2frame.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_rle_16bit_2frame.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "SC_rgb_rle_32bit_2frame.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "rtdose_rle.dcm"),
    };

    [Theory]
    [MemberData(nameof(EncapsulatedFiles))]
    public void Rle_files_including_multiframe_and_colour_match_pydicom(string path)
    {
        var (sha, min, max, count) = PixelDataTests.Digest(DicomPixelData.Create(DicomFile.Open(path)));
        var theirs = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), path).Trim().Split(' ');
        Assert.True(theirs[0] == sha, $"{Path.GetFileName(path)}: {sha} vs pydicom {theirs[0]} (min {min}/{theirs[1]} max {max}/{theirs[2]} n {count}/{theirs[3]})");
    }
}
