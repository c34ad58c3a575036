using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;

namespace MriCs.Inference.Benchmarks;

/// <summary>Process memory at one point of the run.</summary>
public sealed record MemorySample(int SlicesDone, long ManagedBytes, long WorkingSetBytes)
{
    public double ManagedMiB => ManagedBytes / 1048576.0;
    public double WorkingSetMiB => WorkingSetBytes / 1048576.0;
}

/// <summary>When to sample memory during a run of <c>count</c> slices: every <c>count / samples</c> slices (at least every slice).</summary>
public static class MemorySampling
{
    public static int Interval(int count, int samples = 20) => Math.Max(1, count / Math.Max(1, samples));

    /// <summary>Whether to take a sample after <paramref name="done"/> slices: at each whole interval, never at 0.</summary>
    public static bool Due(int done, int interval) => done > 0 && done % interval == 0;
}

/// <summary>Whether memory stayed flat: the samples after warm-up, and the growth from the first to the last.</summary>
public sealed record MemoryFigures(IReadOnlyList<MemorySample> Samples)
{
    public long ManagedGrowthBytes => Samples.Count < 2 ? 0 : Samples[^1].ManagedBytes - Samples[0].ManagedBytes;
    public long WorkingSetGrowthBytes => Samples.Count < 2 ? 0 : Samples[^1].WorkingSetBytes - Samples[0].WorkingSetBytes;
    public long MaxWorkingSetBytes => Samples.Count == 0 ? 0 : Samples.Max(s => s.WorkingSetBytes);
    /// <summary>Working-set growth from the first to the last sample, as a fraction of the first (0 when fewer than two samples).</summary>
    public double WorkingSetGrowthFraction => Samples.Count < 2 || Samples[0].WorkingSetBytes <= 0 ? 0 : (double)WorkingSetGrowthBytes / Samples[0].WorkingSetBytes;
}

/// <summary>One model's bare session time per image at the batch size it was timed with.</summary>
public sealed record RawModelFigure(string ModelId, int BatchSize, double MillisecondsPerImage);

public sealed record InferenceBenchResult(
    int Slices,
    double PipelineSlicesPerSecond,
    double RawOrtSlicesPerSecond,
    string ExecutionProvider,
    int DetectorMaxBatch,
    int ClassifierMaxBatch,
    IReadOnlyList<int> ClassifierPreferredBatches,
    IReadOnlyList<RawModelFigure> RawModels,
    IReadOnlyDictionary<string, int> Outcomes,
    MemoryFigures Memory,
    double DecodeMillisecondsPerSlice)
{
    public double Ratio => RawOrtSlicesPerSecond <= 0 ? 0 : PipelineSlicesPerSecond / RawOrtSlicesPerSecond;
}

/// <summary>
/// Measures, in one run on the same slices and models, (a) the full slice pipeline with dynamic batching,
/// starting from DICOM Part 10 bytes decoded on every iteration (<see cref="DicomSliceDecoder"/>), and
/// (b) the same models' bare ONNX Runtime sessions on pre-made tensors at their best batch size.
/// Raw slices/s = 1 / (detector time per image + sum of classifier times per image).
/// </summary>
public static class InferenceBenchmark
{
    public static async Task<InferenceBenchResult> RunAsync(
        string modelsDirectory, ModelManifest manifest, string modelSetId, OnnxSessionFactory factory,
        IReadOnlyList<byte[]> dicomSlices, int count, PipelineOptions options, CancellationToken cancellation = default,
        OnnxSessionFactory? baselineFactory = null)
    {
        // The bare sessions may run with other session settings (e.g. ORT's default threads while the pipeline runs
        // single-threaded instances), so each side is timed at its own best.
        var bare = baselineFactory ?? factory;
        if (dicomSlices.Count == 0) throw new ArgumentException("no slices to benchmark", nameof(dicomSlices));
        // Decoded once, untimed: the bare sessions' pre-made tensors come from these.
        var slices = dicomSlices.Select(b => DicomSliceDecoder.Decode(b)).ToList();
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "slice count must be >= 1");

        var outcomes = new Dictionary<string, int>();
        var rois = new List<(GrayImage Image, PixelBox Roi)>();
        double pipelinePerSecond, decodeMs;
        MemoryFigures memory;
        string provider;
        await using (var pipeline = SlicePipeline.Create(modelsDirectory, manifest, modelSetId, factory, options))
        {
            provider = pipeline.Provider;
            pipeline.WarmUp();
            (pipelinePerSecond, memory, decodeMs) = await RunPipelineAsync(pipeline, dicomSlices, count, outcomes, rois, cancellation).ConfigureAwait(false);
        }

