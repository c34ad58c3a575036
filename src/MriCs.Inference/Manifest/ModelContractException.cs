namespace MriCs.Inference.Manifest;

/// <summary>A model that is missing, altered or does not match its contract. Names the model and the mismatch.</summary>
public sealed class ModelContractException(string modelId, string problem)
    : Exception($"model '{modelId}' {problem}")
{
    public string ModelId { get; } = modelId;
    public string Problem { get; } = problem;
}

/// <summary>manifest.json itself cannot be read or is inconsistent.</summary>
public sealed class ManifestException(string path, string problem) : Exception($"{path}: {problem}");
