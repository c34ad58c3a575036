using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Pixels;

/// <summary>
/// Changes a file's transfer syntax: between native syntaxes (only the encoding changes), from RLE / JPEG lossless /
/// encapsulated uncompressed to native (frames decoded), and from anything MriCs decodes to RLE Lossless or JPEG
/// Lossless (.57 with predictor 1..7, .70). Lossless only: the stored values never change.
/// </summary>
public static class DicomTranscoder
{
    /// <summary>True for the syntaxes <see cref="Transcode"/> can produce.</summary>
    public static bool CanEncode(TransferSyntax ts) =>
        (ts.IsKnown && !ts.IsEncapsulated) || ts.Uid is RleCodec.TransferSyntaxUid or JpegLosslessCodec.ProcessFourteenUid or JpegLosslessCodec.FirstOrderPredictionUid;

    /// <summary>A new file in <paramref name="target"/>; the source is not changed. Predictor applies to .57 only.</summary>
    public static DicomFile Transcode(DicomFile file, TransferSyntax target, int jpegPredictor = 1)
    {
        if (!CanEncode(target))
            throw new DicomDataException($"MriCs cannot encode {target.Name} ({target.Uid}); it writes native syntaxes, RLE Lossless and JPEG Lossless");
        var source = file.TransferSyntax;
        var ds = file.Dataset.Clone();
        if (!ds.Contains(DicomTag.PixelData) || source == target || (!source.IsEncapsulated && !target.IsEncapsulated))
            return new DicomFile(ds, target, file.FileMetaInformation);

        var px = DicomPixelData.Create(file);
        var frameLength = checked((int)px.FrameLength);
        ds.Remove(DicomTag.ExtendedOffsetTable);
        ds.Remove(DicomTag.ExtendedOffsetTableLengths);
        if (!target.IsEncapsulated)
        {
            var all = new byte[checked(frameLength * px.NumberOfFrames + (frameLength * px.NumberOfFrames & 1))];
            for (var f = 0; f < px.NumberOfFrames; f++) px.GetFrameBytes(f).Span.CopyTo(all.AsSpan(f * frameLength));
            ds.SetBytes(DicomTag.PixelData, px.BitsAllocated > 8 ? DicomVR.OW : DicomVR.OB, all);
            if (px.SamplesPerPixel > 1) ds.SetInt(DicomTag.PlanarConfiguration, px.FrameBytesPlanarConfiguration);
            return new DicomFile(ds, target, file.FileMetaInformation);
        }

        var info = px.FrameInfo with { PlanarConfiguration = px.FrameBytesPlanarConfiguration };
        var fragments = new List<ReadOnlyMemory<byte>>(px.NumberOfFrames);
        var offsets = new byte[4 * px.NumberOfFrames];
        uint offset = 0;
        for (var f = 0; f < px.NumberOfFrames; f++)
        {
            var native = px.GetFrameBytes(f);
            byte[] encoded;
            try
            {
                encoded = target.Uid == RleCodec.TransferSyntaxUid
                    ? RleCodec.Encode(native.Span, info)
                    : JpegLosslessCodec.Encode(native.Span, info, target.Uid == JpegLosslessCodec.FirstOrderPredictionUid ? 1 : jpegPredictor);
            }
            catch (DicomCodecException ex)
            {
                throw new DicomDataException($"cannot encode frame {f}: {ex.Message}", DicomTag.PixelData, ex);
            }
            BitConverter.TryWriteBytes(offsets.AsSpan(4 * f), offset);
            offset = checked(offset + 8 + (uint)(encoded.Length + (encoded.Length & 1)));
            fragments.Add(encoded);
        }
        ds.Set(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, px.NumberOfFrames > 1 ? offsets : ReadOnlyMemory<byte>.Empty, fragments));
        if (px.SamplesPerPixel > 1) ds.SetInt(DicomTag.PlanarConfiguration, 0);
        return new DicomFile(ds, target, file.FileMetaInformation);
    }
}
