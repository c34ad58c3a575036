namespace MriCs.Evaluation.Statistics;

/// <summary>
/// Per-class figures with the columns (rater B, the reference) as truth and the rows (rater A,
/// the model) as prediction. Null where the denominator is zero.
/// </summary>
public sealed record ClassMetrics(int Class, long Support, long Predicted, long TruePositives, double? Precision, double? Recall, double? F1)
{
    public static IReadOnlyList<ClassMetrics> Of(ConfusionMatrix m)
    {
        var list = new List<ClassMetrics>(m.Classes);
        for (var c = 0; c < m.Classes; c++)
        {
            var tp = m[c, c];
            var predicted = m.RowTotal(c);
            var support = m.ColumnTotal(c);
            double? precision = predicted > 0 ? (double)tp / predicted : null;
            double? recall = support > 0 ? (double)tp / support : null;
            double? f1 = null;
            if (precision is { } p && recall is { } r) f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
            list.Add(new ClassMetrics(c, support, predicted, tp, precision, recall, f1));
        }
        return list;
    }
}
