using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;
using MriCs.Inference.Verification;
using MriCs.Phantom;

namespace MriCs.Inference.Tests;

/// <summary>The committed demo model set (models/) through the real ONNX Runtime, CPU provider.</summary>
public class DemoModelTests
{
    private static string ModelsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models");
            if (File.Exists(Path.Combine(candidate, "manifest.json"))) return candidate;
        }
        throw new FileNotFoundException("models/manifest.json not found above " + AppContext.BaseDirectory);
    }

    private static OnnxSessionFactory Cpu() => new(new ExecutionProviderOptions { Provider = ExecutionProviderPreference.Cpu });

    [Fact]
    public void Every_model_matches_its_golden_vectors_within_1e4()
    {
        var dir = ModelsFolder();
        var manifest = ManifestLoader.Load(dir);
        var results = new ModelVerifier(Cpu()).VerifyAll(dir, manifest);
        Assert.Equal(manifest.Models.Count, results.Count);
        Assert.True(manifest.Models.Count(m => m.IsClassifier) >= 4, "the demo set has four classifiers");
        foreach (var r in results)
        {
            Assert.True(r.Sha256Ok, $"{r.Id}: sha256");
            Assert.True(r.Loaded, $"{r.Id}: {r.Error}");
            Assert.NotNull(r.MaxAbsDiff);
            Assert.True(r.ParityOk && r.MaxAbsDiff <= 1e-4, $"{r.Id}: max |diff| {r.MaxAbsDiff}");
        }
    }

    [Fact]
    public void An_altered_model_file_is_refused_naming_the_model()
    {
        var source = ModelsFolder();
        var manifest = ManifestLoader.Load(source);
        var model = manifest.Models.First(m => m.IsClassifier);
        var copy = Directory.CreateTempSubdirectory("mrics-altered-");
        try
        {
            var bytes = File.ReadAllBytes(Path.Combine(source, model.File));
            bytes[bytes.Length / 2] ^= 0x5A; // one flipped byte in the weights
            File.WriteAllBytes(Path.Combine(copy.FullName, model.File), bytes);
            var ex = Assert.Throws<ModelContractException>(() => Cpu().Create(copy.FullName, model));
            Assert.Contains(model.Id, ex.Message);
            Assert.Contains("sha256", ex.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Phantom_slices_get_an_roi_near_the_truth_and_the_true_grade_mostly()
    {
        var dir = ModelsFolder();
        var manifest = ManifestLoader.Load(dir);
        await using var pipeline = SlicePipeline.Create(dir, manifest, "ensemble", Cpu());
        pipeline.WarmUp();
        // Unseen seed: not the training seed.
        var slices = PhantomGenerator.Patients(new PhantomOptions(Seed: 777), 5).SelectMany(p => p.Slices).ToList();
        var correct = 0;
        var goodBoxes = 0;
        foreach (var s in slices)
        {
            Assert.Equal(EnqueueStatusAccepted, pipeline.TrySubmit(new GrayImage(s.Width, s.Height, s.ToGray8()), default, out var task));
            var r = await task;
            if (r.Outcome != SliceOutcome.Graded) continue;
            var truth = new PixelBox(s.Roi.X0, s.Roi.Y0, s.Roi.X1, s.Roi.Y1);
            if (Iou(r.Roi!.Value, truth) >= 0.5) goodBoxes++;
            var grade = Array.IndexOf(r.MeanProbabilities!, r.MeanProbabilities!.Max());
            if (grade == s.Grade) correct++;
        }
        Assert.True(goodBoxes >= slices.Count * 0.9, $"{goodBoxes}/{slices.Count} ROIs with IoU >= 0.5");
        Assert.True(correct >= slices.Count * 0.8, $"{correct}/{slices.Count} slices graded as the phantom's truth");
    }

    [Fact]
    public async Task A_blank_slice_and_pure_noise_get_a_reason_not_a_grade()
    {
        var dir = ModelsFolder();
        var manifest = ManifestLoader.Load(dir);
        await using var pipeline = SlicePipeline.Create(dir, manifest, "ensemble", Cpu());
        var blank = new GrayImage(300, 260, new byte[300 * 260]);
        pipeline.TrySubmit(blank, default, out var t1);
        var r1 = await t1;
        Assert.NotEqual(SliceOutcome.Graded, r1.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(r1.Reason));

        var rng = new Random(3);
        var noise = new byte[320 * 320];
        rng.NextBytes(noise);
        pipeline.TrySubmit(new GrayImage(320, 320, noise), default, out var t2);
        var r2 = await t2;
        Assert.NotEqual(SliceOutcome.Graded, r2.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(r2.Reason));
    }

    private const Batching.EnqueueStatus EnqueueStatusAccepted = Batching.EnqueueStatus.Accepted;

    private static double Iou(PixelBox a, PixelBox b)
    {
        var w = Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0);
        var h = Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0);
        if (w <= 0 || h <= 0) return 0;
        var inter = (double)w * h;
        return inter / ((double)a.Width * a.Height + (double)b.Width * b.Height - inter);
    }

    [Fact]
    public async Task Two_detector_instances_give_the_same_results_as_one()
    {
        var dir = ModelsFolder();
        var manifest = ManifestLoader.Load(dir);
        var slices = PhantomGenerator.Patients(new PhantomOptions(Seed: 778), 3).SelectMany(p => p.Slices)
            .Select(s => new GrayImage(s.Width, s.Height, s.ToGray8())).ToList();
        async Task<List<SliceResult>> RunAll(int instances)
        {
            var options = new PipelineOptions { DetectorBatching = new PipelineOptions().DetectorBatching with { Instances = instances } };
            var single = new OnnxSessionFactory(new ExecutionProviderOptions { Provider = ExecutionProviderPreference.Cpu, IntraOpThreads = 1 });
            await using var pipeline = SlicePipeline.Create(dir, manifest, "ensemble", single, options);
            var tasks = new List<Task<SliceResult>>();
            foreach (var image in slices) // all submitted at once, so two detector runs overlap
            {
                Assert.Equal(EnqueueStatusAccepted, pipeline.TrySubmit(image, default, out var task));
                tasks.Add(task);
            }
            return [.. await Task.WhenAll(tasks)];
        }
        var one = await RunAll(1);
        var two = await RunAll(2);
        Assert.Equal(slices.Count, two.Count);
        for (var i = 0; i < one.Count; i++)
        {
            Assert.Equal(one[i].Outcome, two[i].Outcome);
            Assert.Equal(one[i].Roi, two[i].Roi);
            Assert.Equal(one[i].Votes.Select(v => (v.ModelId, v.Grade)), two[i].Votes.Select(v => (v.ModelId, v.Grade)));
            foreach (var (a, b) in one[i].Votes.Zip(two[i].Votes))
                for (var k = 0; k < a.Probabilities.Length; k++)
                    Assert.True(Math.Abs(a.Probabilities[k] - b.Probabilities[k]) <= 1e-5, $"slice {i} {a.ModelId} p{k}: {a.Probabilities[k]} vs {b.Probabilities[k]}");
        }
    }
}
