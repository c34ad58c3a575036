namespace MriCs.Evaluation.Statistics;

/// <summary>
/// Cohen's kappa for one confusion matrix. When kappa is undefined (no pairs, or both raters
/// used one and the same class so the expected disagreement is zero) <see cref="Kappa"/> is
/// null and <see cref="UndefinedReason"/> says why; no NaN is ever exposed.
/// </summary>
public sealed record KappaEstimate(
    KappaWeighting Weighting,
    long N,
    double ObservedAgreement,
    double ExpectedAgreement,
    double? Kappa,
    double? StandardError,
    double? NullStandardError,
    double? MaxKappa,
    string? UndefinedReason)
{
    /// <summary>A warning about a defined kappa that is hard to read (one side uses a single class).</summary>
    public string? Caveat { get; init; }

    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    public bool IsDefined => Kappa.HasValue;

    /// <summary>Asymptotic 95 % CI, kappa ± 1.96·SE (the non-null SE, as SPSS's ASE), clipped to [-1, 1].</summary>
    public (double Low, double High)? AsymptoticCi =>
        Kappa is { } k && StandardError is { } se
            ? (Math.Max(-1.0, k - Z95 * se), Math.Min(1.0, k + Z95 * se))
            : null;

    /// <summary>z = kappa / SE under H0 (kappa = 0).</summary>
    public double? Z => Kappa is { } k && NullStandardError is { } se0 && se0 > 0 ? k / se0 : null;

    /// <summary>Two-sided p-value of H0: kappa = 0 (normal approximation).</summary>
    public double? PValue => Z is { } z ? NormalDistribution.TwoSidedP(z) : null;

    public static KappaEstimate Undefined(KappaWeighting weighting, long n, double po, double pe, string reason) =>
        new(weighting, n, po, pe, null, null, null, null, reason);
}
