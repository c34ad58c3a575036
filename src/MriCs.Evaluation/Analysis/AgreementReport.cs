using MriCs.Evaluation.Input;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Analysis;

public enum ComparisonKind
{
    /// <summary>A model against one rater.</summary>
    ModelVsRater,
    /// <summary>A model against the raters' majority grade.</summary>
    ModelVsConsensus,
    /// <summary>Two raters against each other (inter-rater agreement).</summary>
    RaterVsRater,
}

/// <summary>Which subset a cell covers: every level and site, or one level, or one site.</summary>
public sealed record Stratum(DiscLevel? Level, string? Site)
{
    public static Stratum All { get; } = new(null, null);

    public bool IsAll => Level is null && Site is null;

    public override string ToString() =>
        Level is { } l ? $"level {l.Label()}" : Site is { } s ? $"site {s}" : "all";
}

/// <summary>A kappa with its asymptotic estimate, its bootstrap interval (by patient) and band.</summary>
public sealed record KappaResult(KappaEstimate Estimate, BootstrapInterval? Bootstrap)
{
    public InterpretationBand? Band => Estimate.Kappa is { } k ? InterpretationBands.Of(k) : null;
}

/// <summary>Agreement of rater A (rows) with rater B (columns) on one unit and stratum.</summary>
public sealed record AgreementCell(
    AnalysisUnit Unit,
    ComparisonKind Kind,
    string A,
    string B,
    Stratum Stratum,
    long N,
    int Patients,
    ConfusionMatrix ThreeClassMatrix,
    ConfusionMatrix BinaryMatrix,
    KappaResult ThreeClass,
    KappaResult Linear,
    KappaResult Quadratic,
    KappaResult Binary,
    IReadOnlyList<ClassMetrics> ThreeClassMetrics,
    IReadOnlyList<ClassMetrics> BinaryMetrics)
{
    /// <summary>Share of items graded identically (3-class).</summary>
    public double? PercentAgreement => N > 0 ? ThreeClass.Estimate.ObservedAgreement : null;

    /// <summary>Share of items on the same side of 0 vs 1+2.</summary>
    public double? BinaryPercentAgreement => N > 0 ? Binary.Estimate.ObservedAgreement : null;
}

/// <summary>
/// Difference of two kappas measured on the same items: kappa(First) - kappa(Second), with a
/// paired cluster bootstrap interval (patients resampled once for both).
/// </summary>
public sealed record KappaComparison(
    AnalysisUnit Unit,
    string Description,
    string FirstA, string FirstB,
    string SecondA, string SecondB,
    long N,
    int Patients,
    double? ThreeClassFirst, double? ThreeClassSecond, BootstrapInterval? ThreeClassDifference,
    double? BinaryFirst, double? BinarySecond, BootstrapInterval? BinaryDifference)
{
    public double? ThreeClassDelta => ThreeClassFirst - ThreeClassSecond;

    public double? BinaryDelta => BinaryFirst - BinarySecond;
}

/// <summary>
/// Fleiss' kappa of all raters together on the items every rater graded, 3-class and binary, with
/// patient-bootstrap intervals.
/// </summary>
public sealed record MultiRaterAgreement(
    AnalysisUnit Unit,
    IReadOnlyList<string> Raters,
    long N,
    int Patients,
    FleissEstimate ThreeClass,
    BootstrapInterval? ThreeClassBootstrap,
    FleissEstimate Binary,
    BootstrapInterval? BinaryBootstrap);

/// <summary>A prediction without a grade or a partner, or a reference without a prediction; listed up to a limit.</summary>
public sealed record UnmatchedKey(string File, int Line, string PatientId, string Level, string Model, string Problem);

/// <summary>What could not be paired; all counted, the first ones listed.</summary>
public sealed record Coverage(
    int PredictionRows,
    int ReferenceRows,
    int Patients,
    int PredictionsWithoutReference,
    int ReferencesWithoutPrediction,
    int PredictionsUngraded,
    int ImagesWithoutConsensus,
    int PatientsWithoutConsensus,
    int RowsAtOtherLevels,
    IReadOnlyList<UnmatchedKey> Listed);

public sealed record AgreementReport(
    AgreementOptions Options,
    string PredictionsFile,
    string ReferencesFile,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> Raters,
    IReadOnlyList<string> Sites,
    string PrimaryModel,
    string PrimaryTarget,
    IReadOnlyList<AgreementCell> Cells,
    IReadOnlyList<KappaComparison> Comparisons,
    IReadOnlyList<MultiRaterAgreement> MultiRater,
    Coverage Coverage,
    IReadOnlyList<string> Notes)
{
    public const string Consensus = "consensus";

    public AgreementCell? Find(AnalysisUnit unit, string a, string b, Stratum? stratum = null) =>
        Cells.FirstOrDefault(c => c.Unit == unit && c.A == a && c.B == b && c.Stratum == (stratum ?? Stratum.All));

    /// <summary>The headline cell: primary model against primary target, all sites, all levels.</summary>
    public AgreementCell? Overall(AnalysisUnit unit) => Find(unit, PrimaryModel, PrimaryTarget);
}
