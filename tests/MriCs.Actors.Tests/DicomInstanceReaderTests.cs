using MriCs.Actors.Grading;
using MriCs.Dicom;

namespace MriCs.Actors.Tests;

public class DicomInstanceReaderTests
{
    private static string WriteMr(string dir, ushort[] stored, int width, int height, double? center = 1000, double? window = 2000, string? comment = "C4/5", bool monochrome1 = false)
    {
        var d = new DicomDataset();
        d.SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        d.SetString(DicomTag.SOPInstanceUID, "1.2.3.4.5.1");
        d.SetString(DicomTag.StudyInstanceUID, "1.2.3.4");
        d.SetString(DicomTag.SeriesInstanceUID, "1.2.3.4.5");
        d.SetString(DicomTag.PatientID, "SYN-001");
        d.SetString(DicomTag.Modality, "MR");
        d.SetString(DicomTag.SeriesDescription, "t2_tse_tra");
        d.SetDouble(DicomTag.EchoTime, 102);
        d.SetDouble(DicomTag.RepetitionTime, 3500);
        d.SetDoubles(DicomTag.ImageOrientationPatient, 1, 0, 0, 0, 1, 0);
        d.SetDoubles(DicomTag.ImagePositionPatient, -100, -100, 42.5);
        d.SetInt(DicomTag.InstanceNumber, 7);
        if (comment is not null) d.SetString(DicomTag.ImageComments, comment);
        d.SetInt(DicomTag.SamplesPerPixel, 1);
        d.SetString(DicomTag.PhotometricInterpretation, monochrome1 ? "MONOCHROME1" : "MONOCHROME2");
        d.SetInt(DicomTag.Rows, height);
        d.SetInt(DicomTag.Columns, width);
        d.SetInt(DicomTag.BitsAllocated, 16);
        d.SetInt(DicomTag.BitsStored, 12);
        d.SetInt(DicomTag.HighBit, 11);
        d.SetInt(DicomTag.PixelRepresentation, 0);
        if (center is { } c) d.SetDouble(DicomTag.WindowCenter, c);
        if (window is { } w) d.SetDouble(DicomTag.WindowWidth, w);
        var bytes = new byte[stored.Length * 2];
        for (var i = 0; i < stored.Length; i++) { bytes[2 * i] = (byte)stored[i]; bytes[2 * i + 1] = (byte)(stored[i] >> 8); }
        d.Add(new DicomValueElement(DicomTag.PixelData, DicomVR.OW, bytes));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "i.dcm");
        new DicomFile(d).Save(path);
        return path;
    }

    [Fact]
    public void Reads_the_header_fields_study_assembly_needs()
    {
        using var tmp = new TempDir();
        var path = WriteMr(tmp.Path, new ushort[4], 2, 2);
        var h = new DicomInstanceReader().ReadHeader(path);
        Assert.Equal(("1.2.3.4", "1.2.3.4.5", "1.2.3.4.5.1", "SYN-001", "MR"), (h.StudyInstanceUid, h.SeriesInstanceUid, h.SopInstanceUid, h.PatientId, h.Modality));
        Assert.Equal([1.0, 0, 0, 0, 1, 0], h.ImageOrientationPatient!);
        Assert.Equal(42.5, h.ImagePositionPatient![2]);
        Assert.Equal(102, h.EchoTime);
        Assert.Equal(7, h.InstanceNumber);
        Assert.Equal("C4/5", h.LevelLabel);
    }

    [Fact]
    public void Applies_the_linear_VOI_window_like_the_phantom_renderer()
    {
        using var tmp = new TempDir();
        ushort[] stored = [0, 1000, 2000, 4095];
        var gray = new DicomInstanceReader().ReadGray(WriteMr(tmp.Path, stored, 2, 2, center: 1000, window: 2000));
        Assert.Equal(0, gray.Pixels[0]);
        Assert.InRange(gray.Pixels[1], 127, 128); // the window centre
        Assert.Equal(255, gray.Pixels[2]);
        Assert.Equal(255, gray.Pixels[3]);
        var inverted = new DicomInstanceReader().ReadGray(WriteMr(tmp.Sub("m1"), stored, 2, 2, center: 1000, window: 2000, monochrome1: true));
        Assert.Equal(255, inverted.Pixels[0]);
        var noWindow = new DicomInstanceReader().ReadGray(WriteMr(tmp.Sub("nw"), stored, 2, 2, center: null, window: null));
        Assert.Equal(0, noWindow.Pixels[0]);
        Assert.Equal(255, noWindow.Pixels[3]);
    }

    [Fact]
    public void A_non_DICOM_file_is_refused_with_the_path()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "notes.txt");
        File.WriteAllText(path, "hello, this is not DICOM at all, and it is long enough to have a preamble-sized body............................................................................................................");
        var ex = Assert.Throws<InvalidDataException>(() => new DicomInstanceReader().ReadHeader(path));
        Assert.Contains(path, ex.Message);
    }
}
