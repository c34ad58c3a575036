using System.Text;
using MriCs.Evaluation.Analysis;

namespace MriCs.Evaluation.Reporting;

/// <summary>The report as Markdown tables (pictures are in the HTML page).</summary>
public static class MarkdownReport
{
    public static string Render(AgreementReport r, AnalysisUnit unit)
    {
        ReportViews.Require(r, unit);
        var sb = new StringBuilder();
        sb.AppendLine($"# Agreement report ({Fmt.Unit(unit)} level)");
        sb.AppendLine();
        sb.AppendLine($"Predictions `{Md(r.PredictionsFile)}`, references `{Md(r.ReferencesFile)}`. Models: {Md(string.Join(", ", r.Models))}. " +
                      $"Raters: {Md(string.Join(", ", r.Raters))}. Headline reference: **{Md(r.PrimaryTarget)}**.");
        sb.AppendLine();
        if (r.Overall(unit) is { } o)
        {
            sb.AppendLine($"**Overall** ({Md(o.A)} vs {Md(o.B)}, n = {o.N}, {o.Patients} patients): 3-class kappa **{Fmt.KappaCi(o.ThreeClass)}** ({Fmt.Band(o.ThreeClass)}), " +
                          $"binary kappa **{Fmt.KappaCi(o.Binary)}** ({Fmt.Band(o.Binary)}).");
            sb.AppendLine();
        }
        Section(sb, "Models against the references", ReportViews.ModelTargets(r, unit));
        if (unit == AnalysisUnit.Image)
            Section(sb, $"Per disc level (against {r.PrimaryTarget})", r.Models.SelectMany(m => ReportViews.PerLevel(r, unit, m)).ToList());
        if (r.Sites.Count > 0)
            Section(sb, $"Per site (against {r.PrimaryTarget})", r.Models.SelectMany(m => ReportViews.PerSite(r, unit, m)).ToList());
        Section(sb, "Inter-rater agreement", ReportViews.InterRater(r, unit));
        if (ReportViews.MultiRaterLine(r, unit) is { } fleiss)
        {
            sb.AppendLine(Md(fleiss) + ".");
            sb.AppendLine();
        }

        var cmp = ReportViews.Comparisons(r, unit);
        if (cmp.Count > 0)
        {
            sb.AppendLine("## Kappa differences (paired patient bootstrap 95 % CI)");
            sb.AppendLine();
            sb.AppendLine("| comparison | n | 3-class Δ | CI | binary Δ | CI |");
            sb.AppendLine("|---|---:|---:|---|---:|---|");
            foreach (var c in cmp)
                sb.AppendLine($"| {Md(c.Description)} | {c.N} | {Fmt.F3(c.ThreeClassDelta)} | {Fmt.Ci(c.ThreeClassDifference)} | {Fmt.F3(c.BinaryDelta)} | {Fmt.Ci(c.BinaryDifference)} |");
            sb.AppendLine();
        }

        sb.AppendLine("## Confusion matrices (rows: model, columns: reference)");
        sb.AppendLine();
        foreach (var c in ReportViews.PerModel(r, unit))
        {
            sb.AppendLine($"**{Md(c.A)} vs {Md(c.B)}**");
            sb.AppendLine();
            sb.AppendLine("| | ref 0 | ref 1 | ref 2 | | precision | recall | F1 |");
            sb.AppendLine("|---|---:|---:|---:|---|---:|---:|---:|");
            for (var i = 0; i < 3; i++)
            {
                var m = c.ThreeClassMetrics[i];
                sb.AppendLine($"| model {i} | {c.ThreeClassMatrix[i, 0]} | {c.ThreeClassMatrix[i, 1]} | {c.ThreeClassMatrix[i, 2]} | | {Fmt.F3(m.Precision)} | {Fmt.F3(m.Recall)} | {Fmt.F3(m.F1)} |");
            }
            var pos = c.BinaryMetrics[1];
            var neg = c.BinaryMetrics[0];
            sb.AppendLine();
            sb.AppendLine($"Binary: sensitivity for grade 1+2 {Fmt.F3(pos.Recall)}, specificity {Fmt.F3(neg.Recall)}, agreement {Fmt.Pct(c.BinaryPercentAgreement)}.");
            sb.AppendLine();
        }

        var cov = r.Coverage;
        sb.AppendLine("## Coverage");
        sb.AppendLine();
        sb.AppendLine($"{cov.PredictionRows} prediction rows, {cov.ReferenceRows} reference rows, {cov.Patients} patients. " +
                      $"{cov.PredictionsUngraded} predictions without a grade, {cov.PredictionsWithoutReference} predictions without a reference grade, {cov.ReferencesWithoutPrediction} (image, model) pairs without a prediction" +
                      (r.Raters.Count >= 2 ? $", {cov.ImagesWithoutConsensus} images and {cov.PatientsWithoutConsensus} patients without a rater majority" : "") +
                      (cov.RowsAtOtherLevels > 0 ? $", {cov.RowsAtOtherLevels} rows at C2/3 or C7/T1 skipped." : "."));
        if (cov.Listed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| file | line | patient | level | model | problem |");
            sb.AppendLine("|---|---:|---|---|---|---|");
            foreach (var u in cov.Listed) sb.AppendLine($"| {Md(u.File)} | {u.Line} | {Md(u.PatientId)} | {u.Level} | {Md(u.Model)} | {Md(u.Problem)} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Method");
        sb.AppendLine();
        foreach (var n in r.Notes) sb.AppendLine($"- {Md(n)}");
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, IReadOnlyList<AgreementCell> cells)
    {
        if (cells.Count == 0) return;
        sb.AppendLine($"## {Md(title)}");
        sb.AppendLine();
        sb.AppendLine("| A | B | stratum | n | patients | kappa 3-class (95 % CI) | bootstrap CI | linear | quadratic | kappa binary (95 % CI) | bootstrap CI | agreement | band 3-class / binary |");
        sb.AppendLine("|---|---|---|---:|---:|---|---|---:|---:|---|---|---:|---|");
        foreach (var c in cells)
            sb.AppendLine($"| {Md(c.A)} | {Md(c.B)} | {Md(c.Stratum.ToString())} | {c.N} | {c.Patients} | {Fmt.KappaCi(c.ThreeClass)} | {Fmt.Ci(c.ThreeClass.Bootstrap)} | " +
                          $"{Fmt.F3(c.Linear.Estimate.Kappa)} | {Fmt.F3(c.Quadratic.Estimate.Kappa)} | {Fmt.KappaCi(c.Binary)} | {Fmt.Ci(c.Binary.Bootstrap)} | " +
                          $"{Fmt.Pct(c.PercentAgreement)} | {Fmt.Band(c.ThreeClass)} / {Fmt.Band(c.Binary)} |");
        sb.AppendLine();
    }

    /// <summary>Escapes Markdown table and emphasis characters in user-supplied text.</summary>
    private static string Md(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (ch is '|' or '*' or '_' or '`' or '[' or ']' or '<' or '>' or '\\' or '#') sb.Append('\\');
            sb.Append(ch is '\n' or '\r' ? ' ' : ch);
        }
        return sb.ToString();
    }
}
