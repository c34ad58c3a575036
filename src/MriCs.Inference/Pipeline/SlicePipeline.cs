using MriCs.Inference.Batching;
using MriCs.Inference.Manifest;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;
using MriCs.Inference.Telemetry;

namespace MriCs.Inference.Pipeline;

/// <summary>
/// Gray image -> detector -> ROI mapped back to the original grid -> crop -> every classifier of a model
/// set -> votes. Each model has its own dynamic batcher. Admission is bounded: when as many slices are
/// in flight as the detector queue holds, <see cref="TrySubmit"/> answers QueueFull (backpressure).
/// </summary>
public sealed class SlicePipeline : IAsyncDisposable
{
    private readonly List<ModelSession> _sessions;
    private readonly DetectorRunner _detector;
    private readonly DynamicBatcher<float[], Detection?> _detectorQueue;
    private readonly List<(ClassifierRunner Runner, DynamicBatcher<float[], float[]> Queue)> _classifiers;
    private readonly PipelineOptions _options;
    private readonly int _capacity;
    private int _inFlight;

    private SlicePipeline(List<ModelSession> sessions, DetectorRunner detector, List<ClassifierRunner> classifiers, PipelineOptions options)
    {
        _sessions = sessions;
        _detector = detector;
        _options = options;
        _capacity = options.DetectorBatching.QueueCapacity;
        _detectorQueue = new DynamicBatcher<float[], Detection?>(b => InferenceMetrics.Measure(sessions[0].Model.Id, b, detector.Run), options.DetectorBatching);
        var classifierBatching = options.ClassifierBatching with { QueueCapacity = Math.Max(options.ClassifierBatching.QueueCapacity, _capacity) };
        _classifiers = classifiers.Select(c => (c, new DynamicBatcher<float[], float[]>(b => InferenceMetrics.Measure(c.Session.Model.Id, b, c.Run), classifierBatching))).ToList();
    }

    public ModelSet ModelSet { get; private init; } = null!;
    public string Provider => _sessions[0].Provider;
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Queue and batch counters per model id.</summary>
    public IReadOnlyDictionary<string, BatcherStats> Stats
    {
        get
        {
            var stats = new Dictionary<string, BatcherStats> { [_sessions[0].Model.Id] = _detectorQueue.Stats };
            foreach (var (runner, queue) in _classifiers) stats[runner.Session.Model.Id] = queue.Stats;
            return stats;
        }
    }

    /// <summary>Loads (and verifies) the detector and classifiers of one model set.</summary>
    public static SlicePipeline Create(string modelsDirectory, ModelManifest manifest, string modelSetId, OnnxSessionFactory factory, PipelineOptions? options = null)
    {
        options ??= new PipelineOptions();
        var set = manifest.ModelSets.FirstOrDefault(s => s.Id == modelSetId)
            ?? throw new ArgumentException($"model set '{modelSetId}' is not in the manifest (have: {string.Join(", ", manifest.ModelSets.Select(s => s.Id))})");
        var sessions = new List<ModelSession>();
        try
        {
            var detectorModel = manifest.Model(set.Detector);
            var detectorSession = factory.Create(modelsDirectory, detectorModel);
            sessions.Add(detectorSession);
            var threshold = options.DetectorScoreThreshold ?? detectorModel.ScoreThreshold ?? 0.5;
            var classifiers = new List<ClassifierRunner>();
            foreach (var id in set.Classifiers)
            {
                var s = factory.Create(modelsDirectory, manifest.Model(id));
                sessions.Add(s);
                classifiers.Add(new ClassifierRunner(s));
            }
            return new SlicePipeline(sessions, new DetectorRunner(detectorSession, threshold), classifiers, options) { ModelSet = set };
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }
    }

