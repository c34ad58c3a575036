namespace MriCs.Actors.Protocol;

// ---- live agreement: surgeon decisions and the running kappas (singleton "live-agreement", ingest role) ----

/// <summary>
/// Persisted: one surgeon decision as recorded (level "C3/4".."C6/7" or "patient"; grade 0..2).
/// A later event for the same (patient, level, rater) supersedes it; the journal keeps every one.
/// PreviousGrade is the grade it replaced (null for a first decision).
/// </summary>
public sealed record SurgeonDecisionRecorded(string PatientId, string Level, string Rater, int Grade, string? Site,
    DateTimeOffset RecordedAt, int? PreviousGrade) : IMriCsMessage;

/// <summary>Snapshot of the live agreement: every current decision (Line 0) with its patient's site; the journal keeps the history.</summary>
public sealed record AgreementSnapshot(IReadOnlyList<DecisionRow> Decisions) : IMriCsMessage;

/// <summary>One row of an upload, already read: its line (CSV) or element number (JSON).</summary>
public sealed record DecisionRow(int Line, string PatientId, string Level, string Rater, int Grade, string? Site);

/// <summary>Records decisions in order (a chunk of an upload, small enough for one remote frame). Answered by <see cref="DecisionsRecorded"/> once every new decision is persisted.</summary>
public sealed record RecordDecisions(IReadOnlyList<DecisionRow> Rows) : IMriCsMessage
{
    /// <summary>Rows per message at most.</summary>
    public const int MaxRows = 500;

    /// <summary>Text per message at most (identifiers, about): keeps a chunk far below Akka.Remote's 128 KB frame whatever the identifiers' lengths.</summary>
    public const int MaxChunkChars = 56 * 1024;

    /// <summary>JSON of a row besides its identifiers (property names, line, level, grade).</summary>
    public const int RowOverhead = 80;
}

/// <summary>A row refused, with its line and the reason (never the patient id).</summary>
public sealed record RejectedDecision(int Line, string Problem);

/// <summary>Added: new decisions; Changed: grades that superseded an earlier one; Duplicate: already recorded as is.</summary>
public sealed record DecisionsRecorded(int Added, int Changed, int Duplicate, IReadOnlyList<RejectedDecision> Rejected) : IMriCsMessage;

/// <summary>Asks for the current agreement. Unit "image"/"patient", Site a site name or "*" (all sites), Reference a rater or "consensus"; null = all units, every site, the primary reference.</summary>
public sealed record GetAgreement(string? Site = null, string? Unit = null, string? Reference = null) : IMriCsMessage;

/// <summary>A kappa with its asymptotic 95 % interval (SPSS's ASE), the study's band, or why it is undefined.</summary>
public sealed record KappaFigure(double? Kappa, double? Se, double? CiLow, double? CiHigh, string? Band, string? Undefined);

/// <summary>
/// One model against one reference at one unit and site. Matrix: 3×3 counts row-major, rows the model's grade.
/// ModelOnly / ReferenceOnly: items graded by one side only, within patients both sides have something for.
/// </summary>
public sealed record AgreementEntry(string Unit, string Site, string Model, string Reference, long N, long[] Matrix,
    KappaFigure ThreeClass, KappaFigure Binary, KappaFigure Linear, KappaFigure Quadratic, long ModelOnly, long ReferenceOnly);

/// <summary>
/// The live agreement now. Patients: with decisions or a recommendation; PatientsWithoutRecommendation /
/// PatientsWithoutDecisions: patients with decisions only / a recommendation only. Entries: the asked
/// ones, at most <see cref="MaxEntries"/> (Truncated then says so). CaughtUp: the recommendations already
/// in the journal have been read.
/// </summary>
public sealed record AgreementStatus(DateTimeOffset AsOf, bool CaughtUp, IReadOnlyList<string> Models, IReadOnlyList<string> Raters,
    IReadOnlyList<string> Sites, string? Reference, int Patients, int Decisions, int PatientsWithoutRecommendation,
    int PatientsWithoutDecisions, IReadOnlyList<AgreementEntry> Entries, bool Truncated) : IMriCsMessage
{
    public const int MaxEntries = 120;
}
