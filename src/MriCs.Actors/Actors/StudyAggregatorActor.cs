using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Protocol;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>
/// The persistent aggregator of one study (sharded entity, persistence id "study-{uid}"): records the
/// plan and each slice result once, and issues the recommendation when the last planned slice is in.
/// Logic lives in <see cref="StudyState"/>; this actor persists its events and answers.
/// </summary>
public sealed class StudyAggregatorActor : ReceivePersistentActor
{
    public const string RecommendationsTopic = "mrics.recommendations";
    public const string PersistencePrefix = "study-";

    private readonly FusionMode _fusion;
    private readonly bool _publish;
    private StudyState _state;
    private readonly ILogger _log = ActorLogging.For<StudyAggregatorActor>(Context.System);

    public StudyAggregatorActor(string studyUid, FusionMode fusion, bool publish)
    {
        _fusion = fusion;
        _publish = publish;
        _state = StudyState.Empty(studyUid);
        PersistenceId = PersistencePrefix + studyUid;

        Recover<IMriCsMessage>(e => _state = _state.Apply(e));
        Command<OpenStudy>(c => Handle(c, () => new StudyOpenAck(_state.StudyUid, Duplicate: false, _state.Recommendation is not null),
            () => new StudyOpenAck(_state.StudyUid, Duplicate: true, _state.Recommendation is not null)));
        Command<RecordSliceResult>(c => Handle(c, () => new SliceResultAck(_state.StudyUid, c.Result.SopInstanceUid, Duplicate: false),
            () => new SliceResultAck(_state.StudyUid, c.Result.SopInstanceUid, Duplicate: true)));
        Command<GetStudyResult>(_ => Sender.Tell(new StudyResultResponse(_state.StudyUid, _state.Opened, _state.Expected, _state.Received, _state.Recommendation)));
    }

    public static Props Props(string studyUid, FusionMode fusion, bool publish = true) =>
        Akka.Actor.Props.Create(() => new StudyAggregatorActor(studyUid, fusion, publish));

    public override string PersistenceId { get; }

    private void Handle(IMriCsMessage command, Func<object> accepted, Func<object> duplicate)
    {
        var events = _state.Decide(command, _fusion);
        var sender = Sender;
        if (events.Count == 0)
        {
            sender.Tell(duplicate());
            return;
        }
        var remaining = events.Count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            ActorMetrics.StudyEventPersisted(e);
            LogPersisted(e);
            if (remaining == 1) ActorMetrics.JournalWritten(started);
            if (e is RecommendationIssued issued && _publish) Publish(issued.Recommendation);
            if (--remaining == 0) sender.Tell(accepted());
        });
    }

    private void LogPersisted(IMriCsMessage e)
    {
        switch (e)
        {
            case StudyOpened o:
                AggregatorLog.StudyOpened(_log, LogSafe.Uid(_state.StudyUid), o.Plan.Slices.Count);
                break;
            case RecommendationIssued { Recommendation: { Grade: null } r }:
                AggregatorLog.NoRecommendation(_log, LogSafe.Uid(_state.StudyUid), LogSafe.Message(r.Reason ?? "no level graded", _state.StudyUid));
                break;
            case RecommendationIssued { Recommendation: var r }:
                AggregatorLog.RecommendationIssued(_log, LogSafe.Uid(_state.StudyUid), r.Grade, r.FlaggedForReview, _state.Received);
                break;
        }
    }

    // Akka's default messages name the persistence id (the full study UID): log the safe form instead (the actor stops either way).
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        AggregatorLog.PersistFailed(_log, LogSafe.Uid(_state.StudyUid), Safe(cause));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        AggregatorLog.PersistFailed(_log, LogSafe.Uid(_state.StudyUid), "rejected: " + Safe(cause));

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        AggregatorLog.PersistFailed(_log, LogSafe.Uid(_state.StudyUid), "recovery: " + Safe(reason));

    private string Safe(Exception e) => e.GetType().Name + ": " + e.Message.Replace(_state.StudyUid, LogSafe.Uid(_state.StudyUid), StringComparison.Ordinal);

    private void Publish(Recommendation recommendation)
    {
        var notice = new RecommendationPublished(_state.StudyUid, recommendation);
        Context.System.EventStream.Publish(notice);
        if (Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(RecommendationsTopic, notice));
    }
}
