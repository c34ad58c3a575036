namespace MriCs.Evaluation.Input;

/// <summary>
/// One grade by one model (DL version or ensemble). Level null: the patient-level recommendation
/// (level "patient" in the file). Grade null: the pipeline gave no grade (no ROI, not gradable...),
/// with its reason when the file has a reason column. Line is 1-based in its file.
/// </summary>
public sealed record PredictionRow(
    string PatientId,
    DiscLevel? Level,
    string Model,
    int? Grade,
    string? Site,
    IReadOnlyList<double>? Probabilities,
    int Line,
    string? Reason = null);

/// <summary>One reference grade by one rater (surgeon, panel, or phantom ground truth); Level null = patient level.</summary>
public sealed record ReferenceRow(
    string PatientId,
    DiscLevel? Level,
    string Rater,
    int Grade,
    string? Site,
    int Line);

/// <summary>
/// Rows read from a file, with the file's name for messages, and how many rows at disc levels the
/// study does not grade (C2/3, C7/T1) were skipped.
/// </summary>
public sealed record InputTable<T>(string File, IReadOnlyList<T> Rows, int SkippedOtherLevels = 0);
