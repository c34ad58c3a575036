using System.Text;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Reporting;

/// <summary>One row per cell (every unit, pair and stratum); undefined values are empty, with the reason in a column.</summary>
public static class CsvReport
{
    private static readonly string[] Scales = ["three_class", "linear", "quadratic", "binary"];

    public static string Render(AgreementReport r)
    {
        var sb = new StringBuilder();
        var head = new List<string> { "unit", "kind", "a", "b", "level", "site", "n", "patients", "percent_agreement", "binary_percent_agreement" };
        foreach (var s in Scales)
            head.AddRange([$"{s}_kappa", $"{s}_se", $"{s}_se0", $"{s}_ci_low", $"{s}_ci_high", $"{s}_boot_low", $"{s}_boot_high", $"{s}_boot_valid", $"{s}_band", $"{s}_undefined"]);
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                head.Add($"m{i}{j}");
        sb.AppendLine(string.Join(',', head));
        foreach (var c in r.Cells)
        {
            var row = new List<string>
            {
                Fmt.Unit(c.Unit), Fmt.Kind(c.Kind), c.A, c.B, c.Stratum.Level is { } l ? Input.DiscLevels.Label(l) : "", c.Stratum.Site ?? "",
                c.N.ToString(Fmt.C), c.Patients.ToString(Fmt.C), N(c.PercentAgreement), N(c.BinaryPercentAgreement),
            };
            foreach (var k in new[] { c.ThreeClass, c.Linear, c.Quadratic, c.Binary })
            {
                var e = k.Estimate;
                row.AddRange([N(e.Kappa), N(e.StandardError), N(e.NullStandardError), N(e.AsymptoticCi?.Low), N(e.AsymptoticCi?.High),
                    N(k.Bootstrap?.Low), N(k.Bootstrap?.High), k.Bootstrap?.ValidReplicates.ToString(Fmt.C) ?? "",
                    k.Band?.Label() ?? "", e.UndefinedReason ?? ""]);
            }
            for (var i = 0; i < 3; i++)
                for (var j = 0; j < 3; j++)
                    row.Add(c.ThreeClassMatrix[i, j].ToString(Fmt.C));
            sb.AppendLine(string.Join(',', row.Select(Quote)));
        }
        return sb.ToString();
    }

    private static string N(double? v) => v is { } x ? Fmt.R(x) : "";

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
