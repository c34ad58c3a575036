namespace MriCs.Actors.Protocol;

// ---- commands and queries to the study aggregator (sharded by study UID) ----

/// <summary>Opens a study with its plan. Idempotent: a study opened twice keeps its first plan.</summary>
public sealed record OpenStudy(StudyPlan Plan) : IMriCsMessage, IWithStudyUid
{
    public string StudyUid => Plan.StudyUid;
}

/// <summary>Answer to <see cref="OpenStudy"/>: Duplicate when the study was already open, Finished when it already has its recommendation.</summary>
public sealed record StudyOpenAck(string StudyUid, bool Duplicate, bool Finished) : IMriCsMessage;

/// <summary>Records one slice's result. Idempotent per SOP instance UID: a retried task is recorded once.</summary>
public sealed record RecordSliceResult(string StudyUid, SliceReport Result) : IMriCsMessage, IWithStudyUid;

public sealed record SliceResultAck(string StudyUid, string SopInstanceUid, bool Duplicate) : IMriCsMessage;

public sealed record GetStudyResult(string StudyUid) : IMriCsMessage, IWithStudyUid;

/// <summary>What an aggregator knows: whether the study is open, how many slices are in, and the recommendation once issued.</summary>
public sealed record StudyResultResponse(string StudyUid, bool Opened, int Expected, int Received, Recommendation? Recommendation) : IMriCsMessage;

// ---- persisted events ----

public sealed record StudyOpened(StudyPlan Plan) : IMriCsMessage;

public sealed record SliceResultRecorded(SliceReport Result) : IMriCsMessage;

public sealed record RecommendationIssued(Recommendation Recommendation) : IMriCsMessage;

/// <summary>Published on the "recommendations" topic when a recommendation is persisted.</summary>
public sealed record RecommendationPublished(string StudyUid, Recommendation Recommendation) : IMriCsMessage;

// ---- the recommendation ----

/// <summary>One model's grade at one level.</summary>
public sealed record ModelGrade(string ModelId, int? DlVersion, int Grade, float[] Probabilities);

/// <summary>The fused result at one disc level, with what it rests on.</summary>
public sealed record LevelResult(
    string Level,
    string? SopInstanceUid,
    string Outcome,
    int? Grade,
    float[]? Probabilities,
    float? Confidence,
    IReadOnlyList<ModelGrade> Models,
    int[]? Roi,
    float? RoiScore,
    bool ModelsDisagree,
    string? Reason);

/// <summary>The patient-level grade one DL version (one classifier) gives: the most severe level by that model alone.</summary>
public sealed record VersionRecommendation(string ModelId, int? DlVersion, int? Grade, string? DecidingLevel);

/// <summary>
/// The patient recommendation for one study: the most severe graded level decides (binary: surgery
/// considered when grade >= 1). Null grade = no recommendation, with the reason.
/// </summary>
public sealed record Recommendation(
    string StudyUid,
    string PatientId,
    int? Grade,
    bool? SurgeryConsidered,
    string? DecidingLevel,
    float? Confidence,
    string Fusion,
    IReadOnlyList<LevelResult> Levels,
    IReadOnlyList<VersionRecommendation> Versions,
    bool FlaggedForReview,
    IReadOnlyList<string> ReviewReasons,
    string? Reason,
    ModelSetRef? ModelSet,
    string Explanation);
