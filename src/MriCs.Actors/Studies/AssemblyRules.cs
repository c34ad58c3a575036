namespace MriCs.Actors.Studies;

/// <summary>
/// How a study becomes slice tasks (configuration section MriCs:Ingest:Assembly). Defaults follow the
/// study: MR, axial (slice normal within <see cref="MaxAxialTiltDegrees"/> of the patient's
/// head-feet axis), T2 (series description matches one of <see cref="T2DescriptionPatterns"/>, or
/// without one the echo and repetition times are T2-like).
/// </summary>
public sealed record AssemblyRules
{
    /// <summary>Unset: ["t2"]. (Lists have no defaults in the bound object: configuration binding appends to them.)</summary>
    public IReadOnlyList<string>? T2DescriptionPatterns { get; init; }
    public IReadOnlyList<string> T2Patterns => T2DescriptionPatterns is { Count: > 0 } p ? p : ["t2"];
    /// <summary>Series described as one of these are never T2 (e.g. "t2*" gradient echo is not what the study used).</summary>
    public IReadOnlyList<string>? ExcludedDescriptionPatterns { get; init; }
    public IReadOnlyList<string> ExcludedPatterns => ExcludedDescriptionPatterns ?? ["t1", "flair", "stir", "localizer", "scout", "t2*"];
    /// <summary>T2-like timing when the description says nothing: TE (ms) at least this...</summary>
    public double MinT2EchoTimeMs { get; init; } = 60;
    /// <summary>...and TR (ms) at least this.</summary>
    public double MinT2RepetitionTimeMs { get; init; } = 1500;
    public double MaxAxialTiltDegrees { get; init; } = 35;
    /// <summary>Two orientations closer than this (degrees between normals) belong to the same slab.</summary>
    public double SlabOrientationToleranceDegrees { get; init; } = 2;
    /// <summary>A gap above this multiple of the typical in-slab spacing starts a new slab.</summary>
    public double SlabGapFactor { get; init; } = 2.0;

    public IEnumerable<string> Validate()
    {
        if (MinT2EchoTimeMs < 0) yield return "Assembly.MinT2EchoTimeMs must not be negative";
        if (MaxAxialTiltDegrees is <= 0 or >= 90) yield return $"Assembly.MaxAxialTiltDegrees must lie in (0, 90), is {MaxAxialTiltDegrees}";
        if (SlabGapFactor <= 1) yield return $"Assembly.SlabGapFactor must be > 1, is {SlabGapFactor}";
    }
}
