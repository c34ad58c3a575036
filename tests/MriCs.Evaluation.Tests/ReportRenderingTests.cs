using System.Text.Json;
using System.Xml.Linq;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Evaluation.Reporting;

namespace MriCs.Evaluation.Tests;

public class ReportRenderingTests
{
    private static AgreementReport Sample(string evilModel = "v1")
    {
        var d = Synthetic.Make(20, 6, new Dictionary<string, double> { [evilModel] = 0.7, ["ensemble"] = 0.8 },
            new Dictionary<string, double> { ["s1"] = 0.9, ["s2"] = 0.85 }, ["north", "south"]);
        return AgreementAnalysis.Run(d.Predictions, d.References, new AgreementOptions { BootstrapReplicates = 100 });
    }

    [Fact]
    public void Json_overall_holds_three_class_and_binary_with_the_report_numbers()
    {
        var r = Sample();
        foreach (var unit in new[] { AnalysisUnit.Image, AnalysisUnit.Patient })
        {
            using var doc = JsonDocument.Parse(JsonReport.Render(r, unit));
            var root = doc.RootElement;
            var overall = root.GetProperty("overall");
            var cell = r.Overall(unit)!;
            Assert.Equal("ensemble", overall.GetProperty("a").GetString());
            Assert.Equal("consensus", overall.GetProperty("b").GetString());
            foreach (var (name, k) in new[] { ("threeClass", cell.ThreeClass), ("binary", cell.Binary), ("linearWeighted", cell.Linear), ("quadraticWeighted", cell.Quadratic) })
            {
                var o = overall.GetProperty(name);
                Assert.Equal(k.Estimate.Kappa, Num(o, "kappa"));
                Assert.Equal(k.Estimate.StandardError, Num(o, "se"));
                Assert.Equal(k.Estimate.AsymptoticCi?.Low, Num(o, "ciLow"));
                Assert.Equal(k.Estimate.AsymptoticCi?.High, Num(o, "ciHigh"));
                Assert.Equal(cell.N, o.GetProperty("n").GetInt64());
                Assert.Equal(k.Estimate.IsDefined, !o.TryGetProperty("undefined", out _));
            }
            Assert.Equal(r.Models.Count, root.GetProperty("perModel").GetArrayLength());
            Assert.Equal(r.Models.Count * 2, root.GetProperty("perSite").GetArrayLength());
            Assert.Equal(unit == AnalysisUnit.Image ? r.Models.Count * 4 : 0, root.GetProperty("perLevel").GetArrayLength());
            Assert.Equal(r.Cells.Count, root.GetProperty("cells").GetArrayLength());
            Assert.Equal(3, overall.GetProperty("confusionThreeClass").GetArrayLength());
            Assert.Equal(r.Models.Count, overall.GetProperty("perVersion").GetArrayLength());
            Assert.Equal(2, overall.GetProperty("perSite").GetArrayLength());
            Assert.All(overall.GetProperty("perSite").EnumerateArray(), e => Assert.Equal("ensemble", e.GetProperty("a").GetString()));
        }
    }

    private static double? Num(JsonElement o, string name) =>
        o.GetProperty(name).ValueKind == JsonValueKind.Null ? null : o.GetProperty(name).GetDouble();

