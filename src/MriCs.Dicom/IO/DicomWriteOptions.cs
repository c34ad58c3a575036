namespace MriCs.Dicom.IO;

/// <summary>Options of <see cref="DicomFile.Save(string, DicomWriteOptions?)"/> and <see cref="DicomDatasetWriter"/>.</summary>
public sealed record DicomWriteOptions
{
    /// <summary>Syntax to write; null keeps the file's syntax (explicit VR little endian for new files).</summary>
    public TransferSyntax? TransferSyntax { get; init; }

    /// <summary>(0002,0016) Source Application Entity Title; null keeps the one read, if any.</summary>
    public string? SourceApplicationEntityTitle { get; init; }

    /// <summary>(0002,0012); identifies the writing implementation.</summary>
    public string ImplementationClassUid { get; init; } = DicomUid.ImplementationClassUid;

    /// <summary>(0002,0013); at most 16 characters.</summary>
    public string ImplementationVersionName { get; init; } = DicomUid.ImplementationVersionName;

    public static DicomWriteOptions Default { get; } = new();
}
