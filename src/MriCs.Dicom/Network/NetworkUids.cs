namespace MriCs.Dicom.Network;

/// <summary>UIDs the network layer needs (PS3.6 Annex A, PS3.7 Annex A).</summary>
public static class NetworkUids
{
    public const string ApplicationContext = "1.2.840.10008.3.1.1.1";
    public const string Verification = "1.2.840.10008.1.1";

    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
    public const string RleLossless = "1.2.840.10008.1.2.5";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    public const string JpegLossless = "1.2.840.10008.1.2.4.57";

    /// <summary>Prefix shared by the Storage SOP classes (PS3.4 Annex B).</summary>
    public const string StorageSopClassPrefix = "1.2.840.10008.5.1.4.1.1.";

    /// <summary>MriCs implementation class UID (2.25 form, derived once from a random UUID).</summary>
    public const string ImplementationClassUid = DicomUid.ImplementationClassUid;
    public const string ImplementationVersionName = DicomUid.ImplementationVersionName;

    /// <summary>Syntaxes MriCs decodes, in the order the SCP prefers them.</summary>
    public static IReadOnlyList<string> DefaultAcceptedTransferSyntaxes { get; } =
    [
        ExplicitVrLittleEndian, ImplicitVrLittleEndian, DeflatedExplicitVrLittleEndian,
        RleLossless, JpegLosslessSv1, JpegLossless, ExplicitVrBigEndian,
    ];

    public static bool IsUncompressed(string ts) =>
        ts is ImplicitVrLittleEndian or ExplicitVrLittleEndian or ExplicitVrBigEndian;

    public static bool IsStorageSopClass(string uid) =>
        uid.StartsWith(StorageSopClassPrefix, StringComparison.Ordinal) && uid.Length > StorageSopClassPrefix.Length;

    /// <summary>A syntactically valid UID (PS3.5 9.1); the file toolkit's rule.</summary>
    public static bool IsValidUid(string? uid) => DicomUid.IsValid(uid);
}
