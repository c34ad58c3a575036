using System.Globalization;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Reporting;

/// <summary>Invariant number formatting shared by the renderers; undefined values print as "n/a" (or empty in CSV).</summary>
internal static class Fmt
{
    public static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Three decimals; a value that rounds to zero prints as 0.000, never -0.000.</summary>
    public static string F3(double? v)
    {
        if (v is not { } x) return "n/a";
        var r = Math.Round(x, 3);
        return (r == 0 ? 0.0 : r).ToString("0.000", C);
    }

    public static string Pct(double? v) => v is { } x ? (100 * x).ToString("0.0", C) + " %" : "n/a";

    public static string R(double v) => v.ToString("R", C);

    public static string Ci((double Low, double High)? ci) => ci is { } c ? $"({F3(c.Low)}, {F3(c.High)})" : "";

    public static string Ci(BootstrapInterval? b) => b is { } c ? $"({F3(c.Low)}, {F3(c.High)})" : "";

    /// <summary>"0.743 (0.575, 0.910)" with the asymptotic CI, or "undefined"; "⚠" marks a caveat.</summary>
    public static string KappaCi(KappaResult k) =>
        k.Estimate.Kappa is null ? "undefined"
        : $"{F3(k.Estimate.Kappa)} {Ci(k.Estimate.AsymptoticCi)}{(k.Estimate.Caveat is null ? "" : " ⚠")}";

    public static string Band(KappaResult k) => k.Band is { } b ? b.Label() : "n/a";

    public static string Unit(AnalysisUnit u) => u == AnalysisUnit.Image ? "image" : "patient";

    public static string Kind(ComparisonKind k) => k switch
    {
        ComparisonKind.ModelVsRater => "model-vs-rater",
        ComparisonKind.ModelVsConsensus => "model-vs-consensus",
        ComparisonKind.RaterVsRater => "rater-vs-rater",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    public static string Grade(int g, int classes) => classes == 3 ? g.ToString(C) : g == 0 ? "0" : "1+2";
}