    [Fact]
    public void Undefined_kappa_is_null_with_a_reason_in_json_and_empty_in_csv()
    {
        var p = EvaluationCsv.ReadPredictions(new StringReader("patient_id,level,model,grade\nA,C3/4,m,1\nB,C3/4,m,2\n"), "p.csv");
        var l = EvaluationCsv.ReadReferences(new StringReader("patient_id,level,grade\nA,C3/4,1\nB,C3/4,2\n"), "l.csv");
        var r = AgreementAnalysis.Run(p, l, new AgreementOptions { BootstrapReplicates = 50 });
        var json = JsonReport.Render(r, AnalysisUnit.Image);
        Assert.DoesNotContain("NaN", json);
        using var doc = JsonDocument.Parse(json);
        var binary = doc.RootElement.GetProperty("overall").GetProperty("binary");
        Assert.Equal(JsonValueKind.Null, binary.GetProperty("kappa").ValueKind);
        Assert.Contains("undefined", binary.GetProperty("undefined").GetString());
        Assert.Equal(1.0, doc.RootElement.GetProperty("overall").GetProperty("threeClass").GetProperty("kappa").GetDouble());

        var reader = new CsvLineReader(new StringReader(CsvReport.Render(r)), "agreement.csv");
        var csv = new List<IReadOnlyList<string>>();
        while (reader.Next() is { } fields) csv.Add(fields);
        Assert.Equal(r.Cells.Count + 1, csv.Count);
        var header = csv[0].ToArray();
        var first = csv[1];
        Assert.All(csv, row => Assert.Equal(header.Length, row.Count));
        Assert.Equal("", first[Array.IndexOf(header, "binary_kappa")]);
        Assert.Contains("undefined", first[Array.IndexOf(header, "binary_undefined")]);
        Assert.DoesNotContain("NaN", CsvReport.Render(r));
        Assert.Contains("undefined", TextReport.Render(r, AnalysisUnit.Image));
    }

    [Fact]
    public void Html_is_self_contained_and_escapes_names()
    {
        var r = Sample("<script>alert(1)</script>");
        var html = HtmlReport.Render(r, AnalysisUnit.Image);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
        Assert.DoesNotContain("https://", html);
        Assert.Contains("<svg", html);
        // Every embedded SVG is well-formed XML.
        var start = 0;
        var count = 0;
        while ((start = html.IndexOf("<svg", start, StringComparison.Ordinal)) >= 0)
        {
            var end = html.IndexOf("</svg>", start, StringComparison.Ordinal) + 6;
            XDocument.Parse(html[start..end]);
            count++;
            start = end;
        }
        // 2 forest plots by model, 1 per level, 1 per site, 2 heat maps per model.
        Assert.Equal(4 + 2 * r.Models.Count, count);
    }

    [Fact]
    public void Numbers_that_round_to_zero_never_print_as_minus_zero()
    {
        Assert.Equal("0.000", Fmt.F3(-1e-17));
        Assert.Equal("0.000", Fmt.F3(-0.0004));
        Assert.Equal("-0.001", Fmt.F3(-0.0006));
        Assert.Equal("n/a", Fmt.F3(null));
    }

    [Fact]
    public void Markdown_escapes_table_characters_in_names()
    {
        var r = Sample("v|1");
        var md = MarkdownReport.Render(r, AnalysisUnit.Patient);
        Assert.Contains("v\\|1", md);
        Assert.DoesNotContain("Per disc level", md);
        Assert.Contains("Per site", md);
    }

    [Fact]
    public void Text_report_groups_by_level_and_site()
    {
        var r = Sample();
        Assert.Contains("level C5/6", TextReport.Render(r, AnalysisUnit.Image, TextReport.Grouping.Level));
        Assert.Contains("site south", TextReport.Render(r, AnalysisUnit.Patient, TextReport.Grouping.Site));
        Assert.Contains("Inter-rater agreement", TextReport.Render(r, AnalysisUnit.Image));
    }

    [Fact]
    public void Writer_creates_every_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mrics-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = ReportWriter.WriteAll(Sample(), AnalysisUnit.Image, dir);
            Assert.Equal(["report.json", "report.md", "report.html", "agreement.csv", "forest-3class.svg", "forest-binary.svg"], files.Select(Path.GetFileName));
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100));
            XDocument.Load(Path.Combine(dir, "forest-3class.svg"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_unit_that_was_not_analysed_is_refused()
    {
        var d = Synthetic.Make(5, 1, new Dictionary<string, double> { ["v"] = 0.7 }, new Dictionary<string, double> { ["s"] = 1.0 });
        var r = AgreementAnalysis.Run(d.Predictions, d.References, new AgreementOptions { BootstrapReplicates = 10, Units = [AnalysisUnit.Image] });
        Assert.Throws<ArgumentException>(() => JsonReport.Render(r, AnalysisUnit.Patient));
    }
}
