using MriCs.Actors.Protocol;
using MriCs.Inference.Batching;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Sessions;

namespace MriCs.Actors.Grading;

/// <summary>The production grader: the slot's own <see cref="SlicePipeline"/> (detector, ROI, crop, batched classifiers).</summary>
public sealed class PipelineSliceGrader(SlicePipeline pipeline, IInstanceReader reader, ModelSetRef modelSet) : ISliceGrader
{
    public ModelSetRef ModelSet => modelSet;
    public string Provider => pipeline.Provider;
    public SlicePipeline Pipeline => pipeline;
    public IReadOnlyList<ModelBatching> Batching =>
        pipeline.Stats.Select(kv => new ModelBatching(kv.Key, kv.Value.QueueDepth, kv.Value.Batches, kv.Value.Completed, kv.Value.BatchSizes)).ToList();

    public async Task<SliceReport> GradeAsync(SliceTask task, CancellationToken cancellation)
    {
        Inference.Preprocessing.GrayImage image;
        try
        {
            image = await Task.Run(() => reader.ReadGray(task.Path), cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(task, $"cannot read the image: {ex.Message}");
        }
        if (pipeline.TrySubmit(image, cancellation, out var running) != EnqueueStatus.Accepted)
            return Failed(task, "the slot's pipeline refused the slice (more tasks in flight than its queue holds)");
        try
        {
            var r = await running.ConfigureAwait(false);
            return new SliceReport(task.Level, task.SopInstanceUid, Outcome(r.Outcome),
                r.Roi is { } b ? [b.X0, b.Y0, b.X1, b.Y1] : null, r.RoiScore,
                r.Votes.Select(v => new ModelVote(v.ModelId, v.DlVersion, v.Probabilities)).ToList(), r.Reason, modelSet);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(task, $"inference failed: {ex.Message}");
        }
    }

    private SliceReport Failed(SliceTask task, string reason) =>
        new(task.Level, task.SopInstanceUid, SliceOutcomes.Failed, null, null, [], reason, modelSet);

    private static string Outcome(Inference.Pipeline.SliceOutcome o) => o switch
    {
        Inference.Pipeline.SliceOutcome.Graded => SliceOutcomes.Graded,
        Inference.Pipeline.SliceOutcome.NoRoi => SliceOutcomes.NoRoi,
        _ => SliceOutcomes.NotGradable,
    };

    public static ModelSetRef Describe(ModelManifest manifest, ModelSet set) =>
        new(set.Id, new[] { set.Detector }.Concat(set.Classifiers).Select(id => manifest.Model(id))
            .Select(m => new ModelRef(m.Id, m.Role, m.DlVersion, m.Sha256.ToLowerInvariant())).ToList());

    public ValueTask DisposeAsync() => pipeline.DisposeAsync();
}

/// <summary>Creates a <see cref="PipelineSliceGrader"/> per slot from the models folder (sessions verified against the manifest's SHA-256).</summary>
public sealed class PipelineSliceGraderFactory(string modelsDirectory, string modelSetId, ExecutionProviderOptions provider, PipelineOptions pipelineOptions, IInstanceReader reader)
    : ISliceGraderFactory
{
    public Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation) => CreateAsync(slotId, provider.DeviceId, cancellation);

    /// <summary>Sessions on GPU <paramref name="localSlot"/> of this node (CUDA), or a CPU session set of its own.</summary>
    public Task<ISliceGrader> CreateAsync(string slotId, int localSlot, CancellationToken cancellation) => Task.Run<ISliceGrader>(() =>
    {
        var manifest = ManifestLoader.Load(modelsDirectory);
        var factory = new OnnxSessionFactory(provider with { DeviceId = localSlot });
        var pipeline = SlicePipeline.Create(modelsDirectory, manifest, modelSetId, factory, pipelineOptions);
        pipeline.WarmUp();
        return new PipelineSliceGrader(pipeline, reader, PipelineSliceGrader.Describe(manifest, pipeline.ModelSet));
    }, cancellation);
}
