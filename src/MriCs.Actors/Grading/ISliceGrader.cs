using MriCs.Actors.Protocol;

namespace MriCs.Actors.Grading;

/// <summary>What a GPU-worker slot runs: grade one slice (the production grader is <see cref="PipelineSliceGrader"/> over the real SlicePipeline).</summary>
public interface ISliceGrader : IAsyncDisposable
{
    ModelSetRef ModelSet { get; }
    string Provider { get; }
    /// <summary>Batching counters per model (`gpu slots`); none for graders without batchers.</summary>
    IReadOnlyList<ModelBatching> Batching => [];
    /// <summary>Grades one slice. Never throws for a bad image: the outcome is <see cref="SliceOutcomes.Failed"/> with the reason.</summary>
    Task<SliceReport> GradeAsync(SliceTask task, CancellationToken cancellation);
}

/// <summary>Creates one grader per slot (sessions are created once per worker, then reused).</summary>
public interface ISliceGraderFactory
{
    Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation);

    /// <summary>Creates the grader of a slot that holds local slot <paramref name="localSlot"/> of its node (the GPU index on a GPU node).</summary>
    Task<ISliceGrader> CreateAsync(string slotId, int localSlot, CancellationToken cancellation) => CreateAsync(slotId, cancellation);
}
