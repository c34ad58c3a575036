namespace MriCs.Dicom.Pixels;

/// <summary>
/// Pixel data in a transfer syntax MriCs does not decode (JPEG-LS, JPEG 2000, lossy JPEG, video, unknown).
/// The message names the syntax and how to transcode the file into one MriCs reads.
/// </summary>
public sealed class DicomUnsupportedTransferSyntaxException(TransferSyntax transferSyntax)
    : DicomException(Compose(transferSyntax))
{
    public TransferSyntax TransferSyntax { get; } = transferSyntax;

    private static string Compose(TransferSyntax ts)
    {
        var how = ts.Uid switch
        {
            "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" => "`dcmdjpls in.dcm out.dcm` (dcmtk) or `gdcmconv --raw in.dcm out.dcm` (gdcm)",
            "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" => "`dcmdjpeg in.dcm out.dcm` (dcmtk) or `gdcmconv --raw in.dcm out.dcm` (gdcm)",
            _ => "`gdcmconv --raw in.dcm out.dcm` (gdcm)",
        };
        return $"pixel data in {ts.Name} ({ts.Uid}) is not decoded by MriCs; transcode the file to an uncompressed or lossless syntax first, e.g. {how}";
    }
}