        var set = manifest.ModelSets.First(s => s.Id == modelSetId);
        var raw = new List<RawModelFigure>();
        using (var detector = bare.Create(modelsDirectory, manifest.Model(set.Detector)))
            raw.Add(TimeDetector(detector, slices));
        // Classifier crops: the ROIs the pipeline found (or the whole slice if it found none).
        var crops = rois.Count > 0 ? rois.Select(r => r.Image.Crop(r.Roi)).Take(64).ToList() : slices.Take(64).ToList();
        foreach (var id in set.Classifiers)
        {
            using var session = bare.Create(modelsDirectory, manifest.Model(id));
            raw.Add(TimeClassifier(session, crops, options.ClassifierBatching.MaxBatchSize));
        }
        var rawPerSecond = 1000.0 / raw.Sum(r => r.MillisecondsPerImage);
        return new InferenceBenchResult(count, pipelinePerSecond, rawPerSecond, provider,
            options.DetectorBatching.MaxBatchSize, options.ClassifierBatching.MaxBatchSize, options.ClassifierBatching.PreferredBatchSizes,
            raw, outcomes, memory, decodeMs);
    }

    private static async Task<(double PerSecond, MemoryFigures Memory, double DecodeMs)> RunPipelineAsync(
        SlicePipeline pipeline, IReadOnlyList<byte[]> dicomSlices, int count, Dictionary<string, int> outcomes,
        List<(GrayImage, PixelBox)> rois, CancellationToken cancellation)
    {
        var pending = new Queue<(GrayImage Image, Task<SliceResult> Result)>();
        var samples = new List<MemorySample>();
        var sampleEvery = MemorySampling.Interval(count);
        var done = 0;
        using var process = Process.GetCurrentProcess();
        var decodeTicks = 0L;
        var clock = Stopwatch.StartNew();

        void Record(GrayImage image, SliceResult r)
        {
            var key = r.Outcome.ToString();
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (r.Roi is { } roi && rois.Count < 64) rois.Add((image, roi));
            done++;
            // The first sample is taken after 5% of the run, once caches and pools have filled.
            if (MemorySampling.Due(done, sampleEvery))
            {
                process.Refresh();
                samples.Add(new MemorySample(done, GC.GetTotalMemory(false), process.WorkingSet64));
            }
        }

        for (var i = 0; i < count; i++)
        {
            // Decode: DICOM bytes -> 8-bit gray, every iteration, inside the timed run.
            var decodeStart = Stopwatch.GetTimestamp();
            var image = DicomSliceDecoder.Decode(dicomSlices[i % dicomSlices.Count]);
            decodeTicks += Stopwatch.GetTimestamp() - decodeStart;
            Task<SliceResult> result;
            while (pipeline.TrySubmit(image, cancellation, out result) != Batching.EnqueueStatus.Accepted)
            {
                // Backpressure: the pipeline is full, finish the oldest slice first.
                var oldest = pending.Dequeue();
                Record(oldest.Image, await oldest.Result.ConfigureAwait(false));
            }
            pending.Enqueue((image, result));
        }
        while (pending.Count > 0)
        {
            var next = pending.Dequeue();
            Record(next.Image, await next.Result.ConfigureAwait(false));
        }
        clock.Stop();
        var decodeMs = decodeTicks * 1000.0 / Stopwatch.Frequency / count;
        return (count / clock.Elapsed.TotalSeconds, new MemoryFigures(samples), decodeMs);
    }

    private static RawModelFigure TimeDetector(ModelSession session, IReadOnlyList<GrayImage> slices)
    {
        var size = session.Model.Preprocessing.Size;
        var inputs = slices.Take(16).Select(s => ModelInputs.Detector(s, size)).ToList();
        var runner = new DetectorRunner(session, 0.0);
        runner.Run(inputs.Take(2).ToList()); // warm-up
        // About 48 runs (a few seconds on a CPU): enough that one busy moment on a shared machine does not set the baseline.
        var iterations = Math.Max(48, inputs.Count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) runner.Run([inputs[i % inputs.Count]]);
        return new RawModelFigure(session.Model.Id, 1, clock.Elapsed.TotalMilliseconds / iterations);
    }

    private static RawModelFigure TimeClassifier(ModelSession session, IReadOnlyList<GrayImage> crops, int maxBatch)
    {
        var size = session.Model.Preprocessing.Size;
        var plane = 3 * size * size;
        var best = double.MaxValue;
        var bestBatch = 1;
        foreach (var batch in new[] { 1, 8, 16, 32, 64 }.Where(b => b <= Math.Max(1, maxBatch)))
        {
            var stacked = new float[batch * plane];
            for (var i = 0; i < batch; i++)
                ModelInputs.Classifier(crops[i % crops.Count], session.Model.Preprocessing, stacked.AsSpan(i * plane, plane));
            var tensor = new DenseTensor<float>(stacked, [batch, 3, size, size]);
            var input = new[] { NamedOnnxValue.CreateFromTensor(session.Model.Input.Name, tensor) };
            using (session.Session.Run(input)) { } // warm-up at this shape
            var runs = Math.Max(3, 64 / batch);
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < runs; r++) using (session.Session.Run(input)) { }
            var perImage = clock.Elapsed.TotalMilliseconds / (runs * batch);
            if (perImage < best) { best = perImage; bestBatch = batch; }
        }
        return new RawModelFigure(session.Model.Id, bestBatch, best);
    }
}
