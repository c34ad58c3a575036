using System.Net;
using System.Text;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Reporting;

/// <summary>Self-contained SVG pictures: confusion-matrix heat maps and a kappa forest plot.</summary>
public static class Svg
{
    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string N(double v) => v.ToString("0.##", Fmt.C);

    /// <summary>Heat map of a confusion matrix; shade = share of the reference column (recall), count and share printed.</summary>
    public static string Heatmap(ConfusionMatrix m, string title, string rowLabel, string columnLabel)
    {
        const int cell = 64, left = 96, top = 56;
        var k = m.Classes;
        var width = Math.Max(left + k * cell + 16, 300);
        var height = top + k * cell + 40;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{E(title)}\">");
        sb.Append($"<text x=\"8\" y=\"16\" font-weight=\"bold\">{E(title)}</text>");
        sb.Append($"<text x=\"{left + k * cell / 2}\" y=\"34\" text-anchor=\"middle\">{E(columnLabel)} →</text>");
        sb.Append($"<text x=\"20\" y=\"{top + k * cell / 2}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 20 {top + k * cell / 2})\">{E(rowLabel)} →</text>");
        for (var j = 0; j < k; j++)
            sb.Append($"<text x=\"{left + j * cell + cell / 2}\" y=\"{top - 6}\" text-anchor=\"middle\">{Fmt.Grade(j, k)}</text>");
        for (var i = 0; i < k; i++)
        {
            sb.Append($"<text x=\"{left - 8}\" y=\"{top + i * cell + cell / 2 + 4}\" text-anchor=\"end\">{Fmt.Grade(i, k)}</text>");
            for (var j = 0; j < k; j++)
            {
                var colTotal = m.ColumnTotal(j);
                var share = colTotal > 0 ? (double)m[i, j] / colTotal : 0;
                var (r, g, b) = i == j ? (33, 102, 172) : (178, 24, 43);
                var fill = $"rgb({Mix(r, share)},{Mix(g, share)},{Mix(b, share)})";
                var ink = share > 0.55 ? "#fff" : "#000";
                sb.Append($"<rect x=\"{left + j * cell}\" y=\"{top + i * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"/>");
                sb.Append($"<text x=\"{left + j * cell + cell / 2}\" y=\"{top + i * cell + cell / 2}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"15\">{m[i, j]}</text>");
                sb.Append($"<text x=\"{left + j * cell + cell / 2}\" y=\"{top + i * cell + cell / 2 + 16}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"10\">{(colTotal > 0 ? (100 * share).ToString("0", Fmt.C) + " %" : "")}</text>");
            }
        }
        sb.Append($"<text x=\"8\" y=\"{height - 10}\" font-size=\"10\">n = {m.Total}; shade and % = share of the reference column</text>");
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static int Mix(int channel, double share) => (int)Math.Round(255 + (channel - 255) * share);

    public sealed record ForestRow(string Label, KappaResult Kappa);

    /// <summary>
    /// Forest plot: one row per entry, point estimate with the asymptotic 95 % CI (thin) and the
    /// patient-bootstrap CI (thick); the study's interpretation bands shaded behind.
    /// </summary>
    public static string Forest(string title, IReadOnlyList<ForestRow> rows)
    {
        const int left = 230, plot = 420, right = 200, rowH = 26, top = 48;
        var lows = rows.SelectMany(r => new double?[] { r.Kappa.Estimate.AsymptoticCi?.Low, r.Kappa.Bootstrap?.Low, r.Kappa.Estimate.Kappa })
            .OfType<double>().DefaultIfEmpty(0).Min();
        var xMin = Math.Min(0.0, Math.Floor(lows * 5) / 5);
        const double xMax = 1.0;
        double X(double v) => left + (Math.Clamp(v, xMin, xMax) - xMin) / (xMax - xMin) * plot;
        var height = top + rows.Count * rowH + 44;
        var width = left + plot + right;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{E(title)}\">");
        sb.Append($"<text x=\"8\" y=\"18\" font-weight=\"bold\">{E(title)}</text>");
        var bands = new (double Lo, double Hi, string Label, string Fill)[]
        {
            (xMin, 0.2, "poor", "#f7f7f7"), (0.2, 0.4, "fair", "#eef3f8"), (0.4, 0.6, "moderate", "#dde8f2"),
            (0.6, 0.8, "substantial", "#cbdcec"), (0.8, 1.0, "almost perfect", "#b8cfe6"),
        };
        var plotBottom = top + rows.Count * rowH;
        foreach (var (lo, hi, label, fill) in bands)
        {
            if (hi <= xMin) continue;
            var x0 = X(Math.Max(lo, xMin));
            sb.Append($"<rect x=\"{N(x0)}\" y=\"{top - 8}\" width=\"{N(X(hi) - x0)}\" height=\"{rows.Count * rowH + 8}\" fill=\"{fill}\"/>");
            sb.Append($"<text x=\"{N((x0 + X(hi)) / 2)}\" y=\"{top - 12}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#555\">{label}</text>");
        }
        for (var t = xMin; t <= xMax + 1e-9; t += 0.2)
        {
            sb.Append($"<line x1=\"{N(X(t))}\" y1=\"{top - 8}\" x2=\"{N(X(t))}\" y2=\"{plotBottom + 4}\" stroke=\"#999\" stroke-width=\"{(Math.Abs(t) < 1e-9 ? 1.2 : 0.4)}\"/>");
            sb.Append($"<text x=\"{N(X(t))}\" y=\"{plotBottom + 18}\" text-anchor=\"middle\">{t.ToString("0.0", Fmt.C)}</text>");
        }
        sb.Append($"<text x=\"{left + plot / 2}\" y=\"{plotBottom + 36}\" text-anchor=\"middle\">Cohen's kappa (thin: asymptotic 95 % CI, thick: patient bootstrap 95 % CI)</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var y = top + i * rowH + rowH / 2;
            var k = rows[i].Kappa;
            sb.Append($"<text x=\"{left - 8}\" y=\"{y + 4}\" text-anchor=\"end\">{E(rows[i].Label)}</text>");
            if (k.Estimate.Kappa is not { } kappa)
            {
                sb.Append($"<text x=\"{left + 6}\" y=\"{y + 4}\" fill=\"#a00\">undefined</text>");
                continue;
            }
            if (k.Estimate.AsymptoticCi is { } ci)
                sb.Append($"<line x1=\"{N(X(ci.Low))}\" y1=\"{y}\" x2=\"{N(X(ci.High))}\" y2=\"{y}\" stroke=\"#333\" stroke-width=\"1.2\"/>");
            if (k.Bootstrap is { } bs)
                sb.Append($"<line x1=\"{N(X(bs.Low))}\" y1=\"{y}\" x2=\"{N(X(bs.High))}\" y2=\"{y}\" stroke=\"#2166ac\" stroke-width=\"5\" stroke-opacity=\"0.6\"/>");
            sb.Append($"<rect x=\"{N(X(kappa) - 5)}\" y=\"{y - 5}\" width=\"10\" height=\"10\" fill=\"#b2182b\"/>");
            sb.Append($"<text x=\"{left + plot + 10}\" y=\"{y + 4}\">{E(Fmt.KappaCi(k))}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }
}
