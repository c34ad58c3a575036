using MriCs.Actors.Protocol;
using MriCs.Dicom;
using MriCs.Dicom.IO;
using MriCs.Dicom.Pixels;
using MriCs.Inference.Preprocessing;

namespace MriCs.Actors.Grading;

/// <summary>
/// Reads DICOM Part 10 instances with MriCs.Dicom: the header fields study assembly needs (header-only
/// read), and the 8-bit gray image the models see (<see cref="DicomGrayscale"/>: modality rescale, the
/// file's VOI window or an automatic one, MONOCHROME1 inverted). Errors name the file and what is wrong.
/// </summary>
public sealed class DicomInstanceReader(DicomTag levelTag) : IInstanceReader
{
    /// <summary>Images larger than this on a side are refused before they are decoded.</summary>
    public const int MaxSide = 8192;

    public DicomInstanceReader() : this(DicomTag.ImageComments) { }

    public InstanceHeader ReadHeader(string path)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(path, DicomReadOptions.HeaderOnly);
        }
        catch (Exception ex) when (ex is DicomException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: not readable as DICOM: {ex.Message}", ex);
        }
        var d = file.Dataset;
        string Required(DicomTag tag, string name) =>
            d.GetString(tag) is { Length: > 0 } v ? v : throw new InvalidDataException($"{path}: no {name} {tag}");
        return new InstanceHeader(
            Path.GetFullPath(path),
            d.GetString(DicomTag.PatientID) ?? "",
            Required(DicomTag.StudyInstanceUID, "Study Instance UID"),
            Required(DicomTag.SeriesInstanceUID, "Series Instance UID"),
            Required(DicomTag.SOPInstanceUID, "SOP Instance UID"),
            d.GetString(DicomTag.Modality),
            d.GetString(DicomTag.SeriesDescription),
            d.TryGetDouble(DicomTag.EchoTime, out var te) ? te : null,
            d.TryGetDouble(DicomTag.RepetitionTime, out var tr) ? tr : null,
            d.TryGetDoubles(DicomTag.ImageOrientationPatient, out var iop) && iop.Length == 6 ? iop : null,
            d.TryGetDoubles(DicomTag.ImagePositionPatient, out var ipp) && ipp.Length == 3 ? ipp : null,
            d.TryGetInt(DicomTag.InstanceNumber, out var n) ? n : null,
            d.GetString(levelTag));
    }

    public GrayImage ReadGray(string path)
    {
        try
        {
            var file = DicomFile.Open(path);
            var pixels = DicomPixelData.Create(file);
            if (pixels.Rows <= 0 || pixels.Columns <= 0 || pixels.Rows > MaxSide || pixels.Columns > MaxSide)
                throw new InvalidDataException($"{path}: image size {pixels.Columns}x{pixels.Rows} is not between 1 and {MaxSide} on a side");
            // Modality rescale, the file's VOI window (automatic without one), MONOCHROME1 inverted: MriCs.Dicom's grayscale pipeline.
            return new GrayImage(pixels.Columns, pixels.Rows, DicomGrayscale.RenderGray8(file.Dataset, pixels, 0));
        }
        catch (Exception ex) when (ex is DicomException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: pixel data not readable: {ex.Message}", ex);
        }
    }
}
