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

    /// <summary>The headline unit must have been analysed.</summary>
    public static void Require(AgreementReport r, AnalysisUnit unit)
    {
        if (!r.Options.Units.Contains(unit))
            throw new ArgumentException($"the report has no {Fmt.Unit(unit)}-level analysis");
    }
}
