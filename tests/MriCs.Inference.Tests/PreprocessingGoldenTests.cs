using System.Text.Json;
using MriCs.Inference.Manifest;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Verification;

namespace MriCs.Inference.Tests;

/// <summary>C# preprocessing against the training recipe's Python (models/golden/preproc, written by models/training/golden_preproc.py).</summary>
public class PreprocessingGoldenTests
{
    private sealed record Case(string Name, int Width, int Height, string Image, int DetectorSize, string DetectorInput,
        float[] Box, int[] MappedBox, int ClassifierSize, double PadValue, double[] Mean, double[] Std, string ClassifierInput);

    private sealed record Cases(IReadOnlyList<Case> Items);

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models", "golden", "preproc");
            if (File.Exists(Path.Combine(candidate, "cases.json"))) return candidate;
        }
        throw new FileNotFoundException("models/golden/preproc/cases.json not found above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<Case> Load(string folder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "cases.json")));
        return doc.RootElement.GetProperty("cases").Deserialize<List<Case>>(ManifestJson.Options)!;
    }

    [Fact]
    public void Python_and_csharp_preprocessing_agree()
    {
        var folder = Folder();
        var cases = Load(folder);
        Assert.True(cases.Count >= 3);
        foreach (var c in cases)
        {
            var image = new GrayImage(c.Width, c.Height, File.ReadAllBytes(Path.Combine(folder, c.Image)));

            var detector = ModelInputs.Detector(image, c.DetectorSize);
            var expectedDetector = RawTensors.ReadFloat32(Path.Combine(folder, c.DetectorInput), [3, c.DetectorSize, c.DetectorSize]);
            Assert.True(MaxAbsDiff(detector, expectedDetector) <= 1e-5, $"{c.Name}: detector input differs by {MaxAbsDiff(detector, expectedDetector)}");

            var mapped = ModelInputs.MapDetectorBox(new BoxF(c.Box[0], c.Box[1], c.Box[2], c.Box[3]), c.DetectorSize, c.Width, c.Height);
            Assert.Equal(new PixelBox(c.MappedBox[0], c.MappedBox[1], c.MappedBox[2], c.MappedBox[3]), mapped);

            var contract = new PreprocessingContract("letterbox", c.ClassifierSize, c.PadValue, "0..1", c.Mean, c.Std, "RGB");
            var classifier = new float[3 * c.ClassifierSize * c.ClassifierSize];
            ModelInputs.Classifier(image.Crop(mapped), contract, classifier);
            var expectedClassifier = RawTensors.ReadFloat32(Path.Combine(folder, c.ClassifierInput), [3, c.ClassifierSize, c.ClassifierSize]);
            Assert.True(MaxAbsDiff(classifier, expectedClassifier) <= 1e-4, $"{c.Name}: classifier input differs by {MaxAbsDiff(classifier, expectedClassifier)}");
        }
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
