using System.Text.Json;
using MriCs.Inference.Manifest;
using MriCs.Inference.Sessions;

namespace MriCs.Inference.Tests;

public class ManifestTests
{
    private static ModelEntry Classifier(string id = "dl1", string input = "input", int size = 128) => new(
        id, ModelRoles.Classifier, $"{id}.onnx", new string('a', 64), "1", 1, "mnasnet", null,
        new TensorContract(input, [-1, 3, size, size], "NCHW", "float32"), ["logits"],
        new PreprocessingContract("letterbox", size, 125, "0-1", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], "RGB"),
        null, null, null, null);

    private static ModelEntry Detector() => new(
        "det", ModelRoles.Detector, "det.onnx", new string('b', 64), "1", null, null, "fasterrcnn",
        new TensorContract("image", [3, 448, 448], "CHW", "float32"), ["boxes", "labels", "scores"],
        new PreprocessingContract("resize", 448, null, "0-1", null, null, "RGB"), null, 0.5, null, null);

    [Fact]
    public void A_consistent_manifest_has_no_problems()
    {
        var m = new ModelManifest(1, null, [Detector(), Classifier()], [new ModelSet("dl1", "det", ["dl1"])]);
        Assert.Empty(ManifestLoader.Validate(m));
    }

    [Fact]
    public void Problems_name_the_model_and_the_mismatch()
    {
        var bad = Classifier() with { Input = new TensorContract("input", [-1, 3, 224, 224], "NCHW", "float32") };
        var m = new ModelManifest(1, null, [Detector(), bad], [new ModelSet("dl1", "det", ["nope"])]);
        var problems = ManifestLoader.Validate(m).ToList();
        Assert.Contains(problems, p => p.Contains("model 'dl1'") && p.Contains("[N,3,128,128]"));
        Assert.Contains(problems, p => p.Contains("model set 'dl1'") && p.Contains("'nope'"));
    }

    [Fact]
    public void Contract_check_refuses_a_renamed_input_and_a_wrong_size()
    {
        var model = Classifier();
        Assert.Null(ContractCheck.Find(model, new Dictionary<string, int[]> { ["input"] = [-1, 3, 128, 128] }, ["logits"]));
        Assert.Contains("named 'x'", ContractCheck.Find(model, new Dictionary<string, int[]> { ["x"] = [-1, 3, 128, 128] }, ["logits"]));
        Assert.Contains("axis 2 is 224", ContractCheck.Find(model, new Dictionary<string, int[]> { ["input"] = [-1, 3, 224, 224] }, ["logits"]));
        Assert.Contains("lacks output(s) logits", ContractCheck.Find(model, new Dictionary<string, int[]> { ["input"] = [-1, 3, 128, 128] }, ["output"]));
    }

    [Fact]
    public void Loader_reports_missing_manifest_and_bad_json_with_the_path()
    {
        var dir = Directory.CreateTempSubdirectory("mrics-manifest").FullName;
        try
        {
            var missing = Assert.Throws<ManifestException>(() => ManifestLoader.Load(dir));
            Assert.Contains("manifest.json", missing.Message);
            File.WriteAllText(Path.Combine(dir, "manifest.json"), "{ \"schemaVersion\": 1, \"models\": [ }");
            var bad = Assert.Throws<ManifestException>(() => ManifestLoader.Load(dir));
            Assert.Contains("invalid JSON", bad.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Altered_model_file_is_refused_by_hash()
    {
        var dir = Directory.CreateTempSubdirectory("mrics-manifest").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dl1.onnx"), [1, 2, 3]);
            var model = Classifier() with { Sha256 = ManifestLoader.Sha256Of(Path.Combine(dir, "dl1.onnx")) };
            Assert.EndsWith("dl1.onnx", ManifestLoader.VerifiedPath(dir, model));
            File.WriteAllBytes(Path.Combine(dir, "dl1.onnx"), [1, 2, 4]);
            var ex = Assert.Throws<ModelContractException>(() => ManifestLoader.VerifiedPath(dir, model));
            Assert.Contains("model 'dl1'", ex.Message);
            Assert.Contains("sha256", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Manifest_round_trips_through_json_with_camel_case()
    {
        var m = new ModelManifest(1, "synthetic", [Detector(), Classifier()], [new ModelSet("dl1", "det", ["dl1"])]);
        var json = JsonSerializer.Serialize(m, ManifestJson.Options);
        Assert.Contains("\"schemaVersion\":1", json);
        var back = JsonSerializer.Deserialize<ModelManifest>(json, ManifestJson.Options)!;
        Assert.Equal("image", back.Model("det").Input.Name);
        Assert.Equal(128, back.Model("dl1").Preprocessing.Size);
    }
}
