namespace MriCs.Inference.Batching;

/// <summary>Dynamic batching like Triton's: a batch forms at MaxBatchSize, at a preferred size when nothing more is waiting, or after MaxQueueDelay.</summary>
public sealed record BatcherOptions
{
    public int MaxBatchSize { get; init; } = 16;
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(5);
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];
    /// <summary>Requests waiting beyond this are refused with <see cref="EnqueueStatus.QueueFull"/> (the caller applies backpressure).</summary>
    public int QueueCapacity { get; init; } = 256;
    /// <summary>A request not started within this time fails with <see cref="TimeoutException"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Batches run at once (Triton's instance count): loops sharing the queue and the session; ORT sessions
    /// run concurrently. On a CPU, two single-threaded instances can beat one two-threaded one (the detector's many
    /// small operators scale poorly across threads).</summary>
    public int Instances { get; init; } = 1;

    public void Validate()
    {
        if (MaxBatchSize < 1) throw new ArgumentException($"MaxBatchSize must be >= 1 (is {MaxBatchSize})");
        if (MaxQueueDelay < TimeSpan.Zero) throw new ArgumentException("MaxQueueDelay must not be negative");
        if (QueueCapacity < MaxBatchSize) throw new ArgumentException($"QueueCapacity ({QueueCapacity}) must be >= MaxBatchSize ({MaxBatchSize})");
        if (PreferredBatchSizes.Any(p => p < 1 || p > MaxBatchSize))
            throw new ArgumentException($"preferred batch sizes must lie in 1..{MaxBatchSize}");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("RequestTimeout must be positive");
        if (Instances is < 1 or > 64) throw new ArgumentException($"Instances must be in 1..64 (is {Instances})");
    }
}

public enum EnqueueStatus
{
    Accepted,
    QueueFull,
    Stopped,
}

/// <summary>Counters of one batcher, read by metrics and the `gpu slots` command.</summary>
public sealed record BatcherStats(int QueueDepth, long Completed, long Failed, long TimedOut, long Batches, IReadOnlyDictionary<int, long> BatchSizes);
