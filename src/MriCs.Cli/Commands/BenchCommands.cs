using System.Text.Json;
using MriCs.Inference.Benchmarks;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Cli.Commands;

/// <summary>`bench inference`: the slice pipeline against the bare ONNX Runtime sessions, same slices, same run.</summary>
public static class BenchCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench inference", "bench inference [--slices N] [--patients P] [--model-set ID] [--models DIR] [--provider auto|cpu|cuda] [--threads N] [--detector-instances N] [--study-way [--weights DIR] [--study-images N] [--study-data DIR]] [--json]", Inference, "json", "study-way"),
    ];

    // A bounded window of slices in flight (what a GPU-worker slot admits): enough to fill the
    // classifier batches, small enough that no slice waits near its timeout on a CPU.
    private static readonly PipelineOptions BenchOptions = new()
    {
        DetectorBatching = new() { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromMilliseconds(2), QueueCapacity = 32 },
    };

    private static int Inference(CliArgs args, CliContext ctx)
    {
        var slices = args.Int("slices", 2000);
        var patients = args.Int("patients", 16);
        if (slices < 1 || patients < 1) throw new CliUsageException("--slices and --patients must be >= 1");
        var dir = CliPaths.Models(args);
        ModelManifest manifest;
        try { manifest = ManifestLoader.Load(dir); }
        catch (ManifestException ex) { ctx.Error.WriteLine($"mrics bench inference: {ex.Message}"); return 2; }
        var setId = args.Option("model-set") ?? manifest.ModelSets.FirstOrDefault(s => s.Classifiers.Count > 1)?.Id ?? manifest.ModelSets[0].Id;
        var set = manifest.ModelSets.FirstOrDefault(s => s.Id == setId) ?? throw new CliUsageException($"--model-set '{setId}' is not in {dir}/manifest.json");
        var studyWay = args.Flag("study-way");
        var weights = args.Option("weights") ?? dir;
        var studyImages = args.Int("study-images", 100);
        if (studyWay)
        {
            // Same weights or no comparison: the .pt files the ONNX models were exported from.
            var missing = StudyWayBaseline.MissingWeights(weights, set.Detector, set.Classifiers);
            if (missing.Count > 0)
            {
                ctx.Error.WriteLine($"mrics bench inference --study-way: no PyTorch weights {string.Join(", ", missing)} in {weights}. " +
                    "The baseline must run the weights the ONNX models were exported from: models/training/run_all.sh writes <id>.pt beside <id>.onnx (pass that folder as --models, or --weights).");
                return 2;
            }
            if (studyImages < 2) throw new CliUsageException("--study-images must be >= 2 (the first image pays for initialisation and is not timed)");
            if (StudyWayBaseline.Preflight() is { } problem)
            {
                ctx.Error.WriteLine($"mrics bench inference --study-way: {problem}");
                return 2;
            }
        }

        // Synthetic phantom slices (seeded): the graded axial T2 key images, written as DICOM Part 10 bytes in
        // memory; the pipeline side decodes them on every iteration.
        var options = new PhantomOptions(Seed: 20261127);
        var study = new StudyOptions { Distractors = false };
        var dicom = Enumerable.Range(0, patients)
            .SelectMany(i => PhantomStudy.Build(options, i, study))
            .Where(f => f.Truth is not null)
            .Select(f => f.File.ToBytes())
            .ToList();
        var threads = args.Int("threads", 0);
        var factory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider"), intraOpThreads: threads));
        var detectorInstances = args.Int("detector-instances", 1);
        var benchOptions = BenchOptions with { DetectorBatching = BenchOptions.DetectorBatching with { Instances = detectorInstances } };
        try { benchOptions.DetectorBatching.Validate(); }
        catch (ArgumentException ex) { throw new CliUsageException($"--detector-instances: {ex.Message}"); }
        // The bare-sessions baseline always runs one session per model with ORT's default threads (all cores): its best.
        var baselineFactory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider")));
        var result = InferenceBenchmark.RunAsync(dir, manifest, setId, factory, dicom, slices, benchOptions, baselineFactory: baselineFactory).GetAwaiter().GetResult();
        StudyWayBaseline.Result? baseline = null;
        if (studyWay)
        {
            // The study ran its script on a GPU: when the pipeline ran on CUDA, so does the baseline.
            var device = result.ExecutionProvider.StartsWith("CUDA", StringComparison.OrdinalIgnoreCase) ? "cuda" : "cpu";
            try
            {
                baseline = StudyWayBaseline.Run(weights, setId, studyImages, Environment.ProcessorCount, device, args.Option("study-data"), ctx.Error);
            }
            catch (InvalidOperationException ex)
            {
                ctx.Error.WriteLine($"mrics bench inference --study-way: {ex.Message}");
                return 1;
            }
        }
        var overStudy = baseline is { ImagesPerSecond: > 0 } ? result.PipelineSlicesPerSecond / baseline.ImagesPerSecond : (double?)null;

        if (args.Flag("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(new
            {
                slices = result.Slices,
                modelSet = setId,
                pipelineInput = "DICOM Part 10 bytes, decoded every slice",
                distinctSlices = dicom.Count,
                pipelineSlicesPerSecond = Math.Round(result.PipelineSlicesPerSecond, 2),
                rawOrtSlicesPerSecond = Math.Round(result.RawOrtSlicesPerSecond, 2),
                ratio = Math.Round(result.Ratio, 3),
                studyWay = baseline is null ? null : new
                {
                    what = "models/training/study_inference.py: PyTorch, one image at a time, same weights (.pt the ONNX files were exported from)",
                    imagesPerSecond = Math.Round(baseline.ImagesPerSecond, 2),
                    msPerImage = Math.Round(baseline.MeanMilliseconds, 2),
                    images = baseline.Images,
                    threads = baseline.Threads,
                    device = baseline.Device,
                    weights = baseline.WeightsDir,
                    agreement = baseline.Agreement,
                },
                pipelineOverStudyWay = overStudy is { } o ? Math.Round(o, 2) : (double?)null,
                executionProvider = result.ExecutionProvider,
                fallbackReason = factory.FallbackReason,
                detectorMaxBatch = result.DetectorMaxBatch,
                detectorInstances,
                intraOpThreads = threads,
                classifierMaxBatch = result.ClassifierMaxBatch,
                classifierPreferredBatches = result.ClassifierPreferredBatches,
                rawModels = result.RawModels.Select(r => new { id = r.ModelId, batch = r.BatchSize, msPerImage = Math.Round(r.MillisecondsPerImage, 3) }),
                decodeMsPerSlice = Math.Round(result.DecodeMillisecondsPerSlice, 3),
                outcomes = result.Outcomes,
                memory = new
                {
                    sampleEverySlices = MemorySampling.Interval(result.Slices),
                    firstWorkingSetMB = result.Memory.Samples.Count > 0 ? Math.Round(result.Memory.Samples[0].WorkingSetMiB, 1) : 0,
                    lastWorkingSetMB = result.Memory.Samples.Count > 0 ? Math.Round(result.Memory.Samples[^1].WorkingSetMiB, 1) : 0,
                    workingSetGrowthPercent = Math.Round(100 * result.Memory.WorkingSetGrowthFraction, 1),
                    managedGrowthBytes = result.Memory.ManagedGrowthBytes,
                    workingSetGrowthBytes = result.Memory.WorkingSetGrowthBytes,
                    maxWorkingSetBytes = result.Memory.MaxWorkingSetBytes,
                    samples = result.Memory.Samples.Select(s => new { slices = s.SlicesDone, managed = s.ManagedBytes, workingSet = s.WorkingSetBytes, managedMB = Math.Round(s.ManagedMiB, 1), workingSetMB = Math.Round(s.WorkingSetMiB, 1) }),
                },
                machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.VersionString, loadAverage = LoadAverage() },
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        ctx.Out.WriteLine($"bench inference: {result.Slices} phantom slices ({dicom.Count} distinct DICOM files), model set {setId}, provider {result.ExecutionProvider}, {Environment.ProcessorCount} cores, load {LoadAverage() ?? "n/a"}");
        ctx.Out.WriteLine($"  pipeline (decode+batching)    {result.PipelineSlicesPerSecond,8:0.0} slices/s  (decode {result.DecodeMillisecondsPerSlice:0.000} ms/slice)");
        ctx.Out.WriteLine($"  bare ORT sessions (baseline)  {result.RawOrtSlicesPerSecond,8:0.0} slices/s");
        ctx.Out.WriteLine($"  ratio                         {result.Ratio,8:0.00}");
        if (baseline is not null)
        {
            ctx.Out.WriteLine($"  study's way (PyTorch, 1 image) {baseline.ImagesPerSecond,7:0.0} slices/s  ({baseline.Images} images, {baseline.Device}, {baseline.Threads} threads, weights {baseline.WeightsDir})");
            ctx.Out.WriteLine($"  pipeline / study's way        {overStudy,8:0.00}x");
            if (baseline.Agreement is { } ag) ctx.Out.WriteLine($"    study's way {ag}");
        }
        foreach (var r in result.RawModels) ctx.Out.WriteLine($"    {r.ModelId,-28} batch {r.BatchSize,3}  {r.MillisecondsPerImage,8:0.000} ms/image");
        ctx.Out.WriteLine($"  outcomes: {string.Join(", ", result.Outcomes.Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var m in result.Memory.Samples)
            ctx.Out.WriteLine($"    after {m.SlicesDone,6} slices: managed {m.ManagedMiB,7:0.0} MiB, working set {m.WorkingSetMiB,7:0.0} MiB");
        ctx.Out.WriteLine($"  memory: working set {result.Memory.WorkingSetGrowthBytes / 1048576.0:+0.0;-0.0} MiB, managed {result.Memory.ManagedGrowthBytes / 1048576.0:+0.0;-0.0} MiB over the run (max working set {result.Memory.MaxWorkingSetBytes / 1048576.0:0} MiB)");
        return 0;
    }

    /// <summary>The 1/5/15-minute load averages (Linux /proc/loadavg), or null where there is none.</summary>
    private static string? LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Length >= 3 ? string.Join(' ', parts[..3]) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
