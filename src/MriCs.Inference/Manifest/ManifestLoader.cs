using System.Security.Cryptography;
using System.Text.Json;

namespace MriCs.Inference.Manifest;

/// <summary>Reads models/manifest.json and checks that it is self-consistent.</summary>
public static class ManifestLoader
{
    public const string FileName = "manifest.json";

    public static ModelManifest Load(string modelsDirectory)
    {
        var path = Path.Combine(modelsDirectory, FileName);
        if (!File.Exists(path)) throw new ManifestException(path, "not found (train or copy a model set into this folder; see models/MODEL_CARD.md)");
        ModelManifest? manifest;
        try
        {
            using var stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize<ModelManifest>(stream, ManifestJson.Options);
        }
        catch (JsonException ex)
        {
            throw new ManifestException(path, $"invalid JSON at line {ex.LineNumber + 1}: {ex.Message}");
        }
        if (manifest is null) throw new ManifestException(path, "is empty");
        var problems = Validate(manifest).ToList();
        if (problems.Count > 0) throw new ManifestException(path, string.Join("; ", problems));
        return manifest;
    }

    public static IEnumerable<string> Validate(ModelManifest manifest)
    {
        if (manifest.SchemaVersion != 1) yield return $"schemaVersion {manifest.SchemaVersion} is not supported (expected 1)";
        if (manifest.Models is null || manifest.Models.Count == 0) { yield return "no models"; yield break; }
        foreach (var dup in manifest.Models.GroupBy(m => m.Id).Where(g => g.Count() > 1))
            yield return $"model id '{dup.Key}' appears {dup.Count()} times";
        foreach (var m in manifest.Models)
        {
            foreach (var p in ValidateModel(m)) yield return $"model '{m.Id}' {p}";
        }
        foreach (var set in manifest.ModelSets ?? [])
        {
            var detector = manifest.Models.FirstOrDefault(m => m.Id == set.Detector);
            if (detector is null || !detector.IsDetector) yield return $"model set '{set.Id}' names detector '{set.Detector}', which is not a detector in the manifest";
            if (set.Classifiers is null || set.Classifiers.Count == 0) { yield return $"model set '{set.Id}' has no classifiers"; continue; }
            foreach (var c in set.Classifiers)
            {
                var cm = manifest.Models.FirstOrDefault(m => m.Id == c);
                if (cm is null || !cm.IsClassifier) yield return $"model set '{set.Id}' names classifier '{c}', which is not a classifier in the manifest";
            }
        }
    }

    private static IEnumerable<string> ValidateModel(ModelEntry m)
    {
        if (m.Role is not (ModelRoles.Detector or ModelRoles.Classifier)) yield return $"has unknown role '{m.Role}'";
        if (string.IsNullOrWhiteSpace(m.File) || Path.IsPathRooted(m.File) || m.File.Contains("..", StringComparison.Ordinal))
            yield return $"file '{m.File}' must be a path inside the models folder";
        if (m.Sha256 is null || m.Sha256.Length != 64 || !m.Sha256.All(Uri.IsHexDigit)) yield return "sha256 must be 64 hex digits";
        if (m.Input is null) { yield return "has no input contract"; yield break; }
        if (m.Input.Dtype != "float32") yield return $"input dtype '{m.Input.Dtype}' is not float32";
        if (m.Preprocessing is null) { yield return "has no preprocessing contract"; yield break; }
        if (m.IsDetector)
        {
            if (m.Input.Shape.Count != 3 || m.Input.Shape[0] != 3 || m.Input.Shape[1] != m.Preprocessing.Size || m.Input.Shape[2] != m.Preprocessing.Size)
                yield return $"detector input shape [{string.Join(",", m.Input.Shape)}] does not match [3,{m.Preprocessing.Size},{m.Preprocessing.Size}]";
            if (m.Preprocessing.Mode != "resize") yield return $"detector preprocessing mode '{m.Preprocessing.Mode}' is not 'resize'";
            foreach (var o in new[] { "boxes", "scores" })
                if (!m.Outputs.Contains(o)) yield return $"detector outputs lack '{o}'";
        }
        if (m.IsClassifier)
        {
            if (m.Input.Shape.Count != 4 || m.Input.Shape[1] != 3 || m.Input.Shape[2] != m.Preprocessing.Size || m.Input.Shape[3] != m.Preprocessing.Size)
                yield return $"classifier input shape [{string.Join(",", m.Input.Shape)}] does not match [N,3,{m.Preprocessing.Size},{m.Preprocessing.Size}]";
            if (m.Preprocessing.Mode != "letterbox") yield return $"classifier preprocessing mode '{m.Preprocessing.Mode}' is not 'letterbox'";
            if (m.Preprocessing.Mean is not { Count: 3 } || m.Preprocessing.Std is not { Count: 3 } || m.Preprocessing.Std.Any(s => s <= 0))
                yield return "classifier preprocessing needs 3 means and 3 positive stds";
            if (m.Outputs.Count < 1) yield return "classifier has no outputs";
        }
    }

    /// <summary>Lowercase hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Full path of the model's file, refusing a missing file or one whose SHA-256 differs from the manifest.</summary>
    public static string VerifiedPath(string modelsDirectory, ModelEntry model)
    {
        var path = Path.Combine(modelsDirectory, model.File);
        if (!File.Exists(path)) throw new ModelContractException(model.Id, $"file '{model.File}' is missing");
        var actual = Sha256Of(path);
        if (!string.Equals(actual, model.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelContractException(model.Id, $"file '{model.File}' has sha256 {actual}, manifest says {model.Sha256} (altered or wrong file)");
        return path;
    }
}
