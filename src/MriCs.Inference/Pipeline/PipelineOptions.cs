using MriCs.Inference.Batching;

namespace MriCs.Inference.Pipeline;

/// <summary>Thresholds of the slice pipeline and the batching of its models.</summary>
public sealed record PipelineOptions
{
    /// <summary>Overrides the manifest's detector score threshold when set.</summary>
    public double? DetectorScoreThreshold { get; init; }
    /// <summary>Below this standard deviation of 8-bit gray the image counts as blank.</summary>
    public double BlankStdDev { get; init; } = 2.0;
    /// <summary>An ROI smaller than this many pixels on a side, or larger than this fraction of the image, is implausible.</summary>
    public int MinRoiSide { get; init; } = 6;
    public double MaxRoiAreaFraction { get; init; } = 0.5;
    /// <summary>The ensemble's top probability must reach this for a grade.</summary>
    public double MinConfidence { get; init; } = 0.5;
    public BatcherOptions DetectorBatching { get; init; } = new() { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromMilliseconds(2) };
    public BatcherOptions ClassifierBatching { get; init; } = new() { MaxBatchSize = 32, MaxQueueDelay = TimeSpan.FromMilliseconds(5), PreferredBatchSizes = [8, 16, 32] };
}
