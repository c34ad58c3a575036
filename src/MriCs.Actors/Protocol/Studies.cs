namespace MriCs.Actors.Protocol;

/// <summary>The header fields of one received instance that study assembly needs (read once at ingest).</summary>
public sealed record InstanceHeader(
    string Path,
    string PatientId,
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string SopInstanceUid,
    string? Modality,
    string? SeriesDescription,
    double? EchoTime,
    double? RepetitionTime,
    double[]? ImageOrientationPatient,
    double[]? ImagePositionPatient,
    int? InstanceNumber,
    string? LevelLabel) : IMriCsMessage;

/// <summary>One image chosen for grading, with its disc level ("unknown" when none could be assigned).</summary>
public sealed record PlannedSlice(string Level, string SopInstanceUid, string Path);

/// <summary>Why a level has no image, or why an instance was not used.</summary>
public sealed record LevelNote(string Level, string Reason);

/// <summary>How the levels of a study were assigned.</summary>
public static class LevelSources
{
    public const string Explicit = "explicit";
    public const string Sidecar = "sidecar";
    public const string Slabs = "slabs";
    public const string Unlabelled = "unlabelled";
    public const string None = "none";
}

/// <summary>The result of study assembly: the slices to grade, the levels that are missing and why, or why the whole study cannot be graded.</summary>
public sealed record StudyPlan(
    string StudyUid,
    string PatientId,
    string? SeriesUid,
    string LevelSource,
    IReadOnlyList<PlannedSlice> Slices,
    IReadOnlyList<LevelNote> Missing,
    string? NoRecommendationReason,
    int InstanceCount);
