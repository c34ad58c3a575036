using System.Text;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Evaluation.Tests.Oracle;

namespace MriCs.Evaluation.Tests;

/// <summary>
/// The whole analysis (pairing, patient grades, consensus, strata, kappas, SEs) against an
/// independent Python re-implementation of the documented rules using scikit-learn and statsmodels.
/// </summary>
public class AnalysisOracleTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    public void Every_cell_matches_the_python_oracle(int seed, int raterCount)
    {
        var rng = new Random(seed);
        var levels = DiscLevels.All.Select(l => l.Label()).ToArray();
        string[] models = ["dl-v1", "dl-v2", "ensemble"];
        var raters = Enumerable.Range(1, raterCount).Select(i => $"surgeon{i}").ToArray();
        var pred = new StringBuilder("patient_id,level,model,grade,site,reason\n");
        var refs = new StringBuilder("patient_id,level,rater,grade,site\n");
        for (var p = 0; p < 60; p++)
        {
            var id = $"X{p:D3}";
            var site = (p % 3) switch { 0 => "north", 1 => "south", _ => "west" };
            var truths = levels.Select(_ => rng.NextDouble() switch { < 0.36 => 0, < 0.53 => 1, _ => 2 }).ToArray();
            foreach (var m in models)
            {
                for (var l = 0; l < 4; l++)
                {
                    var u = rng.NextDouble();
                    if (u < 0.03) continue;                                       // missing row
                    if (u < 0.06) { pred.Append($"{id},{levels[l]},{m},,{site},no ROI detected\n"); continue; } // ungraded
                    var g = rng.NextDouble() < 0.7 ? truths[l] : rng.Next(3);
                    pred.Append($"{id},{levels[l]},{m},{g},{site},\n");
                }
                if (m == "ensemble" && rng.NextDouble() < 0.5)
                    pred.Append($"{id},patient,{m},{rng.Next(3)},{site},\n");          // explicit recommendation
            }
            foreach (var r in raters)
                for (var l = 0; l < 4; l++)
                {
                    if (rng.NextDouble() < 0.04) continue;
                    var g = rng.NextDouble() < 0.85 ? truths[l] : rng.Next(3);
                    refs.Append($"{id},{levels[l]},{r},{g},{site}\n");
                }
        }
        var dir = Path.Combine(Path.GetTempPath(), "mrics-eval-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var predPath = Path.Combine(dir, "pred.csv");
            var refPath = Path.Combine(dir, "ref.csv");
            File.WriteAllText(predPath, pred.ToString());
            File.WriteAllText(refPath, refs.ToString());
            var report = AgreementAnalysis.Run(EvaluationCsv.ReadPredictions(predPath), EvaluationCsv.ReadReferences(refPath),
                new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });

            var all = PythonOracle.RunLines("analysis_oracle.py", [predPath, refPath]);
            var fleiss = all.Where(l => l.StartsWith("fleiss;", StringComparison.Ordinal)).ToList();
            var lines = all.Except(fleiss).ToList();
            Assert.Equal(report.Cells.Count, lines.Count);
            Assert.Equal(raterCount >= 2 ? 2 : 0, fleiss.Count);
            Assert.Equal(fleiss.Count, report.MultiRater.Count);
            foreach (var line in fleiss)
            {
                var parts = line.Split(';');
                var mr = report.MultiRater.Single(m => m.Unit == (parts[1] == "image" ? AnalysisUnit.Image : AnalysisUnit.Patient));
                var values = parts.Skip(2).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
                Assert.Equal(long.Parse(values["n"], System.Globalization.CultureInfo.InvariantCulture), mr.N);
                foreach (var (tag, e) in new[] { ("u", mr.ThreeClass), ("b", mr.Binary) })
                {
                    if (values[$"k_{tag}"] == "nan") { Assert.Null(e.Kappa); continue; }
                    var expected = double.Parse(values[$"k_{tag}"], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(e.Kappa!.Value - expected) <= 1e-9, $"{line}: Fleiss {tag} {e.Kappa}");
                }
            }
            var compared = 0;
            foreach (var line in lines)
            {
                var parts = line.Split(';');
                var unit = parts[0] == "image" ? AnalysisUnit.Image : AnalysisUnit.Patient;
                var stratum = parts[3] switch
                {
                    "all" => Stratum.All,
                    var s when s.StartsWith("level:", StringComparison.Ordinal) && DiscLevels.TryParse(s[6..], out var lv) => new Stratum(lv, null),
                    var s => new Stratum(null, s[5..]),
                };
                var cell = report.Find(unit, parts[1], parts[2], stratum);
                Assert.True(cell is not null, $"no cell for {line}");
                var values = parts.Skip(4).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
                Assert.Equal(long.Parse(values["n"], System.Globalization.CultureInfo.InvariantCulture), cell.N);
                foreach (var (tag, k) in new[] { ("u", cell.ThreeClass), ("l", cell.Linear), ("q", cell.Quadratic), ("b", cell.Binary) })
                {
                    if (!values.TryGetValue($"k_{tag}", out var text)) continue;
                    if (text == "nan") { Assert.False(k.Estimate.IsDefined, $"{line}: {tag} should be undefined"); continue; }
                    var expected = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(k.Estimate.IsDefined, $"{line}: {tag} undefined in MriCs");
                    Assert.True(Math.Abs(k.Estimate.Kappa!.Value - expected) <= 1e-9, $"{line}: {tag} kappa {k.Estimate.Kappa}");
                    var se = double.Parse(values[$"se_{tag}"], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(k.Estimate.StandardError!.Value - se) <= 1e-6, $"{line}: {tag} SE {k.Estimate.StandardError}");
                    compared++;
                }
            }
            Assert.True(compared > 100, $"only {compared} kappas compared");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
