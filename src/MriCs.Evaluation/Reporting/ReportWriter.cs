using MriCs.Evaluation.Analysis;

namespace MriCs.Evaluation.Reporting;

/// <summary>Writes the report files into a folder: report.json, report.md, report.html, agreement.csv, and the SVG forest plots.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> WriteAll(AgreementReport report, AnalysisUnit unit, string directory)
    {
        Directory.CreateDirectory(directory);
        var perModel = ReportViews.PerModel(report, unit);
        var files = new (string Name, string Content)[]
        {
            ("report.json", JsonReport.Render(report, unit)),
            ("report.md", MarkdownReport.Render(report, unit)),
            ("report.html", HtmlReport.Render(report, unit)),
            ("agreement.csv", CsvReport.Render(report)),
            ("forest-3class.svg", Svg.Forest($"3-class kappa against {report.PrimaryTarget} ({Fmt.Unit(unit)})", perModel.Select(c => new Svg.ForestRow(c.A, c.ThreeClass)).ToList())),
            ("forest-binary.svg", Svg.Forest($"Binary kappa against {report.PrimaryTarget} ({Fmt.Unit(unit)})", perModel.Select(c => new Svg.ForestRow(c.A, c.Binary)).ToList())),
        };
        var written = new List<string>();
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, content);
            written.Add(path);
        }
        return written;
    }
}
