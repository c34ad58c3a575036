using MriCs.Evaluation.Analysis;

namespace MriCs.Evaluation.Reporting;

/// <summary>The slices of a report the renderers show, for the chosen headline unit.</summary>
public static class ReportViews
{
    /// <summary>Every model against the primary target, all levels and sites (the study's Table 2).</summary>
    public static IReadOnlyList<AgreementCell> PerModel(AgreementReport r, AnalysisUnit unit) =>
        r.Models.Select(m => r.Find(unit, m, r.PrimaryTarget)).OfType<AgreementCell>().ToList();

    /// <summary>Every model against every reference (each rater and the consensus).</summary>
    public static IReadOnlyList<AgreementCell> ModelTargets(AgreementReport r, AnalysisUnit unit) =>
        r.Cells.Where(c => c.Unit == unit && c.Stratum.IsAll && c.Kind != ComparisonKind.RaterVsRater).ToList();

    public static IReadOnlyList<AgreementCell> PerLevel(AgreementReport r, AnalysisUnit unit, string model) =>
        r.Cells.Where(c => c.Unit == unit && c.A == model && c.B == r.PrimaryTarget && c.Stratum.Level is not null).ToList();

    public static IReadOnlyList<AgreementCell> PerSite(AgreementReport r, AnalysisUnit unit, string model) =>
        r.Cells.Where(c => c.Unit == unit && c.A == model && c.B == r.PrimaryTarget && c.Stratum.Site is not null).ToList();

    public static IReadOnlyList<AgreementCell> InterRater(AgreementReport r, AnalysisUnit unit) =>
        r.Cells.Where(c => c.Unit == unit && c.Kind == ComparisonKind.RaterVsRater && c.Stratum.IsAll).ToList();

    public static IReadOnlyList<KappaComparison> Comparisons(AgreementReport r, AnalysisUnit unit) =>
        r.Comparisons.Where(c => c.Unit == unit).ToList();

    public static MultiRaterAgreement? MultiRater(AgreementReport r, AnalysisUnit unit) =>
        r.MultiRater.FirstOrDefault(m => m.Unit == unit);

    /// <summary>"Fleiss' kappa of s1, s2, s3 on 118 items (30 patients): 3-class 0.712 (0.65, 0.77), binary ...".</summary>
    public static string? MultiRaterLine(AgreementReport r, AnalysisUnit unit) =>
        MultiRater(r, unit) is not { } m ? null
        : $"Fleiss' kappa of {string.Join(", ", m.Raters)} on {m.N} items ({m.Patients} patients): " +
          $"3-class {Fleiss(m.ThreeClass)} bootstrap {Fmt.Ci(m.ThreeClassBootstrap)}, binary {Fleiss(m.Binary)} bootstrap {Fmt.Ci(m.BinaryBootstrap)}";

    private static string Fleiss(Statistics.FleissEstimate e) =>
        e.Kappa is null ? "undefined" : $"{Fmt.F3(e.Kappa)} ({(e.Band is { } b ? Statistics.InterpretationBands.Label(b) : "n/a")})";

    /// <summary>The headline unit must have been analysed.</summary>
    public static void Require(AgreementReport r, AnalysisUnit unit)
    {
        if (!r.Options.Units.Contains(unit))
            throw new ArgumentException($"the report has no {Fmt.Unit(unit)}-level analysis");
    }
}
