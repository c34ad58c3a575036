using Akka.Actor;
using Akka.Event;
using MriCs.Actors.Protocol;
using MriCs.Actors.Studies;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>
/// Collects instances per StudyInstanceUID. A study completes when its four key levels are labelled,
/// when the batch that brought it says so (<see cref="CompleteStudies"/>), or after the inactivity
/// timeout. Completion: plan (pure <see cref="StudyAssembly"/>) -> open the study's aggregator (acked)
/// -> offer its slice tasks to the dispatcher one at a time, pausing on <see cref="DispatcherBusy"/>
/// until <see cref="DispatcherReady"/>.
/// </summary>
public sealed class StudyAssemblerActor : ReceiveActor, IWithTimers
{
    private readonly AssemblyRules _rules;
    private readonly TimeSpan _inactivity;
    private readonly IActorRef _aggregators;
    private readonly IActorRef _dispatcher;
    private readonly ILogger _log = ActorLogging.For<StudyAssemblerActor>(Context.System);
    private readonly Dictionary<string, Buffer> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _waiters = new(StringComparer.Ordinal);
    private readonly Queue<SliceTask> _outbox = new();
    private readonly PlannedInstances _planned = new();
    private bool _awaitingReply, _paused;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed class Buffer
    {
        public Dictionary<string, InstanceHeader> Instances { get; } = new(StringComparer.Ordinal);
        public DateTime LastArrival { get; set; }
        public bool Planning { get; set; }
    }

    private sealed record Tick { public static Tick Instance { get; } = new(); }
    private sealed record Opened(StudyPlan Plan, StudyOpenAck Ack);
    private sealed record OpenFailed(StudyPlan Plan, Exception Error);

    private readonly IngestPressure? _pressure;

    public StudyAssemblerActor(AssemblyRules rules, TimeSpan inactivity, IActorRef aggregators, IActorRef dispatcher, IngestPressure? pressure = null)
    {
        _pressure = pressure;
        _rules = rules;
        _inactivity = inactivity;
        _aggregators = aggregators;
        _dispatcher = dispatcher;

        Receive<InstancesArrived>(a => Arrived(a.Instances));
        Receive<CompleteStudies>(c =>
        {
            var waiting = c.StudyUids.Distinct(StringComparer.Ordinal).ToList();
            var completer = Context.ActorOf(Akka.Actor.Props.Create(() => new CompletionWaiter(Sender, waiting)));
            foreach (var uid in waiting)
            {
                if (!_open.ContainsKey(uid)) { completer.Tell(new StudiesCompleted([uid])); continue; }
                Wait(uid, completer);
                Complete(uid);
            }
        });
        Receive<Tick>(_ =>
        {
            var cutoff = DateTime.UtcNow - _inactivity;
            foreach (var (uid, b) in _open.Where(kv => !kv.Value.Planning && kv.Value.LastArrival < cutoff).ToList()) Complete(uid);
        });
        Receive<Opened>(o => OnOpened(o.Plan, o.Ack));
        Receive<OpenFailed>(f =>
        {
            IngestLog.OpenFailed(_log, LogSafe.Uid(f.Plan.StudyUid), f.Error.GetType().Name);
            Timers.StartSingleTimer("reopen-" + f.Plan.StudyUid, new RetryOpen(f.Plan), TimeSpan.FromSeconds(1));
        });
        Receive<RetryOpen>(r => Open(r.Plan));
        Receive<SliceAccepted>(_ =>
        {
            _awaitingReply = false;
            _outbox.Dequeue();
            Offer();
        });
        Receive<DispatcherBusy>(_ => { _awaitingReply = false; _paused = true; _pressure?.Set(_outbox.Count); });
        Receive<DispatcherReady>(_ => { _paused = false; Offer(); });
    }

    private sealed record RetryOpen(StudyPlan Plan);

