using MriCs.Dicom.Codecs.Jpeg;

namespace MriCs.Dicom.Codecs;

/// <summary>
/// JPEG Lossless, Non-Hierarchical, process 14 (ITU T.81 Annex H, SOF3 with Huffman coding):
/// transfer syntaxes 1.2.840.10008.1.2.4.57 (any predictor) and 1.2.840.10008.1.2.4.70
/// (selection value 1, "first-order prediction").
/// </summary>
/// <remarks>
/// <para>Decode supports predictors 1..7, point transforms, restart intervals, precision 2..16 and
/// 1..4 components (interleaved in one scan with 1x1 sampling, or one component per scan). It returns
/// the native layout described on <see cref="FrameInfo"/>: stored values little endian, interleaved unless
/// PlanarConfiguration is 1. The SOF3 precision may differ from BitsStored (real files carry e.g. 16 for
/// 12 stored bits) but must not exceed BitsAllocated. Values are masked to the precision; for signed
/// data they are sign-extended from the precision into the container. A missing EOI after complete
/// scans is tolerated; any other defect is a <see cref="DicomCodecException"/>.</para>
/// <para>Encode writes one interleaved scan with precision = BitsStored, point transform 0, an optimal
/// Huffman table, and a fill byte (FF) before EOI when needed so the output has even length.
/// Signed samples are coded as their BitsStored-bit two's complement patterns, as DICOM requires.</para>
/// </remarks>
public static class JpegLosslessCodec
{
    /// <summary>Both UIDs this codec serves, as named in <see cref="DicomCodecException"/> messages.</summary>
    public const string TransferSyntaxUids = ProcessFourteenUid + " / " + FirstOrderPredictionUid;
    public const string TransferSyntaxName = "JPEG Lossless process 14";
    public const string ProcessFourteenUid = "1.2.840.10008.1.2.4.57";
    public const string FirstOrderPredictionUid = "1.2.840.10008.1.2.4.70";

    public static byte[] Decode(ReadOnlySpan<byte> frame, FrameInfo info)
    {
        var output = new byte[info.Validate(TransferSyntaxUids, TransferSyntaxName, 16)];
        JpegLosslessDecoder.Decode(frame, info, output);
        return output;
    }

    /// <summary>Decodes into a caller buffer of at least <see cref="FrameInfo.FrameLength"/> bytes (no frame-sized allocation).</summary>
    public static void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination) =>
        JpegLosslessDecoder.Decode(frame, info, destination);

    /// <param name="predictor">Selection value 1..7; 1 is what transfer syntax .70 requires.</param>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, FrameInfo info, int predictor = 1) =>
        JpegLosslessEncoder.Encode(pixels, info, predictor, restartInterval: 0);

    /// <summary>Encode with a restart interval in samples (MCUs); 0 for none.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, FrameInfo info, int predictor, int restartInterval) =>
        JpegLosslessEncoder.Encode(pixels, info, predictor, restartInterval);
}
