namespace MriCs.Phantom;

/// <summary>Agreement of model outputs with phantom ground truth (per image): box IoU and Cohen's kappa.</summary>
public static class GroundTruthMetrics
{
    /// <summary>Intersection over union of two pixel boxes (x1, y1 exclusive); 0 when either is empty.</summary>
    public static double IoU(RoiBox a, RoiBox b)
    {
        var ix = Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0));
        var iy = Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0));
        double inter = (long)ix * iy;
        var union = (double)a.Width * a.Height + (double)b.Width * b.Height - inter;
        return a.Width <= 0 || a.Height <= 0 || b.Width <= 0 || b.Height <= 0 || union <= 0 ? 0 : inter / union;
    }

    /// <summary>Unweighted Cohen's kappa of two raters over <paramref name="classes"/> categories (1 when both agree on a single category).</summary>
    public static double CohenKappa(IReadOnlyList<int> a, IReadOnlyList<int> b, int classes)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} vs {b.Count} ratings");
        if (a.Count == 0) throw new ArgumentException("no ratings");
        var m = new double[classes, classes];
        for (var i = 0; i < a.Count; i++)
        {
            if ((uint)a[i] >= classes || (uint)b[i] >= classes) throw new ArgumentOutOfRangeException(nameof(a), $"rating {i} outside 0..{classes - 1}");
            m[a[i], b[i]]++;
        }
        double n = a.Count, po = 0, pe = 0;
        for (var k = 0; k < classes; k++)
        {
            po += m[k, k];
            double row = 0, col = 0;
            for (var j = 0; j < classes; j++) { row += m[k, j]; col += m[j, k]; }
            pe += row * col;
        }
        po /= n;
        pe /= n * n;
        return pe >= 1 ? 1 : (po - pe) / (1 - pe);
    }
}
