namespace MriCs.Evaluation.Statistics;

public static class Quantiles
{
    /// <summary>Quantile of sorted values by linear interpolation between order statistics
    /// (Hyndman-Fan type 7, numpy's default).</summary>
    public static double OfSorted(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        if (q is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(q));
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