    public static Props Props(AssemblyRules rules, TimeSpan inactivity, IActorRef aggregators, IActorRef dispatcher, IngestPressure? pressure = null) =>
        Akka.Actor.Props.Create(() => new StudyAssemblerActor(rules, inactivity, aggregators, dispatcher, pressure));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("inactivity", Tick.Instance, TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, _inactivity.Ticks / 4)));

    /// <summary>Tasks waiting to be offered to the dispatcher (the C-STORE SCP defers new associations above a threshold).</summary>
    public int Outbox => _outbox.Count;

    private void Arrived(IReadOnlyList<InstanceHeader> instances)
    {
        var touched = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in instances)
        {
            // Already in a plan (a journal replay after a crash, the staging rescan, a sender's retry): nothing new.
            if (_planned.Contains(i.StudyInstanceUid, i.SopInstanceUid)) continue;
            if (!_open.TryGetValue(i.StudyInstanceUid, out var b)) _open[i.StudyInstanceUid] = b = new Buffer();
            b.Instances[i.SopInstanceUid] = i;
            b.LastArrival = DateTime.UtcNow;
            if (seen.Add(i.StudyInstanceUid)) touched.Add(i.StudyInstanceUid);
        }
        foreach (var uid in touched)
        {
            var b = _open[uid];
            if (b.Planning) continue;
            var labelled = b.Instances.Values.Select(i => DiscLevels.Parse(i.LevelLabel)).Where(l => l is not null && DiscLevels.IsGraded(l)).Distinct().Count();
            if (labelled == DiscLevels.Graded.Count) Complete(uid);
        }
    }

    private void Wait(string uid, IActorRef waiter)
    {
        if (!_waiters.TryGetValue(uid, out var list)) _waiters[uid] = list = [];
        list.Add(waiter);
    }

    private void Complete(string uid)
    {
        if (!_open.TryGetValue(uid, out var b) || b.Planning) return;
        b.Planning = true;
        _planned.Add(uid, b.Instances.Keys);
        var plan = StudyAssembly.Plan(uid, b.Instances.Values.ToList(), _rules);
        IngestLog.StudyAssembled(_log, LogSafe.Uid(uid), plan.Slices.Count, plan.Missing.Count);
        Open(plan);
    }

    private void Open(StudyPlan plan) =>
        _aggregators.Ask<StudyOpenAck>(new OpenStudy(plan), TimeSpan.FromSeconds(30))
            .PipeTo(Self, success: ack => new Opened(plan, ack), failure: ex => new OpenFailed(plan, ex));

    private void OnOpened(StudyPlan plan, StudyOpenAck ack)
    {
        _open.Remove(plan.StudyUid);
        if (!ack.Finished)
            foreach (var s in plan.Slices) _outbox.Enqueue(new SliceTask(plan.StudyUid, plan.PatientId, s.Level, s.SopInstanceUid, s.Path));
        if (_waiters.Remove(plan.StudyUid, out var waiters))
            foreach (var w in waiters) w.Tell(new StudiesCompleted([plan.StudyUid]));
        Offer();
    }

    private void Offer()
    {
        _pressure?.Set(_outbox.Count);
        if (_awaitingReply || _paused || _outbox.Count == 0) return;
        _awaitingReply = true;
        _dispatcher.Tell(new SubmitSlice(_outbox.Peek()));
    }

    /// <summary>Answers one <see cref="CompleteStudies"/> once every study in it is opened.</summary>
    private sealed class CompletionWaiter : ReceiveActor
    {
        public CompletionWaiter(IActorRef replyTo, List<string> studies)
        {
            var pending = new HashSet<string>(studies, StringComparer.Ordinal);
            void Check()
            {
                if (pending.Count > 0) return;
                replyTo.Tell(new StudiesCompleted(studies));
                Context.Stop(Self);
            }
            Receive<StudiesCompleted>(c => { foreach (var s in c.StudyUids) pending.Remove(s); Check(); });
            Check();
        }
    }
}
