using Akka.Actor;
using MriCs.Actors.Agreement;
using MriCs.Actors.Protocol;
using MriCs.Evaluation.Input;

namespace MriCs.Actors.Hosting;

/// <summary>What the management endpoint and tests do with the live agreement: record an upload in chunks, read the kappas.</summary>
public sealed class LiveAgreementClient(IActorRef agreement)
{
    public static LiveAgreementClient For(ActorSystem system) => new(Akka.Hosting.ActorRegistry.For(system).Get<LiveAgreementKey>());

    /// <summary>
    /// Records the readable rows of an upload in order, <see cref="RecordDecisions.MaxRows"/> at a time, each chunk
    /// persisted before the next is sent; rows the reader refused are reported with the others. When a chunk
    /// fails (timeout), what earlier chunks recorded stays recorded and the exception says how far it got.
    /// </summary>
    public async Task<DecisionsRecorded> RecordAsync(DecisionUpload upload, TimeSpan timeout, CancellationToken cancellation = default)
    {
        int added = 0, changed = 0, duplicate = 0;
        var rejected = upload.Problems.Select(p => new RejectedDecision(p.Line, p.Problem)).ToList();
        var done = 0;
        foreach (var chunk in Chunks(upload.Rows))
        {
            DecisionsRecorded r;
            try
            {
                r = await agreement.Ask<DecisionsRecorded>(new RecordDecisions(chunk.Select(x => AgreementViews.ToRow(x.Line, x.Decision)).ToList()),
                    timeout, cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
            {
                throw new TimeoutException($"the live agreement did not answer within {timeout.TotalSeconds:0} s; rows before line {chunk[0].Line} " +
                    $"({done} rows) are recorded, the rest are not (sending the upload again is safe)", ex);
            }
            added += r.Added;
            changed += r.Changed;
            duplicate += r.Duplicate;
            rejected.AddRange(r.Rejected);
            done += chunk.Length;
        }
        return new DecisionsRecorded(added, changed, duplicate, rejected.OrderBy(x => x.Line).ToList());
    }

    /// <summary>Rows in order, at most <see cref="RecordDecisions.MaxRows"/> and about <see cref="RecordDecisions.MaxChunkChars"/> characters of text per chunk.</summary>
    public static IEnumerable<(int Line, LiveDecision Decision)[]> Chunks(IReadOnlyList<(int Line, LiveDecision Decision)> rows)
    {
        var chunk = new List<(int, LiveDecision)>();
        var chars = 0;
        foreach (var row in rows)
        {
            var size = RecordDecisions.RowOverhead + row.Decision.PatientId.Length + row.Decision.Rater.Length + (row.Decision.Site?.Length ?? 0);
            if (chunk.Count > 0 && (chunk.Count >= RecordDecisions.MaxRows || chars + size > RecordDecisions.MaxChunkChars))
            {
                yield return [.. chunk];
                chunk.Clear();
                chars = 0;
            }
            chunk.Add(row);
            chars += size;
        }
        if (chunk.Count > 0) yield return [.. chunk];
    }

    public Task<AgreementStatus> GetAsync(GetAgreement query, TimeSpan timeout, CancellationToken cancellation = default) =>
        agreement.Ask<AgreementStatus>(query, timeout, cancellation);
}
