namespace MriCs.Evaluation.Input;

/// <summary>One graded image by one model (DL version or ensemble). Line is 1-based in its file.</summary>
public sealed record PredictionRow(
    string PatientId,
    DiscLevel Level,
    string Model,
    int Grade,
    string? Site,
    IReadOnlyList<double>? Probabilities,
    int Line);

/// <summary>One reference grade of one image by one rater (surgeon, panel, or phantom ground truth).</summary>
public sealed record ReferenceRow(
    string PatientId,
    DiscLevel Level,
    string Rater,
    int Grade,
    string? Site,
    int Line);

/// <summary>Rows read from a file, with the file's name for messages.</summary>
public sealed record InputTable<T>(string File, IReadOnlyList<T> Rows);
