using MriCs.Dicom.Inspection;

namespace MriCs.Dicom.Tests;

public class InspectionTests
{
    public static TheoryData<string> Originals() => new()
    {
        PeerTools.Dicom3ToolsMr,
        Path.Combine(PeerTools.PydicomFiles, "MR_small.dcm"),
        Path.Combine(PeerTools.PydicomFiles, "CT_small.dcm"),
    };

    /// <summary>dcmconv re-encodes the dataset in every native syntax; each must give the pixelSha256 pydicom computes.</summary>
    [Theory]
    [MemberData(nameof(Originals))]
    public void Every_native_variant_made_by_dcmconv_gives_the_same_pixel_sha256(string original)
    {
        var expected = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), original).Split(' ')[0];
        var dir = PeerTools.TempDir();
        foreach (var (option, uid) in new[] { ("+ti", "1.2.840.10008.1.2"), ("+te", "1.2.840.10008.1.2.1"), ("+tb", "1.2.840.10008.1.2.2"), ("+td", "1.2.840.10008.1.2.1.99") })
        {
            var variant = Path.Combine(dir, $"v{option}.dcm");
            PeerTools.RunOk("dcmconv", option, original, variant);
            var summary = DicomImageSummary.Create(DicomFile.Open(variant));
            Assert.Equal(uid, summary.TransferSyntaxUid);
            Assert.True(expected == summary.PixelSha256, $"{option}: {summary.PixelSha256} ({summary.PixelError}) vs {expected}");
        }
    }

    [Fact]
    public void Summary_reports_the_pixel_module_and_digest()
    {
        var s = DicomImageSummary.Create(DicomFile.Open(PeerTools.Dicom3ToolsMr));
        Assert.Equal((360, 360, 16, 12, 0, 1), (s.Rows, s.Columns, s.BitsAllocated, s.BitsStored, s.PixelRepresentation, s.NumberOfFrames));
        Assert.Equal("MONOCHROME2", s.PhotometricInterpretation);
        var py = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), PeerTools.Dicom3ToolsMr).Split(' ');
        Assert.Equal(py[0], s.PixelSha256);
        Assert.Equal(int.Parse(py[1], System.Globalization.CultureInfo.InvariantCulture), s.PixelMin);
        Assert.Equal(int.Parse(py[2], System.Globalization.CultureInfo.InvariantCulture), s.PixelMax);
        Assert.Null(s.PixelError);

        var sr = DicomImageSummary.Create(DicomFile.Open(PeerTools.PydicomFile("test-SR.dcm")));
        Assert.Null(sr.PixelSha256);
        Assert.Equal("no Pixel Data", sr.PixelError);
        Assert.Equal("SR", sr.Modality);
    }

    [Fact]
    public void Dump_lists_every_element_with_vr_value_length_and_keyword()
    {
        var text = DicomDumper.Dump(DicomFile.Open(PeerTools.PydicomFile("MR_small.dcm")));
        Assert.Contains("(0028,0010) US [64]  # 2, Rows", text, StringComparison.Ordinal);
        Assert.Contains("(0002,0010) UI [1.2.840.10008.1.2.1]  # 20, TransferSyntaxUID", text, StringComparison.Ordinal);
        Assert.Contains("(7FE0,0010) OW <8192 bytes>  # 8192, PixelData", text, StringComparison.Ordinal);
        var sr = DicomDumper.Dump(DicomFile.Open(PeerTools.PydicomFile("test-SR.dcm")));
        Assert.Contains("(0040,A043) SQ (1 item)  # ConceptNameCodeSequence", sr, StringComparison.Ordinal);
        Assert.Contains("  > item 1", sr, StringComparison.Ordinal);
        // Every element the dataset holds, nested ones included, has a line.
        var file = DicomFile.Open(PeerTools.PydicomFile("test-SR.dcm"));
        Assert.Equal(Count(file.Dataset) + file.FileMetaInformation.Count, sr.Split('\n').Count(l => l.TrimStart().StartsWith('(')));
    }

    private static int Count(DicomDataset ds) => ds.Sum(e => 1 + (e is DicomSequence s ? s.Items.Sum(Count) : 0));
}
