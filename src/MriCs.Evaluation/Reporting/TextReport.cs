using System.Text;
using MriCs.Evaluation.Analysis;

namespace MriCs.Evaluation.Reporting;

/// <summary>Fixed-width tables for a terminal.</summary>
public static class TextReport
{
    public enum Grouping { Model, Level, Site }

    public static string Render(AgreementReport r, AnalysisUnit unit, Grouping by = Grouping.Model)
    {
        ReportViews.Require(r, unit);
        var sb = new StringBuilder();
        sb.AppendLine($"Agreement, {Fmt.Unit(unit)} level: predictions {r.PredictionsFile}, references {r.ReferencesFile}");
        sb.AppendLine($"models {string.Join(", ", r.Models)}; raters {string.Join(", ", r.Raters)}; reference for the headline: {r.PrimaryTarget}");
        var overall = r.Overall(unit);
        if (overall is not null)
            sb.AppendLine($"overall ({overall.A} vs {overall.B}, n={overall.N}, patients={overall.Patients}): " +
                          $"3-class kappa {Fmt.KappaCi(overall.ThreeClass)} {Fmt.Band(overall.ThreeClass)}; " +
                          $"binary kappa {Fmt.KappaCi(overall.Binary)} {Fmt.Band(overall.Binary)}");
        sb.AppendLine();
        var rows = by switch
        {
            Grouping.Model => ReportViews.ModelTargets(r, unit),
            Grouping.Level => r.Models.SelectMany(m => ReportViews.PerLevel(r, unit, m)).ToList(),
            Grouping.Site => r.Models.SelectMany(m => ReportViews.PerSite(r, unit, m)).ToList(),
            _ => throw new ArgumentOutOfRangeException(nameof(by)),
        };
        if (by == Grouping.Level && unit == AnalysisUnit.Patient)
            sb.AppendLine("(no per-level figures at the patient unit)");
        Table(sb, rows);
        var inter = ReportViews.InterRater(r, unit);
        if (inter.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Inter-rater agreement");
            Table(sb, inter);
            if (ReportViews.MultiRaterLine(r, unit) is { } fleiss) sb.AppendLine(fleiss);
        }
        var cmp = ReportViews.Comparisons(r, unit);
        if (cmp.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Kappa differences (paired patient bootstrap CI)");
            foreach (var c in cmp)
                sb.AppendLine($"  {c.Description}: 3-class {Fmt.F3(c.ThreeClassDelta)} {Fmt.Ci(c.ThreeClassDifference)}, binary {Fmt.F3(c.BinaryDelta)} {Fmt.Ci(c.BinaryDifference)}, n={c.N}");
        }
        var cov = r.Coverage;
        sb.AppendLine();
        sb.AppendLine($"rows: {cov.PredictionRows} predictions, {cov.ReferenceRows} reference grades, {cov.Patients} patients; " +
                      $"{cov.PredictionsUngraded} predictions without a grade, {cov.PredictionsWithoutReference} without a reference, {cov.ReferencesWithoutPrediction} (reference image, model) pairs without a prediction" +
                      (r.Raters.Count >= 2 ? $", {cov.ImagesWithoutConsensus} images and {cov.PatientsWithoutConsensus} patients without a rater majority" : "") +
                      (cov.RowsAtOtherLevels > 0 ? $", {cov.RowsAtOtherLevels} rows at C2/3 or C7/T1 skipped" : ""));
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, IReadOnlyList<AgreementCell> cells)
    {
        var header = new[] { "A", "B", "stratum", "n", "pts", "kappa 3-class (95% CI)", "bootstrap CI", "lin w", "quad w", "kappa binary (95% CI)", "bootstrap CI", "agree", "band (3/2)" };
        var rows = cells.Select(c => new[]
        {
            c.A, c.B, c.Stratum.ToString(), c.N.ToString(Fmt.C), c.Patients.ToString(Fmt.C),
            Fmt.KappaCi(c.ThreeClass), Fmt.Ci(c.ThreeClass.Bootstrap),
            Fmt.F3(c.Linear.Estimate.Kappa), Fmt.F3(c.Quadratic.Estimate.Kappa),
            Fmt.KappaCi(c.Binary), Fmt.Ci(c.Binary.Bootstrap),
            Fmt.Pct(c.PercentAgreement), $"{Fmt.Band(c.ThreeClass)} / {Fmt.Band(c.Binary)}",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        sb.AppendLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
            sb.AppendLine(string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        foreach (var c in cells)
            foreach (var (name, k) in new[] { ("3-class", c.ThreeClass), ("binary", c.Binary) })
                if ((k.Estimate.UndefinedReason ?? k.Estimate.Caveat) is { } why)
                    sb.AppendLine($"  note: {c.A} vs {c.B} ({c.Stratum}), {name}: {why}");
    }
}
