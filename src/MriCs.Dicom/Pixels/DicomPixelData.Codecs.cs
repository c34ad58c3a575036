using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Pixels;

// Dispatch of compressed frames to the codecs (MriCs.Dicom.Codecs) by transfer syntax.
public sealed partial class DicomPixelData
{
    /// <summary>The frame description the codecs take; decoded frames are requested interleaved (planar configuration 0).</summary>
    public FrameInfo FrameInfo => new(Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, IsSigned, 0);

    /// <summary>True when MriCs decodes this pixel data (native, RLE, JPEG lossless process 14, encapsulated uncompressed, deflated frames).</summary>
    public bool CanDecode => _fragments is null || TransferSyntax.Uid is RleCodec.TransferSyntaxUid or JpegLosslessCodec.ProcessFourteenUid
        or JpegLosslessCodec.FirstOrderPredictionUid or "1.2.840.10008.1.2.1.98" or "1.2.840.10008.1.2.8.1";

    private bool IsCodecSyntax => TransferSyntax.Uid is RleCodec.TransferSyntaxUid or JpegLosslessCodec.ProcessFourteenUid or JpegLosslessCodec.FirstOrderPredictionUid;

    private byte[] DecodeWithCodec(ReadOnlyMemory<byte> encoded)
    {
        var output = new byte[FrameLength];
        DecodeWithCodec(encoded, output);
        return output;
    }

    /// <summary>Decodes one compressed frame into <paramref name="destination"/> (at least <see cref="FrameLength"/> bytes).</summary>
    private void DecodeWithCodec(ReadOnlyMemory<byte> encoded, Span<byte> destination)
    {
        try
        {
            switch (TransferSyntax.Uid)
            {
                case RleCodec.TransferSyntaxUid:
                    RleCodec.Decode(encoded.Span, FrameInfo, destination);
                    return;
                case JpegLosslessCodec.ProcessFourteenUid:
                case JpegLosslessCodec.FirstOrderPredictionUid:
                    JpegLosslessCodec.Decode(encoded.Span, FrameInfo, destination);
                    return;
                default:
                    throw new DicomUnsupportedTransferSyntaxException(TransferSyntax);
            }
        }
        catch (DicomCodecException ex)
        {
            throw new DicomDataException($"cannot decode Pixel Data: {ex.Message}", DicomTag.PixelData, ex);
        }
    }
}
