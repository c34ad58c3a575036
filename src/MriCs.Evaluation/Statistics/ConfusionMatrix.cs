namespace MriCs.Evaluation.Statistics;

/// <summary>
/// A k×k table of counts: rows are the first rater (the model, or rater A), columns the second
/// (the reference). Immutable once built.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classes, long[] counts)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), "a confusion matrix needs at least 2 classes");
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length != classes * classes)
            throw new ArgumentException($"expected {classes * classes} counts, got {counts.Length}", nameof(counts));
        foreach (var c in counts)
            if (c < 0) throw new ArgumentException("counts must not be negative", nameof(counts));
        Classes = classes;
        _counts = (long[])counts.Clone();
        Total = _counts.Sum();
    }

    public int Classes { get; }

    public long Total { get; }

    public long this[int row, int column] => _counts[row * Classes + column];

    /// <summary>Counts in row-major order (a copy).</summary>
    public long[] ToArray() => (long[])_counts.Clone();

    public long RowTotal(int row)
    {
        long s = 0;
        for (var j = 0; j < Classes; j++) s += this[row, j];
        return s;
    }

    public long ColumnTotal(int column)
    {
        long s = 0;
        for (var i = 0; i < Classes; i++) s += this[i, column];
        return s;
    }

    public long Diagonal
    {
        get
        {
            long s = 0;
            for (var i = 0; i < Classes; i++) s += this[i, i];
            return s;
        }
    }

    /// <summary>Builds a matrix from paired grades in [0, classes).</summary>
    public static ConfusionMatrix FromPairs(int classes, IEnumerable<(int Row, int Column)> pairs)
    {
        var counts = new long[classes * classes];
        foreach (var (r, c) in pairs)
        {
            if ((uint)r >= (uint)classes || (uint)c >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(pairs), $"grade pair ({r}, {c}) outside 0..{classes - 1}");
            counts[r * classes + c]++;
        }
        return new ConfusionMatrix(classes, counts);
    }

    /// <summary>Merges classes: <paramref name="map"/>[old] = new class. Used for 0 vs 1+2.</summary>
    public ConfusionMatrix Collapse(int newClasses, ReadOnlySpan<int> map)
    {
        if (map.Length != Classes) throw new ArgumentException("map must have one entry per class", nameof(map));
        var counts = new long[newClasses * newClasses];
        for (var i = 0; i < Classes; i++)
            for (var j = 0; j < Classes; j++)
                counts[map[i] * newClasses + map[j]] += this[i, j];
        return new ConfusionMatrix(newClasses, counts);
    }

    /// <summary>The 3-class grades 0/1/2 collapsed to the study's binary view 0 vs {1, 2}.</summary>
    public ConfusionMatrix ToBinary()
    {
        if (Classes != 3) throw new InvalidOperationException("the binary view collapses a 3-class matrix");
        return Collapse(2, [0, 1, 1]);
    }

    public ConfusionMatrix Transpose()
    {
        var t = new long[_counts.Length];
        for (var i = 0; i < Classes; i++)
            for (var j = 0; j < Classes; j++)
                t[j * Classes + i] = this[i, j];
        return new ConfusionMatrix(Classes, t);
    }
}
