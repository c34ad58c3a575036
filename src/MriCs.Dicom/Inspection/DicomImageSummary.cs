using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MriCs.Dicom.Pixels;

namespace MriCs.Dicom.Inspection;

/// <summary>
/// What `mrics dicom info` reports: identifying UIDs, the Image Pixel module and a digest of the stored pixel values.
/// <see cref="PixelSha256"/> is the lowercase hex SHA-256 of all frames' stored values in (frame, row, column,
/// sample) order, each masked to BitsStored, sign-extended when PixelRepresentation is 1, written as a 4-byte
/// little endian signed integer: equal for every lossless encoding of the same image.
/// </summary>
public sealed record DicomImageSummary(
    string TransferSyntaxUid,
    string? SopClassUid,
    string? SopInstanceUid,
    string? StudyInstanceUid,
    string? SeriesInstanceUid,
    string? Modality,
    int? Rows,
    int? Columns,
    int? NumberOfFrames,
    int? BitsAllocated,
    int? BitsStored,
    int? PixelRepresentation,
    string? PhotometricInterpretation,
    int? SamplesPerPixel,
    string? PixelSha256,
    int? PixelMin,
    int? PixelMax,
    string? PixelError)
{
    public static DicomImageSummary Create(DicomFile file)
    {
        var ds = file.Dataset;
        string? sha = null, error = null;
        int? min = null, max = null;
        if (!ds.Contains(DicomTag.PixelData))
        {
            error = "no Pixel Data";
        }
        else
        {
            try
            {
                (sha, min, max) = Digest(DicomPixelData.Create(file));
            }
            catch (DicomException ex)
            {
                error = ex.Message;
            }
        }
        return new DicomImageSummary(
            file.TransferSyntax.Uid,
            Str(ds, DicomTag.SOPClassUID), Str(ds, DicomTag.SOPInstanceUID), Str(ds, DicomTag.StudyInstanceUID), Str(ds, DicomTag.SeriesInstanceUID),
            Str(ds, DicomTag.Modality),
            Int(ds, DicomTag.Rows), Int(ds, DicomTag.Columns),
            ds.Contains(DicomTag.PixelData) ? (Int(ds, DicomTag.NumberOfFrames) ?? 1) : Int(ds, DicomTag.NumberOfFrames),
            Int(ds, DicomTag.BitsAllocated), Int(ds, DicomTag.BitsStored), Int(ds, DicomTag.PixelRepresentation),
            Str(ds, DicomTag.PhotometricInterpretation), Int(ds, DicomTag.SamplesPerPixel),
            sha, min, max, error);
    }

    /// <summary>SHA-256, min and max of all stored values (see the type's summary for the byte layout).</summary>
    public static (string Sha256, int Min, int Max) Digest(DicomPixelData px)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var values = new int[px.ValuesPerFrame];
        int min = int.MaxValue, max = int.MinValue;
        for (var f = 0; f < px.NumberOfFrames; f++)
        {
            px.GetStoredValues(f, values);
            foreach (var v in values)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big endian hosts are not supported");
            hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), min, max);
    }

    private static string? Str(DicomDataset ds, DicomTag tag)
    {
        try { return ds.GetString(tag); }
        catch (DicomDataException) { return null; }
    }

    private static int? Int(DicomDataset ds, DicomTag tag) => ds.TryGetInt(tag, out var v) ? v : null;
}
