using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using MriCs.Actors.Actors;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Results;

/// <summary>The read side: which studies the journal holds, and their results (asked of the aggregators).</summary>
public static class ResultsQuery
{
    /// <summary>Every study UID with events in the journal (a projection over the persistence ids).</summary>
    public static async Task<IReadOnlyList<string>> AllStudyUidsAsync(ActorSystem system, CancellationToken cancellation = default)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var ids = await journal.CurrentPersistenceIds()
            .Where(id => id.StartsWith(StudyAggregatorActor.PersistencePrefix, StringComparison.Ordinal))
            .Select(id => id[StudyAggregatorActor.PersistencePrefix.Length..])
            .RunWith(Sink.Seq<string>(), system.Materializer()).WaitAsync(cancellation).ConfigureAwait(false);
        return ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public static async Task<IReadOnlyList<StudyResultResponse>> GetAsync(IActorRef aggregators, IEnumerable<string> studyUids, TimeSpan timeout)
    {
        var asks = studyUids.Select(uid => aggregators.Ask<StudyResultResponse>(new GetStudyResult(uid), timeout)).ToList();
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }
}
