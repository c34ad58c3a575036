namespace MriCs.Evaluation.Analysis;

/// <summary>What is compared with what: image by image, or one grade per patient.</summary>
public enum AnalysisUnit
{
    /// <summary>One item per (patient, disc level): the study's 120 images.</summary>
    Image,
    /// <summary>One item per patient, graded by the highest grade over the patient's levels
    /// (the most severe level drives the surgical recommendation). Both sides are aggregated over
    /// the same matched levels.</summary>
    Patient,
}

public sealed record AgreementOptions
{
    /// <summary>Units analysed; both by default (the study's CIs look per patient, its counts per image).</summary>
    public IReadOnlyList<AnalysisUnit> Units { get; init; } = [AnalysisUnit.Image, AnalysisUnit.Patient];

    /// <summary>Cluster bootstrap replicates per cell; 0 turns the bootstrap off.</summary>
    public int BootstrapReplicates { get; init; } = 2000;

    /// <summary>Seed of the bootstrap generator; the same seed gives the same intervals everywhere.</summary>
    public ulong Seed { get; init; } = 20240716;

    /// <summary>Two-sided confidence level of every interval.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Model shown as "overall"; default: "ensemble" when present, else the first model by name.</summary>
    public string? PrimaryModel { get; init; }

    /// <summary>Reference shown as "overall"; default: the consensus with several raters, else the only rater.</summary>
    public string? PrimaryTarget { get; init; }

    /// <summary>Compare models with each other and with the surgeons (paired bootstrap of the kappa difference).</summary>
    public bool Comparisons { get; init; } = true;

    /// <summary>Throw when a prediction has no reference or a reference no prediction, instead of listing them.</summary>
    public bool RequireComplete { get; init; }

    /// <summary>At most this many unmatched keys are listed (all are counted).</summary>
    public int MaxListedUnmatched { get; init; } = 100;

    public void Validate()
    {
        if (Units.Count == 0) throw new ArgumentException("at least one unit");
        if (BootstrapReplicates is < 0 or > 1_000_000) throw new ArgumentOutOfRangeException(nameof(BootstrapReplicates), "0..1000000");
        if (ConfidenceLevel is <= 0.5 or >= 1) throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), "between 0.5 and 1");
        if (MaxListedUnmatched < 0) throw new ArgumentOutOfRangeException(nameof(MaxListedUnmatched));
    }
}
