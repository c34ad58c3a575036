namespace MriCs.Evaluation.Statistics;

/// <summary>Fleiss' kappa for a fixed number of raters per item (Fleiss 1971); null when undefined.</summary>
public sealed record FleissEstimate(long Items, int Raters, double? Kappa, double ObservedAgreement, double ExpectedAgreement, string? UndefinedReason)
{
    public InterpretationBand? Band => Kappa is { } k ? InterpretationBands.Of(k) : null;
}

public static class FleissKappa
{
    /// <summary>
    /// <paramref name="counts"/>[i][j] = how many raters put item i in class j; every item must have
    /// the same number of ratings, at least 2.
    /// </summary>
    public static FleissEstimate Compute(IReadOnlyList<int[]> counts, int classes)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0) return new FleissEstimate(0, 0, null, 0, 0, "no items rated by every rater");
        var m = counts[0].Sum();
        if (m < 2) throw new ArgumentException("Fleiss' kappa needs at least 2 ratings per item", nameof(counts));
        var totals = new double[classes];
        double sumSq = 0;
        foreach (var row in counts)
        {
            if (row.Length != classes) throw new ArgumentException($"each item needs {classes} counts", nameof(counts));
            if (row.Sum() != m) throw new ArgumentException("every item needs the same number of ratings", nameof(counts));
            for (var j = 0; j < classes; j++)
            {
                totals[j] += row[j];
                sumSq += (double)row[j] * row[j];
            }
        }
        var (kappa, po, pe) = FromSums(counts.Count, m, sumSq, totals);
        return new FleissEstimate(counts.Count, m, kappa, po, pe,
            kappa is null ? "Fleiss' kappa undefined: every rating falls in one class, so chance agreement is 1" : null);
    }

    /// <summary>Kappa from sufficient statistics: item count, ratings per item, Σ n_ij², class totals.</summary>
    public static (double? Kappa, double Observed, double Expected) FromSums(long items, int raters, double sumSquares, ReadOnlySpan<double> totals)
    {
        if (items == 0) return (null, 0, 0);
        double n = items, m = raters;
        var observed = (sumSquares - n * m) / (n * m * (m - 1));
        double expected = 0;
        foreach (var t in totals)
        {
            var p = t / (n * m);
            expected += p * p;
        }
        if (expected >= 1 - 1e-15) return (null, observed, expected);
        return ((observed - expected) / (1 - expected), observed, expected);
    }
}
