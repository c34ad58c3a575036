namespace MriCs.Evaluation.Statistics;

/// <summary>A percentile bootstrap interval with how many replicates gave a defined value.</summary>
public sealed record BootstrapInterval(double Low, double High, int Replicates, int ValidReplicates, ulong Seed);

/// <summary>
/// Paired 3-class grades grouped by cluster (patient): cluster i owns the pairs
/// <c>Cells[Offsets[i]..Offsets[i+1]]</c>, each stored as the 3×3 cell index row·3 + column.
/// </summary>
public sealed class ClusteredPairs
{
    private ClusteredPairs(int[] offsets, byte[] cells)
    {
        Offsets = offsets;
        Cells = cells;
    }

    public int[] Offsets { get; }

    public byte[] Cells { get; }

    public int Clusters => Offsets.Length - 1;

    /// <summary>Builds from pairs already ordered so that each cluster's pairs are consecutive.</summary>
    public static ClusteredPairs FromOrdered<TKey>(IReadOnlyList<(TKey Cluster, int Row, int Column)> pairs, IEqualityComparer<TKey>? comparer = null)
    {
        comparer ??= EqualityComparer<TKey>.Default;
        var offsets = new List<int>();
        var cells = new byte[pairs.Count];
        for (var i = 0; i < pairs.Count; i++)
        {
            var (cluster, r, c) = pairs[i];
            if ((uint)r > 2 || (uint)c > 2) throw new ArgumentOutOfRangeException(nameof(pairs), $"grade pair ({r}, {c}) outside 0..2");
            if (i == 0 || !comparer.Equals(cluster, pairs[i - 1].Cluster)) offsets.Add(i);
            cells[i] = (byte)(r * 3 + c);
        }
        offsets.Add(pairs.Count);
        return new ClusteredPairs([.. offsets], cells);
    }

    internal void AddCluster(int cluster, Span<long> sum)
    {
        for (var k = Offsets[cluster]; k < Offsets[cluster + 1]; k++) sum[Cells[k]]++;
    }
}

/// <summary>
/// Cluster (patient) bootstrap of kappa: each replicate draws as many patients as there are, with
/// replacement, and pools their graded pairs, so the images of one patient stay together (they are
/// not independent). Replicates where kappa is undefined are kept as null, then dropped and counted.
/// The generator is seeded per call, so a cell's interval does not depend on which cells came before.
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>The statistics one replicate yields, all from the same resample.</summary>
    public enum Statistic { ThreeClass = 0, Linear = 1, Quadratic = 2, Binary = 3 }

    public const int StatisticCount = 4;

    private static readonly double[] W3 = KappaWeights.Agreement(3, KappaWeighting.Unweighted);
    private static readonly double[] WLinear = KappaWeights.Agreement(3, KappaWeighting.Linear);
    private static readonly double[] WQuadratic = KappaWeights.Agreement(3, KappaWeighting.Quadratic);
    private static readonly double[] W2 = KappaWeights.Agreement(2, KappaWeighting.Unweighted);

    /// <summary>Replicate values of the four kappas (indexed by <see cref="Statistic"/>); null = undefined.</summary>
    public static double?[][] Replicates(ClusteredPairs clusters, int replicates, ulong seed)
    {
        var result = new double?[StatisticCount][];
        for (var s = 0; s < StatisticCount; s++) result[s] = new double?[replicates];
        var n = clusters.Clusters;
        if (n == 0 || replicates <= 0) return result;
        var rng = new Xoshiro256(seed);
        Span<long> sum = stackalloc long[9];
        Span<long> bin = stackalloc long[4];
        for (var r = 0; r < replicates; r++)
        {
            sum.Clear();
            for (var i = 0; i < n; i++) clusters.AddCluster(rng.NextInt(n), sum);
            result[0][r] = CohenKappa.KappaOnly(sum, 3, W3);
            result[1][r] = CohenKappa.KappaOnly(sum, 3, WLinear);
            result[2][r] = CohenKappa.KappaOnly(sum, 3, WQuadratic);
            ToBinary(sum, bin);
            result[3][r] = CohenKappa.KappaOnly(bin, 2, W2);
        }
        return result;
    }

    /// <summary>
    /// Paired replicates of kappa(first) - kappa(second), both drawn from the same resampled clusters
    /// (the two must have the same cluster layout). Returns [3-class differences, binary differences].
    /// </summary>
    public static double?[][] PairedDifferences(ClusteredPairs first, ClusteredPairs second, int replicates, ulong seed)
    {
        if (!first.Offsets.AsSpan().SequenceEqual(second.Offsets))
            throw new ArgumentException("paired bootstrap needs the same clusters on both sides");
        var d3 = new double?[replicates];
        var d2 = new double?[replicates];
        var n = first.Clusters;
        if (n == 0) return [d3, d2];
        var rng = new Xoshiro256(seed);
        Span<long> s1 = stackalloc long[9];
        Span<long> s2 = stackalloc long[9];
        Span<long> b1 = stackalloc long[4];
        Span<long> b2 = stackalloc long[4];
        for (var r = 0; r < replicates; r++)
        {
            s1.Clear();
            s2.Clear();
            for (var i = 0; i < n; i++)
            {
                var pick = rng.NextInt(n);
                first.AddCluster(pick, s1);
                second.AddCluster(pick, s2);
            }
            d3[r] = CohenKappa.KappaOnly(s1, 3, W3) - CohenKappa.KappaOnly(s2, 3, W3);
            ToBinary(s1, b1);
            ToBinary(s2, b2);
            d2[r] = CohenKappa.KappaOnly(b1, 2, W2) - CohenKappa.KappaOnly(b2, 2, W2);
        }
        return [d3, d2];
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

    /// <summary>3×3 counts (grades 0/1/2) to 2×2 counts (0 vs 1+2).</summary>
    public static void ToBinary(ReadOnlySpan<long> m3, Span<long> m2)
    {
        m2[0] = m3[0];
        m2[1] = m3[1] + m3[2];
        m2[2] = m3[3] + m3[6];
        m2[3] = m3[4] + m3[5] + m3[7] + m3[8];
    }
}
