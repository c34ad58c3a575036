using MriCs.Dicom;
using MriCs.Dicom.Pixels;
using MriCs.Inference.Preprocessing;

namespace MriCs.Inference.Benchmarks;

/// <summary>
/// DICOM Part 10 bytes to the 8-bit gray image the models see, with MriCs.Dicom's reader and grayscale
/// pipeline (modality rescale, the file's VOI window or an automatic one, MONOCHROME1 inverted): the
/// decode step of the slice pipeline, as the bench times it.
/// </summary>
public static class DicomSliceDecoder
{
    public const int MaxSide = 8192;

    public static GrayImage Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var file = DicomFile.Read(bytes);
            var pixels = DicomPixelData.Create(file);
            if (pixels.Rows <= 0 || pixels.Columns <= 0 || pixels.Rows > MaxSide || pixels.Columns > MaxSide)
                throw new InvalidDataException($"DICOM slice: image size {pixels.Columns}x{pixels.Rows} is not between 1 and {MaxSide} on a side");
            return new GrayImage(pixels.Columns, pixels.Rows, DicomGrayscale.RenderGray8(file.Dataset, pixels, 0));
        }
        catch (Exception ex) when (ex is DicomException or EndOfStreamException)
        {
            throw new InvalidDataException($"DICOM slice: pixel data not readable: {ex.Message}", ex);
        }
    }
}