    /// <summary>Runs every model once on a synthetic image so the first real slice does not pay for initialisation.</summary>
    public void WarmUp()
    {
        var pixels = new byte[128 * 128];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 31 % 251);
        var image = new GrayImage(128, 128, pixels);
        _detector.Run([ModelInputs.Detector(image, _detector.Size)]);
        foreach (var (runner, _) in _classifiers)
        {
            var input = new float[3 * runner.Size * runner.Size];
            ModelInputs.Classifier(image, runner.Session.Model.Preprocessing, input);
            runner.Run([input]);
        }
    }

    /// <summary>Admits a slice unless the pipeline is full (then QueueFull: retry later, nothing was taken).</summary>
    public EnqueueStatus TrySubmit(GrayImage image, CancellationToken cancellation, out Task<SliceResult> result)
    {
        if (Interlocked.Increment(ref _inFlight) > _capacity)
        {
            Interlocked.Decrement(ref _inFlight);
            result = Task.FromException<SliceResult>(new InvalidOperationException("pipeline full"));
            return EnqueueStatus.QueueFull;
        }
        result = RunAsync(image, cancellation);
        _ = result.ContinueWith(t => InferenceMetrics.SliceFinished(t.IsCompletedSuccessfully ? Name(t.Result.Outcome) : "failed"), TaskScheduler.Default);
        return EnqueueStatus.Accepted;
    }

    private async Task<SliceResult> RunAsync(GrayImage image, CancellationToken cancellation)
    {
        try
        {
            if (StdDev(image.Pixels) < _options.BlankStdDev)
                return SliceResult.NotGraded(SliceOutcome.NotGradable, "blank image: no structure to grade");
            var status = _detectorQueue.TryEnqueue(ModelInputs.Detector(image, _detector.Size), cancellation, out var detecting);
            if (status != EnqueueStatus.Accepted) throw new InvalidOperationException($"detector queue refused the slice ({status})");
            var detection = await detecting.ConfigureAwait(false);
            if (detection is null) return SliceResult.NotGraded(SliceOutcome.NoRoi, "no ROI found: the detector saw no spinal canal above its threshold");
            var roi = ModelInputs.MapDetectorBox(detection.Box, _detector.Size, image.Width, image.Height);
            if (roi.Width < _options.MinRoiSide || roi.Height < _options.MinRoiSide
                || (double)roi.Width * roi.Height > _options.MaxRoiAreaFraction * image.Width * image.Height)
                return SliceResult.NotGraded(SliceOutcome.NotGradable, $"implausible ROI {roi} in a {image.Width}x{image.Height} image", roi, detection.Score);
            var crop = image.Crop(roi);
            var pending = new List<Task<float[]>>(_classifiers.Count);
            foreach (var (runner, queue) in _classifiers)
            {
                var input = new float[3 * runner.Size * runner.Size];
                ModelInputs.Classifier(crop, runner.Session.Model.Preprocessing, input);
                if (queue.TryEnqueue(input, cancellation, out var voting) != EnqueueStatus.Accepted)
                    throw new InvalidOperationException($"classifier '{runner.Session.Model.Id}' queue refused the slice");
                pending.Add(voting);
            }
            var probabilities = await Task.WhenAll(pending).ConfigureAwait(false);
            var votes = _classifiers.Select((c, i) => new ClassifierVote(c.Runner.Session.Model.Id, c.Runner.Session.Model.DlVersion, probabilities[i])).ToList();
            var result = new SliceResult(SliceOutcome.Graded, roi, detection.Score, votes, null);
            var confidence = result.MeanProbabilities!.Max();
            return confidence < _options.MinConfidence
                ? SliceResult.NotGraded(SliceOutcome.NotGradable, $"no confident grade (top probability {confidence:0.00} < {_options.MinConfidence:0.00})", roi, detection.Score, votes)
                : result;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static string Name(SliceOutcome o) => o switch
    {
        SliceOutcome.Graded => "graded",
        SliceOutcome.NoRoi => "no-roi",
        _ => "not-gradable",
    };

    private static double StdDev(byte[] pixels)
    {
        double sum = 0, sq = 0;
        foreach (var p in pixels) { sum += p; sq += (double)p * p; }
        var mean = sum / pixels.Length;
        return Math.Sqrt(Math.Max(0, sq / pixels.Length - mean * mean));
    }

    public async ValueTask DisposeAsync()
    {
        await _detectorQueue.DisposeAsync().ConfigureAwait(false);
        foreach (var (_, q) in _classifiers) await q.DisposeAsync().ConfigureAwait(false);
        foreach (var s in _sessions) s.Dispose();
    }
}
