using System.Text.Json;
using System.Text.Json.Serialization;

namespace MriCs.Inference.Manifest;

/// <summary>models/manifest.json: every model file with its contract, and the model sets built from them.</summary>
public sealed record ModelManifest(
    int SchemaVersion,
    string? Note,
    IReadOnlyList<ModelEntry> Models,
    IReadOnlyList<ModelSet> ModelSets)
{
    public ModelEntry Model(string id) =>
        Models.FirstOrDefault(m => m.Id == id) ?? throw new ModelContractException(id, "is not in the manifest");
}

public sealed record ModelEntry(
    string Id,
    string Role,
    string File,
    string Sha256,
    string? Version,
    int? DlVersion,
    string? Backbone,
    string? Architecture,
    TensorContract Input,
    IReadOnlyList<string> Outputs,
    PreprocessingContract Preprocessing,
    IReadOnlyDictionary<string, string>? ClassMap,
    double? ScoreThreshold,
    GoldenVectors? Golden,
    JsonElement? Provenance)
{
    public bool IsDetector => Role == ModelRoles.Detector;
    public bool IsClassifier => Role == ModelRoles.Classifier;
}

public static class ModelRoles
{
    public const string Detector = "detector";
    public const string Classifier = "classifier";
}

/// <summary>Name, shape (-1 = dynamic), layout and element type of a model input.</summary>
public sealed record TensorContract(string Name, IReadOnlyList<int> Shape, string Layout, string Dtype);

/// <summary>How an image becomes the model input (models/training/preprocess.py does the same).</summary>
public sealed record PreprocessingContract(
    string Mode,
    int Size,
    double? PadValue,
    string? Scale,
    IReadOnlyList<double>? Mean,
    IReadOnlyList<double>? Std,
    string? ChannelOrder);

public sealed record GoldenVectors(string Input, IReadOnlyList<int> InputShape, IReadOnlyDictionary<string, GoldenTensor> Outputs);

public sealed record GoldenTensor(string File, IReadOnlyList<int> Shape);

/// <summary>A DL version (detector + one classifier) or the ensemble (detector + all four).</summary>
public sealed record ModelSet(string Id, string Detector, IReadOnlyList<string> Classifiers);

public static class ManifestJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };
}
