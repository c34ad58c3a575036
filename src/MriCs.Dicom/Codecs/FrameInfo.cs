namespace MriCs.Dicom.Codecs;

/// <summary>
/// What a codec needs to know about one frame, taken from the Image Pixel module
/// (PS3.3 C.7.6.3): Rows, Columns, Samples per Pixel, Bits Allocated, Bits Stored,
/// Pixel Representation (<see cref="Signed"/>) and Planar Configuration.
/// </summary>
/// <remarks>
/// Decoded and to-be-encoded pixels are laid out like uncompressed (native) Pixel Data in
/// explicit VR little endian: each sample occupies BitsAllocated/8 bytes, little endian;
/// samples are interleaved (R1 G1 B1 R2 G2 B2 ...) when <see cref="PlanarConfiguration"/> is 0
/// and stored as whole planes (R1 R2 ... G1 G2 ... B1 B2 ...) when it is 1.
/// </remarks>
public readonly record struct FrameInfo(
    int Rows, int Columns, int SamplesPerPixel, int BitsAllocated, int BitsStored, bool Signed, int PlanarConfiguration)
{
    /// <summary>Bytes per sample in the native layout (BitsAllocated / 8).</summary>
    public int BytesPerSample => BitsAllocated / 8;

    /// <summary>Number of pixels in the frame.</summary>
    public long PixelCount => (long)Rows * Columns;

    /// <summary>Bytes of one frame in the native layout.</summary>
    public long FrameLength => PixelCount * SamplesPerPixel * BytesPerSample;

    /// <summary>
    /// Checks the description itself (it comes from a file, so it is untrusted) and returns the
    /// frame length in bytes; throws <see cref="DicomCodecException"/> naming the codec otherwise.
    /// </summary>
    internal int Validate(string tsUid, string tsName, int maxBitsAllocated)
    {
        string? problem = null;
        if (Rows is < 1 or > 65535) problem = $"Rows {Rows} is not in 1..65535";
        else if (Columns is < 1 or > 65535) problem = $"Columns {Columns} is not in 1..65535";
        else if (SamplesPerPixel is < 1 or > 4) problem = $"SamplesPerPixel {SamplesPerPixel} is not in 1..4";
        else if (BitsAllocated is not (8 or 16 or 32) || BitsAllocated > maxBitsAllocated)
            problem = $"BitsAllocated {BitsAllocated} is not supported (8, 16{(maxBitsAllocated >= 32 ? " or 32" : "")})";
        else if (BitsStored < 1 || BitsStored > BitsAllocated)
            problem = $"BitsStored {BitsStored} is not in 1..BitsAllocated ({BitsAllocated})";
        else if (PlanarConfiguration is not (0 or 1)) problem = $"PlanarConfiguration {PlanarConfiguration} is not 0 or 1";
        else if (FrameLength > Array.MaxLength) problem = $"a frame of {FrameLength} bytes is too large";
        if (problem is not null) throw new DicomCodecException(tsUid, tsName, -1, "invalid frame description: " + problem);
        return (int)FrameLength;
    }
}
