using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using MriCs.Actors.Agreement;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Evaluation.Analysis;

namespace MriCs.Actors.Actors;

/// <summary>
/// The live agreement (cluster singleton on the ingest role, persistence id "live-agreement"): records
/// surgeon decisions as <see cref="SurgeonDecisionRecorded"/> events (a re-sent row changes nothing, a
/// changed grade is a new event that supersedes the old), learns every recommendation (pub-sub topic
/// "mrics.recommendations", and at start the ones already in the journal through the read side) and
/// keeps the kappas current in a <see cref="LiveAgreementBook"/>. A patient's latest recommendation counts.
/// </summary>
public sealed class AgreementActor : ReceivePersistentActor, IWithTimers
{
    public const string Id = "live-agreement";

    private sealed record CaughtUp(IReadOnlyList<Recommendation> Recommendations);

    private sealed record CatchUpFailed(string Reason, int Attempt);

    private sealed record RetryCatchUp(int Attempt);

    private const int MaxCatchUpAttempts = 5;

    /// <summary>Events between snapshots: recovery reads the latest snapshot and the events after it.</summary>
    public const int DefaultSnapshotEvery = 1000;

    private readonly IActorRef _aggregators;
    private readonly int _snapshotEvery;
    private readonly AgreementMetrics.AgreementGauge? _gauge;
    private readonly LiveAgreementBook _book = new();
    private readonly HashSet<string> _liveStudies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _patientStudy = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private LiveAgreementSnapshot _snapshot = LiveAgreementSnapshot.Empty;
    private bool _caughtUp;

    public AgreementActor(IActorRef aggregators, AgreementMetrics.AgreementGauge? gauge, int snapshotEvery = DefaultSnapshotEvery, string persistenceId = Id)
    {
        _aggregators = aggregators;
        _gauge = gauge;
        _snapshotEvery = snapshotEvery;
        PersistenceId = persistenceId;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is AgreementSnapshot snap)
                foreach (var row in snap.Decisions) _book.Apply(AgreementViews.ToDecision(row));
        });
        Recover<SurgeonDecisionRecorded>(e => _book.Apply(AgreementViews.ToDecision(e)));
        Recover<RecoveryCompleted>(_ =>
        {
            Publish();
            if (Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
                DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(StudyAggregatorActor.RecommendationsTopic, Self));
            else
                Context.System.EventStream.Subscribe(Self, typeof(RecommendationPublished));
            StartCatchUp(1);
        });

        Command<RecordDecisions>(Record);
        Command<RecommendationPublished>(p =>
        {
            _liveStudies.Add(p.StudyUid);
            Learn(p.Recommendation);
            Publish();
        });
        Command<CaughtUp>(c =>
        {
            foreach (var r in c.Recommendations)
                if (!_liveStudies.Contains(r.StudyUid)) Learn(r);
            _caughtUp = true;
            Publish();
        });
        Command<CatchUpFailed>(f =>
        {
            _log.Warning("live agreement: reading the recommendations in the journal failed (attempt {0} of {1}): {2}", f.Attempt, MaxCatchUpAttempts, f.Reason);
            if (f.Attempt < MaxCatchUpAttempts)
                Timers.StartSingleTimer("catch-up", new RetryCatchUp(f.Attempt + 1), TimeSpan.FromSeconds(10 * f.Attempt));
        });
        Command<RetryCatchUp>(r => StartCatchUp(r.Attempt));
        Command<GetAgreement>(q => Sender.Tell(AgreementViews.Status(_snapshot, q, _caughtUp, DateTimeOffset.UtcNow)));
        Command<SubscribeAck>(_ => { });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("live agreement: snapshot not saved (recovery replays more events): {0}", f.Cause.Message));
    }

    public static Props Props(IActorRef aggregators, AgreementMetrics.AgreementGauge? gauge, int snapshotEvery = DefaultSnapshotEvery, string persistenceId = Id) =>
        Akka.Actor.Props.Create(() => new AgreementActor(aggregators, gauge, snapshotEvery, persistenceId));

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private void Record(RecordDecisions command)
    {
        var sender = Sender;
        var rejected = new List<RejectedDecision>();
        var rows = new List<DecisionRow>();
        foreach (var row in command.Rows.Take(RecordDecisions.MaxRows))
        {
            try
            {
                _ = AgreementViews.ToDecision(row);
                rows.Add(row);
            }
            catch (FormatException ex)
            {
                rejected.Add(new RejectedDecision(row.Line, ex.Message));
            }
        }
        foreach (var row in command.Rows.Skip(RecordDecisions.MaxRows))
            rejected.Add(new RejectedDecision(row.Line, $"more than {RecordDecisions.MaxRows} rows in one message"));

        var checks = _book.Check(rows.Select(AgreementViews.ToDecision).ToList());
        var events = new List<SurgeonDecisionRecorded>();
        int added = 0, changed = 0, duplicate = 0;
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < rows.Count; i++)
        {
            var (r, c) = (rows[i], checks[i]);
            switch (c.Outcome)
            {
                case DecisionOutcome.Rejected: rejected.Add(new RejectedDecision(r.Line, c.Problem ?? "refused")); continue;
                case DecisionOutcome.Duplicate: duplicate++; continue;
                case DecisionOutcome.Added: added++; break;
                default: changed++; break;
            }
            events.Add(new SurgeonDecisionRecorded(r.PatientId, r.Level, r.Rater, r.Grade, r.Site, now, c.PreviousGrade));
        }
        var reply = new DecisionsRecorded(added, changed, duplicate, rejected.OrderBy(x => x.Line).ToList());
        if (events.Count == 0)
        {
            sender.Tell(reply);
            return;
        }
        var remaining = events.Count;
        PersistAll(events, e =>
        {
            _book.Apply(AgreementViews.ToDecision(e));
            if (LastSequenceNr % _snapshotEvery == 0)
                SaveSnapshot(new AgreementSnapshot(_book.CurrentDecisions().Select(d => AgreementViews.ToRow(0, d)).ToList()));
            if (--remaining == 0)
            {
                Publish();
                sender.Tell(reply);
            }
        });
    }

    private void Learn(Recommendation r)
    {
        if (string.IsNullOrEmpty(r.PatientId)) return;
        try
        {
            _book.SetPredictions(r.PatientId, AgreementViews.Predictions(r));
            _patientStudy[r.PatientId] = r.StudyUid;
        }
        catch (InvalidOperationException ex)
        {
            _log.Warning("live agreement: a recommendation was not counted: {0}", ex.Message);
        }
    }

    private void Publish()
    {
        _snapshot = _book.Snapshot();
        _gauge?.Set(_snapshot);
    }

    private void StartCatchUp(int attempt)
    {
        var system = Context.System;
        var aggregators = _aggregators;
        CatchUpAsync(system, aggregators).PipeTo(Self,
            success: list => new CaughtUp(list),
            failure: ex => new CatchUpFailed(ex.GetBaseException().Message, attempt));
    }

    private static async Task<IReadOnlyList<Recommendation>> CatchUpAsync(ActorSystem system, IActorRef aggregators)
    {
        var uids = await ResultsQuery.AllStudyUidsAsync(system).ConfigureAwait(false);
        var found = new List<Recommendation>();
        foreach (var chunk in uids.Chunk(64))
        {
            var results = await ResultsQuery.GetAsync(aggregators, chunk, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            found.AddRange(results.Where(r => r.Recommendation is not null).Select(r => r.Recommendation!));
        }
        return found;
    }

    protected override void PostStop()
    {
        _gauge?.Set(LiveAgreementSnapshot.Empty);
        base.PostStop();
    }
}
