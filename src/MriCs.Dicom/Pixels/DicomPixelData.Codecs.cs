namespace MriCs.Dicom.Pixels;

// Dispatch of compressed frames to the codecs by transfer syntax.
public sealed partial class DicomPixelData
{
    private byte[] DecodeWithCodec(ReadOnlyMemory<byte> encoded)
    {
        _ = encoded;
        throw new DicomUnsupportedTransferSyntaxException(TransferSyntax);
    }
}
