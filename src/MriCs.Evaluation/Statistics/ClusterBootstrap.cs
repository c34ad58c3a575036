namespace MriCs.Evaluation.Statistics;

/// <summary>A percentile bootstrap interval with how many replicates gave a defined value.</summary>
public sealed record BootstrapInterval(double Low, double High, int Replicates, int ValidReplicates, ulong Seed);

/// <summary>
/// Cluster (patient) bootstrap of kappa: each replicate draws as many patients as there are, with
/// replacement, and sums their 3×3 count tables, so the images of one patient stay together
/// (they are not independent). Replicates where kappa is undefined are dropped and counted.
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>The statistics one replicate yields, all from the same resample.</summary>
    public enum Statistic { ThreeClass = 0, Linear = 1, Quadratic = 2, Binary = 3 }

    public const int StatisticCount = 4;

    /// <summary>
    /// Resamples clusters (each a 3×3 table, row-major) and returns the replicate values of the
    /// four kappas; null entries are undefined replicates.
    /// </summary>
    public static double?[][] Replicates(IReadOnlyList<long[]> clusters, int replicates, ulong seed)
    {
        var result = new double?[StatisticCount][];
        for (var s = 0; s < StatisticCount; s++) result[s] = new double?[replicates];
        if (clusters.Count == 0 || replicates <= 0) return result;
        var rng = new Xoshiro256(seed);
        var w = KappaWeights.Agreement(3, KappaWeighting.Unweighted);
        var wl = KappaWeights.Agreement(3, KappaWeighting.Linear);
        var wq = KappaWeights.Agreement(3, KappaWeighting.Quadratic);
        var wb = KappaWeights.Agreement(2, KappaWeighting.Unweighted);
        Span<long> sum = stackalloc long[9];
        Span<long> bin = stackalloc long[4];
        for (var r = 0; r < replicates; r++)
        {
            sum.Clear();
            for (var i = 0; i < clusters.Count; i++)
            {
                var c = clusters[rng.NextInt(clusters.Count)];
                for (var j = 0; j < 9; j++) sum[j] += c[j];
            }
            result[0][r] = CohenKappa.KappaOnly(sum, 3, w);
            result[1][r] = CohenKappa.KappaOnly(sum, 3, wl);
            result[2][r] = CohenKappa.KappaOnly(sum, 3, wq);
            bin[0] = sum[0];
            bin[1] = sum[1] + sum[2];
            bin[2] = sum[3] + sum[6];
            bin[3] = sum[4] + sum[5] + sum[7] + sum[8];
            result[3][r] = CohenKappa.KappaOnly(bin, 2, wb);
        }
        return result;
    }

    /// <summary>Percentile interval at the given two-sided level; null when fewer than 2 replicates are defined.</summary>
    public static BootstrapInterval? Percentile(IEnumerable<double?> replicateValues, int replicates, ulong seed, double level = 0.95)
    {
        var valid = replicateValues.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (valid.Count < 2) return null;
        valid.Sort();
        var alpha = (1 - level) / 2;
        return new BootstrapInterval(Quantiles.OfSorted(valid, alpha), Quantiles.OfSorted(valid, 1 - alpha), replicates, valid.Count, seed);
    }
}
