namespace MriCs.Evaluation.Statistics;

/// <summary>How disagreements between ordinal grades are weighted.</summary>
public enum KappaWeighting
{
    /// <summary>Cohen's kappa: any disagreement counts fully.</summary>
    Unweighted,
    /// <summary>Agreement weight 1 - |i-j|/(k-1) (Cicchetti-Allison).</summary>
    Linear,
    /// <summary>Agreement weight 1 - (i-j)²/(k-1)² (Fleiss-Cohen).</summary>
    Quadratic,
}

public static class KappaWeights
{
    /// <summary>Agreement weights w[i,j] in [0,1], 1 on the diagonal, row-major.</summary>
    public static double[] Agreement(int classes, KappaWeighting weighting)
    {
        var w = new double[classes * classes];
        double span = classes - 1;
        for (var i = 0; i < classes; i++)
            for (var j = 0; j < classes; j++)
            {
                double d = Math.Abs(i - j);
                w[i * classes + j] = weighting switch
                {
                    KappaWeighting.Unweighted => i == j ? 1.0 : 0.0,
                    KappaWeighting.Linear => 1.0 - d / span,
                    KappaWeighting.Quadratic => 1.0 - d * d / (span * span),
                    _ => throw new ArgumentOutOfRangeException(nameof(weighting)),
                };
            }
        return w;
    }
}
