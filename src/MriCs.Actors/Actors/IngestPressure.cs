namespace MriCs.Actors.Actors;

/// <summary>
/// How far intake is ahead of grading, readable from any thread: the slice tasks the assembler holds
/// because the dispatcher is full. The C-STORE SCP asks <see cref="Saturated"/> before it receives an
/// instance and answers 0xA700 (out of resources) instead of growing memory; the sender retries later.
/// </summary>
public sealed class IngestPressure(int limit)
{
    private int _waiting;

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), "must be positive");
    public int Waiting => Volatile.Read(ref _waiting);
    public bool Saturated => Waiting >= Limit;

    internal void Set(int waiting) => Volatile.Write(ref _waiting, waiting);
}
