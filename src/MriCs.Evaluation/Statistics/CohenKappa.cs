namespace MriCs.Evaluation.Statistics;

/// <summary>
/// Cohen's kappa, unweighted or weighted, with the large-sample standard errors of
/// Fleiss, Cohen &amp; Everitt (1969): the non-null SE (SPSS's "Asymptotic Std. Error", used for
/// confidence intervals) and the SE under H0: kappa = 0 (used for the z test).
/// </summary>
public static class CohenKappa
{
    public static KappaEstimate Compute(ConfusionMatrix m, KappaWeighting weighting = KappaWeighting.Unweighted)
    {
        ArgumentNullException.ThrowIfNull(m);
        var k = m.Classes;
        var n = m.Total;
        if (n == 0) return KappaEstimate.Undefined(weighting, 0, 0, 0, "no paired ratings");

        var w = KappaWeights.Agreement(k, weighting);
        double dn = n;
        var p = new double[k * k];
        var row = new double[k];
        var col = new double[k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                var v = m[i, j] / dn;
                p[i * k + j] = v;
                row[i] += v;
                col[j] += v;
            }

        double po = 0, pe = 0;
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                po += w[i * k + j] * p[i * k + j];
                pe += w[i * k + j] * row[i] * col[j];
            }

        // Expected disagreement 1 - pe; zero when every rating falls in one class pair of weight 1
        // (for unweighted kappa: both raters used one and the same class only).
        var expectedDisagreement = 0.0;
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                expectedDisagreement += (1.0 - w[i * k + j]) * row[i] * col[j];
        if (expectedDisagreement <= 1e-15)
            return KappaEstimate.Undefined(weighting, n, po, pe,
                "kappa undefined: both ratings use a single identical class, so chance agreement is 1");

        var observedDisagreement = 0.0;
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                observedDisagreement += (1.0 - w[i * k + j]) * p[i * k + j];
        var kappa = 1.0 - observedDisagreement / expectedDisagreement;

        // Fleiss, Cohen & Everitt (1969): wbar_i. = sum_j p.j w_ij, wbar_.j = sum_i p_i. w_ij.
        var wRow = new double[k];
        var wCol = new double[k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                wRow[i] += col[j] * w[i * k + j];
                wCol[j] += row[i] * w[i * k + j];
            }
        double a = 0, a0 = 0;
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                var t = w[i * k + j] - (wRow[i] + wCol[j]) * (1.0 - kappa);
                a += p[i * k + j] * t * t;
                var t0 = w[i * k + j] - (wRow[i] + wCol[j]);
                a0 += row[i] * col[j] * t0 * t0;
            }
        var c = kappa - pe * (1.0 - kappa);
        var denom = expectedDisagreement * expectedDisagreement * dn;
        var variance = (a - c * c) / denom;
        var variance0 = (a0 - pe * pe) / denom;

        double maxKappa;
        {
            // Largest kappa the margins allow (unweighted definition, Cohen 1960).
            double pmax = 0, peU = 0;
            for (var i = 0; i < k; i++) { pmax += Math.Min(row[i], col[i]); peU += row[i] * col[i]; }
            maxKappa = peU < 1.0 ? (pmax - peU) / (1.0 - peU) : 1.0;
        }

        string? caveat = null;
        if (row.Count(v => v > 0) == 1 || col.Count(v => v > 0) == 1)
            caveat = "one side uses a single class only: kappa is 0 whatever the agreement; read the percent agreement and the matrix";
        return new KappaEstimate(weighting, n, po, pe, kappa, SafeSqrt(variance), SafeSqrt(variance0),
            weighting == KappaWeighting.Unweighted ? maxKappa : null, null) { Caveat = caveat };
    }

    /// <summary>Kappa only, or null when undefined (bootstrap inner loop; no allocation beyond weights).</summary>
    public static double? KappaOnly(ReadOnlySpan<long> counts, int k, ReadOnlySpan<double> agreementWeights)
    {
        long n = 0;
        foreach (var c in counts) n += c;
        if (n == 0) return null;
        Span<double> row = stackalloc double[k];
        Span<double> col = stackalloc double[k];
        row.Clear();
        col.Clear();
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                double v = counts[i * k + j];
                row[i] += v;
                col[j] += v;
            }
        double observed = 0, expected = 0, dn = n;
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
            {
                var d = 1.0 - agreementWeights[i * k + j];
                observed += d * counts[i * k + j] / dn;
                expected += d * (row[i] / dn) * (col[j] / dn);
            }
        if (expected <= 1e-15) return null;
        return 1.0 - observed / expected;
    }

    // Rounding can leave a tiny negative variance when kappa is 1 (true variance 0).
    private static double SafeSqrt(double v) => v <= 0 ? 0.0 : Math.Sqrt(v);
}
