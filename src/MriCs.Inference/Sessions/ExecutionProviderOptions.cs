namespace MriCs.Inference.Sessions;

public enum ExecutionProviderPreference
{
    /// <summary>CUDA when it loads, CPU otherwise.</summary>
    Auto,
    /// <summary>CUDA only: fail when it cannot load.</summary>
    Cuda,
    Cpu,
}

/// <summary>How sessions are created: provider, CUDA device id and CPU thread counts (0 = ORT default).</summary>
public sealed record ExecutionProviderOptions
{
    public ExecutionProviderPreference Provider { get; init; } = ExecutionProviderPreference.Auto;
    public int DeviceId { get; init; }
    public int IntraOpThreads { get; init; }
    public int InterOpThreads { get; init; } = 1;

    public static ExecutionProviderOptions Parse(string? provider, int deviceId = 0, int intraOpThreads = 0) => new()
    {
        Provider = provider?.ToLowerInvariant() switch
        {
            null or "" or "auto" => ExecutionProviderPreference.Auto,
            "cuda" or "gpu" => ExecutionProviderPreference.Cuda,
            "cpu" => ExecutionProviderPreference.Cpu,
            _ => throw new ArgumentException($"unknown execution provider '{provider}' (auto, cuda or cpu)", nameof(provider)),
        },
        DeviceId = deviceId >= 0 ? deviceId : throw new ArgumentException("device id must be >= 0", nameof(deviceId)),
        IntraOpThreads = intraOpThreads >= 0 ? intraOpThreads : throw new ArgumentException("thread count must be >= 0", nameof(intraOpThreads)),
    };
}
