using System.Text.Json;
using MriCs.Inference.Benchmarks;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;
using MriCs.Phantom;

namespace MriCs.Cli.Commands;

/// <summary>`bench inference`: the slice pipeline against the bare ONNX Runtime sessions, same slices, same run.</summary>
public static class BenchCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench inference", "bench inference [--slices N] [--patients P] [--model-set ID] [--models DIR] [--provider auto|cpu|cuda] [--json]", Inference, "json"),
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

        // Synthetic phantom slices (seeded): the 8-bit images the models see.
        var images = PhantomGenerator.Patients(new PhantomOptions(Seed: 20261127), patients)
            .SelectMany(p => p.Slices)
            .Select(s => new GrayImage(s.Width, s.Height, s.ToGray8()))
            .ToList();
        var factory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider")));
        var result = InferenceBenchmark.RunAsync(dir, manifest, setId, factory, images, slices, BenchOptions).GetAwaiter().GetResult();

        if (args.Flag("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(new
            {
                slices = result.Slices,
                modelSet = setId,
                pipelineSlicesPerSecond = Math.Round(result.PipelineSlicesPerSecond, 2),
                rawOrtSlicesPerSecond = Math.Round(result.RawOrtSlicesPerSecond, 2),
                ratio = Math.Round(result.Ratio, 3),
                executionProvider = result.ExecutionProvider,
                fallbackReason = factory.FallbackReason,
                detectorMaxBatch = result.DetectorMaxBatch,
                classifierMaxBatch = result.ClassifierMaxBatch,
                classifierPreferredBatches = result.ClassifierPreferredBatches,
                rawModels = result.RawModels.Select(r => new { id = r.ModelId, batch = r.BatchSize, msPerImage = Math.Round(r.MillisecondsPerImage, 3) }),
                outcomes = result.Outcomes,
                memory = new
                {
                    managedGrowthBytes = result.Memory.ManagedGrowthBytes,
                    workingSetGrowthBytes = result.Memory.WorkingSetGrowthBytes,
                    maxWorkingSetBytes = result.Memory.MaxWorkingSetBytes,
                    samples = result.Memory.Samples.Select(s => new { slices = s.SlicesDone, managed = s.ManagedBytes, workingSet = s.WorkingSetBytes }),
                },
                machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.VersionString },
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        ctx.Out.WriteLine($"bench inference: {result.Slices} phantom slices, model set {setId}, provider {result.ExecutionProvider}, {Environment.ProcessorCount} cores");
        ctx.Out.WriteLine($"  pipeline (dynamic batching)   {result.PipelineSlicesPerSecond,8:0.0} slices/s");
        ctx.Out.WriteLine($"  bare ORT sessions (baseline)  {result.RawOrtSlicesPerSecond,8:0.0} slices/s");
        ctx.Out.WriteLine($"  ratio                         {result.Ratio,8:0.00}");
        foreach (var r in result.RawModels) ctx.Out.WriteLine($"    {r.ModelId,-28} batch {r.BatchSize,3}  {r.MillisecondsPerImage,8:0.000} ms/image");
        ctx.Out.WriteLine($"  outcomes: {string.Join(", ", result.Outcomes.Select(kv => $"{kv.Key} {kv.Value}"))}");
        ctx.Out.WriteLine($"  memory: working set {result.Memory.WorkingSetGrowthBytes / 1048576.0:+0.0;-0.0} MiB, managed {result.Memory.ManagedGrowthBytes / 1048576.0:+0.0;-0.0} MiB over the run (max working set {result.Memory.MaxWorkingSetBytes / 1048576.0:0} MiB)");
        return 0;
    }
}
