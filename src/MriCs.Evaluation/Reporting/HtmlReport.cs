using System.Net;
using System.Text;
using MriCs.Evaluation.Analysis;

namespace MriCs.Evaluation.Reporting;

/// <summary>A single self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched).</summary>
public static class HtmlReport
{
    private static string E(string s) => WebUtility.HtmlEncode(s);

    public static string Render(AgreementReport r, AnalysisUnit unit)
    {
        ReportViews.Require(r, unit);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append($"<title>MriCs agreement report ({Fmt.Unit(unit)})</title><style>");
        sb.Append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}table{border-collapse:collapse;margin:8px 0 20px}" +
                  "th,td{border:1px solid #ccc;padding:3px 7px;font-size:13px}th{background:#f0f0f0}td.num{text-align:right}" +
                  ".headline{font-size:18px;padding:10px;background:#eef3f8;border-left:4px solid #2166ac}.grid{display:flex;flex-wrap:wrap;gap:16px}" +
                  ".undef{color:#a00}");
        sb.Append("</style></head><body>");
        sb.Append($"<h1>Agreement report: {Fmt.Unit(unit)} level</h1>");
        sb.Append($"<p>Predictions <code>{E(r.PredictionsFile)}</code>, references <code>{E(r.ReferencesFile)}</code>. Models: {E(string.Join(", ", r.Models))}. Raters: {E(string.Join(", ", r.Raters))}. Headline reference: <b>{E(r.PrimaryTarget)}</b>.</p>");
        if (r.Overall(unit) is { } o)
            sb.Append($"<p class=\"headline\">{E(o.A)} vs {E(o.B)} (n = {o.N}, {o.Patients} patients): 3-class kappa <b>{E(Fmt.KappaCi(o.ThreeClass))}</b>, {E(Fmt.Band(o.ThreeClass))}; " +
                      $"binary (0 vs 1+2) kappa <b>{E(Fmt.KappaCi(o.Binary))}</b>, {E(Fmt.Band(o.Binary))}.</p>");

        var perModel = ReportViews.PerModel(r, unit);
        var inter = ReportViews.InterRater(r, unit);
        sb.Append("<h2>Kappa by model</h2><div class=\"grid\">");
        sb.Append(Svg.Forest($"3-class kappa against {r.PrimaryTarget}",
            perModel.Select(c => new Svg.ForestRow(c.A, c.ThreeClass)).Concat(inter.Select(c => new Svg.ForestRow($"{c.A} vs {c.B} (raters)", c.ThreeClass))).ToList()));
        sb.Append(Svg.Forest($"Binary kappa (0 vs 1+2) against {r.PrimaryTarget}",
            perModel.Select(c => new Svg.ForestRow(c.A, c.Binary)).Concat(inter.Select(c => new Svg.ForestRow($"{c.A} vs {c.B} (raters)", c.Binary))).ToList()));
        sb.Append("</div>");

        Table(sb, "Models against the references", ReportViews.ModelTargets(r, unit));
        if (unit == AnalysisUnit.Image)
        {
            var perLevel = ReportViews.PerLevel(r, unit, r.PrimaryModel);
            sb.Append(Svg.Forest($"{r.PrimaryModel}: 3-class kappa per disc level", perLevel.Select(c => new Svg.ForestRow(c.Stratum.ToString(), c.ThreeClass)).ToList()));
            Table(sb, $"Per disc level (against {r.PrimaryTarget})", r.Models.SelectMany(m => ReportViews.PerLevel(r, unit, m)).ToList());
        }
        if (r.Sites.Count > 0)
        {
            var perSite = ReportViews.PerSite(r, unit, r.PrimaryModel);
            sb.Append(Svg.Forest($"{r.PrimaryModel}: 3-class kappa per site", perSite.Select(c => new Svg.ForestRow(c.Stratum.ToString(), c.ThreeClass)).ToList()));
            Table(sb, $"Per site (against {r.PrimaryTarget})", r.Models.SelectMany(m => ReportViews.PerSite(r, unit, m)).ToList());
        }
        Table(sb, "Inter-rater agreement", inter);
        if (ReportViews.MultiRaterLine(r, unit) is { } fleiss) sb.Append($"<p>{E(fleiss)}.</p>");

        var cmp = ReportViews.Comparisons(r, unit);
        if (cmp.Count > 0)
        {
            sb.Append("<h2>Kappa differences (paired patient bootstrap 95 % CI)</h2><table><tr><th>comparison</th><th>n</th><th>3-class Δ</th><th>CI</th><th>binary Δ</th><th>CI</th></tr>");
            foreach (var c in cmp)
                sb.Append($"<tr><td>{E(c.Description)}</td><td class=\"num\">{c.N}</td><td class=\"num\">{Fmt.F3(c.ThreeClassDelta)}</td><td>{Fmt.Ci(c.ThreeClassDifference)}</td><td class=\"num\">{Fmt.F3(c.BinaryDelta)}</td><td>{Fmt.Ci(c.BinaryDifference)}</td></tr>");
            sb.Append("</table>");
        }

        sb.Append($"<h2>Confusion matrices against {E(r.PrimaryTarget)}</h2><div class=\"grid\">");
        foreach (var c in perModel)
        {
            sb.Append(Svg.Heatmap(c.ThreeClassMatrix, $"{c.A}: 3-class", c.A, c.B));
            sb.Append(Svg.Heatmap(c.BinaryMatrix, $"{c.A}: binary", c.A, c.B));
        }
        sb.Append("</div>");
        sb.Append($"<h2>Per-class figures against {E(r.PrimaryTarget)}</h2><table><tr><th>model</th><th>accuracy</th>" +
                  "<th>precision 0 / 1 / 2</th><th>recall 0 / 1 / 2</th><th>F1 0 / 1 / 2</th><th>sensitivity (1+2)</th><th>specificity (0)</th></tr>");
        foreach (var c in perModel)
        {
            string Three(Func<Statistics.ClassMetrics, double?> f) => string.Join(" / ", c.ThreeClassMetrics.Select(m => Fmt.F3(f(m))));
            sb.Append($"<tr><td>{E(c.A)}</td><td class=\"num\">{Fmt.Pct(c.PercentAgreement)}</td><td>{Three(m => m.Precision)}</td><td>{Three(m => m.Recall)}</td>" +
                      $"<td>{Three(m => m.F1)}</td><td class=\"num\">{Fmt.F3(c.BinaryMetrics[1].Recall)}</td><td class=\"num\">{Fmt.F3(c.BinaryMetrics[0].Recall)}</td></tr>");
        }
        sb.Append("</table>");

        var cov = r.Coverage;
        sb.Append("<h2>Coverage</h2>");
        sb.Append($"<p>{cov.PredictionRows} prediction rows, {cov.ReferenceRows} reference rows, {cov.Patients} patients; {cov.PredictionsUngraded} predictions without a grade; {cov.PredictionsWithoutReference} predictions without a reference grade; " +
                  $"{cov.ReferencesWithoutPrediction} (image, model) pairs without a prediction{(r.Raters.Count >= 2 ? $"; {cov.ImagesWithoutConsensus} images and {cov.PatientsWithoutConsensus} patients without a rater majority" : "")}" +
                  $"{(cov.RowsAtOtherLevels > 0 ? $"; {cov.RowsAtOtherLevels} rows at C2/3 or C7/T1 skipped" : "")}.</p>");
        if (cov.Listed.Count > 0)
        {
            sb.Append("<table><tr><th>file</th><th>line</th><th>patient</th><th>level</th><th>model</th><th>problem</th></tr>");
            foreach (var u in cov.Listed)
                sb.Append($"<tr><td>{E(u.File)}</td><td class=\"num\">{u.Line}</td><td>{E(u.PatientId)}</td><td>{E(u.Level)}</td><td>{E(u.Model)}</td><td>{E(u.Problem)}</td></tr>");
            sb.Append("</table>");
        }
        sb.Append("<h2>Method</h2><ul>");
        foreach (var n in r.Notes) sb.Append($"<li>{E(n)}</li>");
        sb.Append("</ul></body></html>\n");
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, string title, IReadOnlyList<AgreementCell> cells)
    {
        if (cells.Count == 0) return;
        sb.Append($"<h2>{E(title)}</h2><table><tr><th>A</th><th>B</th><th>stratum</th><th>n</th><th>patients</th><th>kappa 3-class (95 % CI)</th><th>bootstrap CI</th>" +
                  "<th>linear</th><th>quadratic</th><th>kappa binary (95 % CI)</th><th>bootstrap CI</th><th>agreement</th><th>band 3-class / binary</th></tr>");
        foreach (var c in cells)
        {
            string K(KappaResult k) => !k.Estimate.IsDefined
                ? $"<span class=\"undef\" title=\"{E(k.Estimate.UndefinedReason ?? "")}\">undefined</span>"
                : k.Estimate.Caveat is { } caveat ? $"<span class=\"undef\" title=\"{E(caveat)}\">{E(Fmt.KappaCi(k))}</span>" : E(Fmt.KappaCi(k));
            sb.Append($"<tr><td>{E(c.A)}</td><td>{E(c.B)}</td><td>{E(c.Stratum.ToString())}</td><td class=\"num\">{c.N}</td><td class=\"num\">{c.Patients}</td>" +
                      $"<td>{K(c.ThreeClass)}</td><td>{Fmt.Ci(c.ThreeClass.Bootstrap)}</td><td class=\"num\">{Fmt.F3(c.Linear.Estimate.Kappa)}</td><td class=\"num\">{Fmt.F3(c.Quadratic.Estimate.Kappa)}</td>" +
                      $"<td>{K(c.Binary)}</td><td>{Fmt.Ci(c.Binary.Bootstrap)}</td><td class=\"num\">{Fmt.Pct(c.PercentAgreement)}</td><td>{E(Fmt.Band(c.ThreeClass))} / {E(Fmt.Band(c.Binary))}</td></tr>");
        }
        sb.Append("</table>");
    }
}
