namespace MriCs.Evaluation.Statistics;

/// <summary>Standard normal tail probabilities from erfc (power series below 2, continued fraction above).</summary>
public static class NormalDistribution
{
    /// <summary>P(|Z| ≥ |z|) for a standard normal Z.</summary>
    public static double TwoSidedP(double z) => Erfc(Math.Abs(z) / Math.Sqrt(2.0));

    /// <summary>Complementary error function, relative error below 1e-14 for x ≥ 0.</summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2.0 - Erfc(-x);
        if (x < 2.0)
        {
            // erf series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = x, term = x, x2 = x * x;
            for (var n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return 1.0 - 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        // Continued fraction (Lentz) for x ≥ 2: erfc(x) = exp(-x²)/sqrt(pi) · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))).
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (var n = 1; n < 500; n++)
        {
            var a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
