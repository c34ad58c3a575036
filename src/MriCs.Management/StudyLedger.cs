using MriCs.Actors.Actors;
using MriCs.Actors.Protocol;

namespace MriCs.Management;

/// <summary>One study as the journal tells it: opened (plan), slices in, recommendation (with when each was persisted).</summary>
public sealed record StudySummary(
    string StudyUid,
    string PatientId,
    DateTimeOffset? OpenedAt,
    int Expected,
    int Received,
    Recommendation? Recommendation,
    DateTimeOffset? IssuedAt,
    string? NoRecommendationReason)
{
    public string Status => Recommendation is null ? StudyStatuses.Pending : Recommendation.Grade is null ? StudyStatuses.NoRecommendation : StudyStatuses.Recommended;
}

public static class StudyStatuses
{
    public const string Pending = "pending";
    public const string Recommended = "recommended";
    public const string NoRecommendation = "no-recommendation";
}

/// <summary>One persisted event of the journal, as the read side sees it. <see cref="Timestamp"/> as the journal keeps it:
/// Akka.Persistence.Sql writes DateTime ticks (UTC), other journals Unix milliseconds; 0 = unknown.</summary>
public sealed record JournalEvent(string PersistenceId, long SequenceNr, long Timestamp, object Event);

/// <summary>
/// The read model of the management routes (pure): folds the study aggregators' events (persistence ids
/// "study-{uid}") into one <see cref="StudySummary"/> per study, without waking any aggregator.
/// </summary>
public static class StudyLedger
{
    public static IReadOnlyDictionary<string, StudySummary> Fold(IEnumerable<JournalEvent> events)
    {
        var builder = new Builder();
        foreach (var e in events) builder.Add(e);
        return builder.Studies;
    }

    /// <summary>The fold one event at a time (the journal is streamed into it, never loaded whole).</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, StudySummary> _studies = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, StudySummary> Studies => _studies;

        public void Add(JournalEvent e)
        {
            if (!e.PersistenceId.StartsWith(StudyAggregatorActor.PersistencePrefix, StringComparison.Ordinal)) return;
            var uid = e.PersistenceId[StudyAggregatorActor.PersistencePrefix.Length..];
            var at = Time(e.Timestamp);
            _studies.TryGetValue(uid, out var s);
            s ??= new StudySummary(uid, "", null, 0, 0, null, null, null);
            _studies[uid] = e.Event switch
            {
                StudyOpened o => s with
                {
                    PatientId = o.Plan.PatientId, OpenedAt = at ?? DateTimeOffset.UnixEpoch, Expected = o.Plan.Slices.Count,
                    NoRecommendationReason = o.Plan.NoRecommendationReason,
                },
                SliceResultRecorded => s with { Received = s.Received + 1 },
                RecommendationIssued r => s with { Recommendation = r.Recommendation, IssuedAt = at, PatientId = r.Recommendation.PatientId },
                _ => s,
            };
        }
    }

    /// <summary>A journal timestamp: DateTime ticks above year 5138 in milliseconds (no journal writes such), Unix milliseconds below.</summary>
    public static DateTimeOffset? Time(long timestamp) => timestamp switch
    {
        <= 0 => null,
        > 100_000_000_000_000 => new DateTimeOffset(Math.Min(timestamp, DateTime.MaxValue.Ticks), TimeSpan.Zero),
        _ => DateTimeOffset.FromUnixTimeMilliseconds(timestamp),
    };

    /// <summary>Studies opened whose recommendation is not issued yet, oldest first.</summary>
    public static IReadOnlyList<StudySummary> Pending(IReadOnlyDictionary<string, StudySummary> studies) =>
        studies.Values.Where(s => s.Recommendation is null && s.OpenedAt is not null)
            .OrderBy(s => s.OpenedAt).ThenBy(s => s.StudyUid, StringComparer.Ordinal).ToList();

    /// <summary>Issued recommendations, at or after <paramref name="since"/> when given, oldest first.</summary>
    public static IReadOnlyList<StudySummary> Issued(IReadOnlyDictionary<string, StudySummary> studies, DateTimeOffset? since = null) =>
        studies.Values.Where(s => s.Recommendation is not null && (since is null || s.IssuedAt >= since))
            .OrderBy(s => s.IssuedAt).ThenBy(s => s.StudyUid, StringComparer.Ordinal).ToList();
}
