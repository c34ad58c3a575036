using System.Collections.Frozen;

namespace MriCs.Dicom;

/// <summary>
/// A transfer syntax (PS3.5 10, Annex A): how a dataset is encoded (VR explicit or implicit, byte order,
/// deflate) and whether its pixel data is encapsulated (compressed). <see cref="Lookup"/> is the registry.
/// </summary>
public sealed class TransferSyntax : IEquatable<TransferSyntax>
{
    private TransferSyntax(string uid, string name, bool explicitVR, bool bigEndian, bool deflated, bool encapsulated, bool lossy, bool known = true)
    {
        Uid = uid;
        Name = name;
        IsExplicitVR = explicitVR;
        IsBigEndian = bigEndian;
        IsDeflated = deflated;
        IsEncapsulated = encapsulated;
        IsLossy = lossy;
        IsKnown = known;
    }

    public string Uid { get; }
    public string Name { get; }
    public bool IsExplicitVR { get; }
    public bool IsBigEndian { get; }
    public bool IsDeflated { get; }
    /// <summary>Pixel data in fragments (compressed or encapsulated uncompressed).</summary>
    public bool IsEncapsulated { get; }
    public bool IsLossy { get; }
    /// <summary>False for a UID this registry does not list (read as explicit VR little endian, encapsulated).</summary>
    public bool IsKnown { get; }

    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false, false);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false, false);
    public static readonly TransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", true, false, false, true, false);
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false, false);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", true, true, false, false, false);
    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, true, true);
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, true, true);
    public static readonly TransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, true, false);
    public static readonly TransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, false, true, false);
    public static readonly TransferSyntax JpegLSLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, false, false, true, false);
    public static readonly TransferSyntax JpegLSNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, false, false, true, true);
    public static readonly TransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, false, true, false);
    public static readonly TransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, false, true, true);
    public static readonly TransferSyntax HtJpeg2000Lossless = new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", true, false, false, true, false);
    public static readonly TransferSyntax HtJpeg2000RpclLossless = new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", true, false, false, true, false);
    public static readonly TransferSyntax HtJpeg2000 = new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", true, false, false, true, true);
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, true, false);

    private static readonly FrozenDictionary<string, TransferSyntax> Registry = new[]
    {
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, EncapsulatedUncompressedExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian,
        ExplicitVRBigEndian, JpegBaseline, JpegExtended, JpegLossless, JpegLosslessSV1, JpegLSLossless, JpegLSNearLossless,
        Jpeg2000Lossless, Jpeg2000, HtJpeg2000Lossless, HtJpeg2000RpclLossless, HtJpeg2000, RleLossless,
        new TransferSyntax("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", true, false, false, true, true),
        new TransferSyntax("1.2.840.10008.1.2.4.94", "JPIP Referenced", true, false, false, false, false),
        new TransferSyntax("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", true, false, true, false, false),
        new TransferSyntax("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression", true, false, false, true, false),
    }.ToFrozenDictionary(t => t.Uid, StringComparer.Ordinal);

    /// <summary>Every transfer syntax this registry knows.</summary>
    public static IEnumerable<TransferSyntax> All => Registry.Values;

    /// <summary>
    /// The registered syntax for a UID; an unknown UID gives an unregistered syntax read as explicit VR
    /// little endian with encapsulated pixel data (what PS3.5 requires of every syntax added after 1999).
    /// </summary>
    public static TransferSyntax Lookup(string uid)
    {
        var u = uid.Trim().TrimEnd('\0').Trim();
        return Registry.TryGetValue(u, out var ts) ? ts : new TransferSyntax(u, $"Unknown transfer syntax {u}", true, false, false, true, false, known: false);
    }

    /// <summary>Syntaxes whose encoding this library reads and writes (the pixel codecs are separate).</summary>
    public bool IsNativeEncoding => !IsEncapsulated;

    public bool Equals(TransferSyntax? other) => other is not null && other.Uid == Uid;
    public override bool Equals(object? obj) => Equals(obj as TransferSyntax);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uid);
    public static bool operator ==(TransferSyntax? a, TransferSyntax? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(TransferSyntax? a, TransferSyntax? b) => !(a == b);
    public override string ToString() => $"{Name} ({Uid})";
}
