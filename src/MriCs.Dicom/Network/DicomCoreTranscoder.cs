using MriCs.Dicom.IO;

namespace MriCs.Dicom.Network;

/// <summary>
/// The SCU's fallback transcoder on the MriCs.Dicom reader and writer: any native (uncompressed,
/// deflated or big endian) syntax to Explicit or Implicit VR Little Endian. Encapsulated (compressed)
/// data sets are not decoded here.
/// </summary>
public sealed class DicomCoreTranscoder : IDataSetTranscoder
{
    public static DicomCoreTranscoder Instance { get; } = new();

    public bool CanTranscode(string fromTransferSyntax, string toTransferSyntax)
    {
        var from = TransferSyntax.Lookup(fromTransferSyntax);
        var to = TransferSyntax.Lookup(toTransferSyntax);
        return from.IsKnown && to.IsKnown && from.IsNativeEncoding && to.IsNativeEncoding && !to.IsDeflated;
    }

    public byte[] Transcode(Stream dataSet, string fromTransferSyntax, string toTransferSyntax)
    {
        var dataset = DicomDatasetReader.Read(dataSet, TransferSyntax.Lookup(fromTransferSyntax));
        return DicomDatasetWriter.ToBytes(dataset, TransferSyntax.Lookup(toTransferSyntax));
    }
}
