using System.Globalization;
using MriCs.Evaluation.Statistics;
using MriCs.Evaluation.Tests.Oracle;

namespace MriCs.Evaluation.Tests;

/// <summary>Kappa and its standard errors against scikit-learn and statsmodels on random synthetic ratings.</summary>
public class KappaOracleTests
{
    [Fact]
    public void Kappa_and_standard_errors_match_sklearn_and_statsmodels()
    {
        var rng = new Random(20260127);
        var cases = new Dictionary<string, (int K, int[] A, int[] B)>();
        for (var t = 0; t < 300; t++)
        {
            var k = t % 3 == 0 ? 2 : 3;
            var n = t % 10 == 0 ? rng.Next(2, 8) : rng.Next(10, 400);
            var agree = rng.NextDouble();
            var skew = rng.NextDouble();
            var a = new int[n];
            var b = new int[n];
            for (var i = 0; i < n; i++)
            {
                a[i] = rng.NextDouble() < skew ? 0 : rng.Next(k);
                b[i] = rng.NextDouble() < agree ? a[i] : rng.Next(k);
            }
            cases[$"c{t}"] = (k, a, b);
        }
        cases["perfect"] = (3, [0, 1, 2, 2, 1], [0, 1, 2, 2, 1]);
        cases["single"] = (3, [1, 1, 1, 1], [1, 1, 1, 1]);
        cases["disjoint"] = (3, [0, 0, 0], [2, 2, 2]);

        var oracle = PythonOracle.Run("kappa_oracle.py",
            cases.Select(c => $"{c.Key};{c.Value.K};{string.Join(',', c.Value.A)};{string.Join(',', c.Value.B)}"));
        Assert.Equal(cases.Count, oracle.Count);

        var compared = 0;
        foreach (var (id, (k, a, b)) in cases)
        {
            var o = oracle[id];
            var m = ConfusionMatrix.FromPairs(k, a.Zip(b));
            foreach (var (tag, w) in new[] { ("u", KappaWeighting.Unweighted), ("l", KappaWeighting.Linear), ("q", KappaWeighting.Quadratic) })
            {
                var e = CohenKappa.Compute(m, w);
                var sk = o[$"sk_{tag}"];
                if (double.IsNaN(sk))
                {
                    Assert.False(e.IsDefined, $"{id}/{tag}: sklearn says undefined, MriCs gave {e.Kappa}");
                    continue;
                }
                Assert.True(e.IsDefined, $"{id}/{tag}: MriCs undefined ({e.UndefinedReason}), sklearn {sk}");
                Assert.True(Math.Abs(e.Kappa!.Value - sk) <= 1e-9, $"{id}/{tag}: kappa {e.Kappa} vs sklearn {sk}");
                Assert.True(Math.Abs(e.Kappa.Value - o[$"sm_{tag}"]) <= 1e-9, $"{id}/{tag}: kappa {e.Kappa} vs statsmodels {o[$"sm_{tag}"]}");
                Assert.True(Math.Abs(e.StandardError!.Value - o[$"se_{tag}"]) <= 1e-6,
                    $"{id}/{tag}: SE {e.StandardError.Value.ToString(CultureInfo.InvariantCulture)} vs statsmodels {o[$"se_{tag}"]}");
                Assert.True(Math.Abs(e.NullStandardError!.Value - o[$"se0_{tag}"]) <= 1e-6,
                    $"{id}/{tag}: SE0 {e.NullStandardError} vs statsmodels {o[$"se0_{tag}"]}");
                compared++;
            }
        }
        Assert.True(compared > 800, $"only {compared} comparisons made");
    }
}
