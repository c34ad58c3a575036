using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using MriCs.Actors.Actors;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Protocol;
using MriCs.Actors.Serialization;
using MriCs.Actors.Studies;
using Xunit.Abstractions;
using static MriCs.Actors.Tests.TestData;

namespace MriCs.Actors.Tests;

public static class SpecConfig
{
    /// <summary>2 shared cores: TestKit timeouts scaled.</summary>
    public static Config Local { get; } = ConfigurationFactory.ParseString("""
        akka.test.timefactor = 4
        akka.loglevel = WARNING
        """);
}

public class SerializerSpec(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    private static IEnumerable<IMriCsMessage> Samples()
    {
        var plan = StudyAssembly.Plan("1.2", KeyImages("1.2"), new AssemblyRules());
        var report = Graded("C3/4", "1.2.1", 1, 2);
        var results = plan.Slices.ToDictionary(s => s.SopInstanceUid, s => Graded(s.Level, s.SopInstanceUid, 1, 2));
        var recommendation = StudyState.Recommend(plan, results, FusionMode.Mean);
        var task = new SliceTask("1.2", "P1", "C3/4", "1.2.1", "/data/x.dcm");
        yield return new StudyOpened(plan);
        yield return new SliceResultRecorded(report);
        yield return new RecommendationIssued(recommendation);
        yield return Header("1.2", "1.2.1", "C3/4");
        yield return task;
        yield return new OpenStudy(plan);
        yield return new StudyOpenAck("1.2", true, false);
        yield return new RecordSliceResult("1.2", report);
        yield return new SliceResultAck("1.2", "1.2.1", false);
        yield return new GetStudyResult("1.2");
        yield return new StudyResultResponse("1.2", true, 4, 4, recommendation);
        yield return new RecommendationPublished("1.2", recommendation);
        yield return new SubmitSlice(task);
        yield return new SliceAccepted("1.2.1");
        yield return new DispatcherBusy("1.2.1", 8);
        yield return DispatcherReady.Instance;
        yield return GetDispatcherStats.Instance;
        yield return new DispatcherStats(1, 2, 3, 4, 5, 6, 7, 8);
        yield return new RunSlice("slot-0", task);
        yield return new WorkerBusy("slot-0", task);
        yield return new GetSlotStats("slot-0");
        yield return new SlotStats("slot-0", "CPU", "ensemble", 1, 2, 3, 4, 5);
        yield return new SlotHosted("slot-3");
        // slot management (telemetry)
        yield return new GetSlotDetails("slot-0");
        yield return new SlotDetails("slot-0", "akka.tcp://mrics@127.0.0.1:4053", "cpu", "CPU", "ready", "ensemble", "0123456789ab",
            [new ModelRef("det", "detector", null, new string('a', 64))], 1, 16, 3,
            [new ModelBatching("det", 2, 10, 40, new Dictionary<int, long> { [1] = 4, [4] = 9 })], 40, 1, 12.5, null);
        yield return new ReloadSlot("slot-0");
        yield return new SlotReloaded("slot-0", "akka.tcp://mrics@127.0.0.1:4053", false, "0123456789ab", "0123456789ab", "model 'det' file 'det.onnx' has sha256 ...");
        foreach (var m in AgreementSamples()) yield return m;
    }

    private static IEnumerable<IMriCsMessage> AgreementSamples()
    {
        var k = new KappaFigure(0.5, 0.1, 0.3, 0.7, "moderate", null);
        yield return new SurgeonDecisionRecorded("P1", "C3/4", "reference", 2, "north", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), 1);
        yield return new RecordDecisions([new DecisionRow(2, "P1", "patient", "reference", 1, null)]);
        yield return new DecisionsRecorded(1, 2, 3, [new RejectedDecision(4, "grade '7' is not 0, 1 or 2")]);
        yield return new GetAgreement("north", "image", null);
        yield return new AgreementSnapshot([new DecisionRow(0, "P1", "C4/5", "reference", 2, "north")]);
        yield return new AgreementStatus(DateTimeOffset.UnixEpoch, true, ["ensemble"], ["reference"], ["north"], "reference", 3, 4, 1, 0,
            [new AgreementEntry("image", "*", "ensemble", "reference", 4, [1, 0, 0, 0, 1, 0, 0, 1, 1], k, k, k, new KappaFigure(null, null, null, null, null, "undefined"), 1, 0)], false);
    }

    [Fact]
    public void Every_message_round_trips_with_its_stable_manifest()
    {
        var serializer = new MriCsSerializer((ExtendedActorSystem)Sys);
        var samples = Samples().ToList();
        Assert.Equal(MriCsSerializer.Manifests.Count, samples.Select(s => s.GetType()).Distinct().Count());
        foreach (var message in samples)
        {
            var manifest = serializer.Manifest(message);
            var back = serializer.FromBinary(serializer.ToBinary(message), manifest);
            Assert.IsType(message.GetType(), back);
            Assert.Equal(JsonSerializer.Serialize(message, message.GetType()), JsonSerializer.Serialize(back, back.GetType()));
        }
    }

    [Fact]
    public void Manifests_are_unique_and_short_and_cover_every_message_type()
    {
        Assert.Equal(MriCsSerializer.Manifests.Count, MriCsSerializer.Manifests.Values.Distinct().Count());
        Assert.All(MriCsSerializer.Manifests.Values, m => Assert.True(m.Length <= 6));
        var all = typeof(IMriCsMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(IMriCsMessage).IsAssignableFrom(t));
        Assert.All(all, t => Assert.True(MriCsSerializer.Manifests.ContainsKey(t), $"{t.Name} has no manifest"));
    }

    [Fact]
    public void Unknown_manifest_and_bad_payload_fail_with_a_clear_message()
    {
        var serializer = new MriCsSerializer((ExtendedActorSystem)Sys);
        var ex = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1, 2], "zz"));
        Assert.Contains("unknown MriCs manifest 'zz'", ex.Message);
        var bad = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary("{not json"u8.ToArray(), "m.st1"));
        Assert.Contains("SliceTask", bad.Message);
    }
}

public class DispatcherSpec(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    private static SliceTask Task(int i) => new("s", "P", "C3/4", $"sop-{i}", $"/x/{i}");

    [Fact]
    public async Task A_full_queue_refuses_then_signals_ready_and_credits_cap_each_slot()
    {
        var workers = CreateTestProbe();
        var settings = new DispatcherSettings(DispatcherSettings.SlotIds(2), QueueCapacity: 4, MaxInFlightPerSlot: 2, TaskTimeout: TimeSpan.FromMinutes(5));
        var dispatcher = Sys.ActorOf(SliceDispatcher.Props(settings, workers.Ref));

        // 2 slots x 2 credits go out at once, then 4 wait in the queue, then the 9th is refused.
        for (var i = 0; i < 8; i++)
        {
            dispatcher.Tell(new SubmitSlice(Task(i)));
            ExpectMsg<SliceAccepted>();
        }
        var runs = workers.ReceiveN(4).Cast<RunSlice>().ToList();
        Assert.Equal(2, runs.Count(r => r.SlotId == "slot-0"));
        Assert.Equal(2, runs.Count(r => r.SlotId == "slot-1"));
        workers.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        dispatcher.Tell(new SubmitSlice(Task(8)));
        ExpectMsg<DispatcherBusy>();

        // Acks return credits: the queue drains to half, the refused sender hears "ready".
        dispatcher.Tell(new SliceResultAck("s", runs[0].Task.SopInstanceUid, false));
        dispatcher.Tell(new SliceResultAck("s", runs[1].Task.SopInstanceUid, false));
        workers.ReceiveN(2);
        ExpectMsg<DispatcherReady>();
        var stats = (await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance));
        Assert.Equal(4, stats.MaxQueued);
        Assert.Equal(4, stats.InFlight);
        Assert.Equal(1, stats.Refused);
    }

    [Fact]
    public async Task A_task_without_an_ack_is_sent_again_and_a_duplicate_offer_is_not_queued_twice()
    {
        var workers = CreateTestProbe();
        var settings = new DispatcherSettings(DispatcherSettings.SlotIds(1), 4, 1, TaskTimeout: TimeSpan.FromMilliseconds(300));
        var dispatcher = Sys.ActorOf(SliceDispatcher.Props(settings, workers.Ref));
        dispatcher.Tell(new SubmitSlice(Task(1)));
        dispatcher.Tell(new SubmitSlice(Task(1)));
        ExpectMsg<SliceAccepted>();
        ExpectMsg<SliceAccepted>();
        Assert.Equal("sop-1", workers.ExpectMsg<RunSlice>().Task.SopInstanceUid);
        Assert.Equal("sop-1", workers.ExpectMsg<RunSlice>(TimeSpan.FromSeconds(5)).Task.SopInstanceUid); // resent after the timeout
        dispatcher.Tell(new SliceResultAck("s", "sop-1", false));
        workers.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
        var stats = (await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance));
        Assert.True(stats.Resent >= 1);
        Assert.Equal(0, stats.InFlight);
        Assert.Equal(1, stats.Finished);
    }
}

/// <summary>An aggregator stand-in that acks every result and counts them per SOP instance.</summary>
public sealed class AckingAggregator : ReceiveActor
{
    public AckingAggregator(Dictionary<string, int> counts)
    {
        Receive<RecordSliceResult>(r =>
        {
            lock (counts) counts[r.Result.SopInstanceUid] = counts.GetValueOrDefault(r.Result.SopInstanceUid) + 1;
            Sender.Tell(new SliceResultAck(r.StudyUid, r.Result.SopInstanceUid, false));
        });
    }
}

/// <summary>Routes RunSlice to per-slot worker actors (the shard region's job in the real node).</summary>
public sealed class SlotRouter : ReceiveActor
{
    public SlotRouter(Func<string, Props> props)
    {
        ReceiveAny(m =>
        {
            var slot = ((IWithSlotId)m).SlotId;
            var child = Context.Child(slot);
            if (child.IsNobody()) child = Context.ActorOf(props(slot), slot);
            child.Forward(m);
        });
    }
}

/// <summary>Offers tasks like the assembler does: one at a time, pausing on busy until ready.</summary>
public sealed class Flooder : ReceiveActor
{
    public Flooder(IActorRef dispatcher, Queue<SliceTask> tasks)
    {
        var paused = false;
        var busy = 0;
        void Offer() { if (!paused && tasks.Count > 0) dispatcher.Tell(new SubmitSlice(tasks.Peek())); }
        Receive<SliceAccepted>(_ => { tasks.Dequeue(); Offer(); });
        Receive<DispatcherBusy>(_ => { paused = true; busy++; });
        Receive<DispatcherReady>(_ => { paused = false; Offer(); });
        Receive<string>(s => s == "busy-count", _ => Sender.Tell(busy));
        Offer();
    }
}

public class BackpressureSpec(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    [Fact]
    public async Task A_flood_never_exceeds_the_queue_or_the_slot_limits_and_every_task_completes_once()
    {
        const int tasks = 300, capacity = 8, perSlot = 3, slots = 2;
        var grader = new FakeGraderFactory(TimeSpan.FromMilliseconds(5));
        var counts = new Dictionary<string, int>();
        var aggregator = Sys.ActorOf(Props.Create(() => new AckingAggregator(counts)));
        var router = Sys.ActorOf(Props.Create(() => new SlotRouter(slot => GpuWorkerActor.Props(slot, grader, aggregator, perSlot))));
        var settings = new DispatcherSettings(DispatcherSettings.SlotIds(slots), capacity, perSlot, TimeSpan.FromMinutes(5));
        var dispatcher = Sys.ActorOf(SliceDispatcher.Props(settings, router));
        var queue = new Queue<SliceTask>(Enumerable.Range(0, tasks).Select(i => new SliceTask("s", "P", "C3/4", $"sop-{i}", "/missing/file")));
        var flooder = Sys.ActorOf(Props.Create(() => new Flooder(dispatcher, queue)));

        AwaitCondition(() => { lock (counts) return counts.Count == tasks; }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var stats = (await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance));
        Assert.True(stats.MaxQueued <= capacity, $"queue reached {stats.MaxQueued} > {capacity}");
        Assert.Equal(capacity, stats.MaxQueued); // the flood did fill it
        Assert.True((await flooder.Ask<int>("busy-count")) > 0, "the flood was never refused");
        Assert.True(grader.MaxInFlight <= perSlot * slots, $"{grader.MaxInFlight} slices graded at once > {perSlot * slots}");
        foreach (var slot in DispatcherSettings.SlotIds(slots))
        {
            var s = await router.Ask<SlotStats>(new GetSlotStats(slot));
            Assert.True(s.MaxObservedInFlight <= perSlot, $"{slot} ran {s.MaxObservedInFlight} > {perSlot}");
        }
        lock (counts) Assert.All(counts.Values, n => Assert.Equal(1, n));
        Assert.Equal(tasks, stats.Finished);
    }
}

public sealed class FailingGraderFactory : Grading.ISliceGraderFactory
{
    public Task<Grading.ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation) =>
        Task.FromException<Grading.ISliceGrader>(new FileNotFoundException("models/manifest.json: not found"));
}

public class WorkerSpec(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    [Fact]
    public async Task A_slot_that_cannot_load_its_models_says_why_and_takes_nothing()
    {
        var aggregator = CreateTestProbe();
        var worker = Sys.ActorOf(GpuWorkerActor.Props("slot-0", new FailingGraderFactory(), aggregator.Ref, 2));
        var task = new SliceTask("s", "P", "C3/4", "sop", "/x");
        worker.Tell(new RunSlice("slot-0", task));
        Assert.Equal("slot-0", ExpectMsg<SlotHosted>().SlotId); // where the slot lives, once per sender
        Assert.Equal(task, ExpectMsg<WorkerBusy>().Task);
        var stats = await worker.Ask<SlotStats>(new GetSlotStats("slot-0"));
        Assert.StartsWith(GpuWorkerActor.FailedPrefix, stats.Provider);
        Assert.Contains("manifest.json", stats.Provider);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Results_go_to_the_aggregator_on_behalf_of_the_sender()
    {
        var aggregator = CreateTestProbe();
        var worker = Sys.ActorOf(GpuWorkerActor.Props("slot-0", new FakeGraderFactory(TimeSpan.Zero), aggregator.Ref, 2));
        worker.Tell(new RunSlice("slot-0", new SliceTask("s", "P", "C3/4", "sop", "/does/not/exist")));
        var record = aggregator.ExpectMsg<RecordSliceResult>();
        Assert.Equal(TestActor, aggregator.LastSender);
        Assert.Equal(SliceOutcomes.Failed, record.Result.Outcome);
        Assert.Contains("/does/not/exist", record.Result.Reason);
    }
}

public class AssemblerSpec(ITestOutputHelper output) : TestKit(SpecConfig.Local, output: output)
{
    [Fact]
    public void Tasks_wait_behind_a_busy_dispatcher_and_the_pressure_gauge_reports_them()
    {
        var aggregators = CreateTestProbe();
        var dispatcher = CreateTestProbe();
        var pressure = new IngestPressure(limit: 3);
        var assembler = Sys.ActorOf(StudyAssemblerActor.Props(new AssemblyRules(), TimeSpan.FromMinutes(5), aggregators.Ref, dispatcher.Ref, pressure));

        assembler.Tell(new InstancesArrived(KeyImages("5.1"))); // four labelled key images: complete at once
        var open = aggregators.ExpectMsg<OpenStudy>();
        Assert.Equal(4, open.Plan.Slices.Count);
        aggregators.Reply(new StudyOpenAck("5.1", false, false));

        var first = dispatcher.ExpectMsg<SubmitSlice>();
        dispatcher.Reply(new DispatcherBusy(first.Task.SopInstanceUid, 1));
        dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // paused: nothing offered while busy
        AwaitCondition(() => pressure.Waiting == 4);
        Assert.True(pressure.Saturated);

        dispatcher.Send(assembler, DispatcherReady.Instance);
        for (var i = 0; i < 4; i++)
        {
            var offer = dispatcher.ExpectMsg<SubmitSlice>();
            dispatcher.Reply(new SliceAccepted(offer.Task.SopInstanceUid));
        }
        AwaitCondition(() => pressure.Waiting == 0);
        Assert.False(pressure.Saturated);
    }

    [Fact]
    public void A_finished_study_sent_again_offers_no_tasks()
    {
        var aggregators = CreateTestProbe();
        var dispatcher = CreateTestProbe();
        var assembler = Sys.ActorOf(StudyAssemblerActor.Props(new AssemblyRules(), TimeSpan.FromMinutes(5), aggregators.Ref, dispatcher.Ref));
        assembler.Tell(new InstancesArrived(KeyImages("5.2")));
        aggregators.ExpectMsg<OpenStudy>();
        aggregators.Reply(new StudyOpenAck("5.2", Duplicate: true, Finished: true));
        dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void The_same_instances_again_after_their_study_was_planned_open_no_second_plan()
    {
        // A journal-mode SCP replays what it acknowledged before a crash; the staging rescan reads it too.
        var aggregators = CreateTestProbe();
        var dispatcher = CreateTestProbe();
        var assembler = Sys.ActorOf(StudyAssemblerActor.Props(new AssemblyRules(), TimeSpan.FromMilliseconds(300), aggregators.Ref, dispatcher.Ref));
        var images = KeyImages("5.3");
        assembler.Tell(new InstancesArrived([.. images, images[0]])); // twice in one batch: one slice
        var open = aggregators.ExpectMsg<OpenStudy>();
        Assert.Equal(4, open.Plan.Slices.Count);
        aggregators.Reply(new StudyOpenAck("5.3", Duplicate: false, Finished: false));
        for (var i = 0; i < 4; i++)
        {
            var offer = dispatcher.ExpectMsg<SubmitSlice>();
            dispatcher.Reply(new SliceAccepted(offer.Task.SopInstanceUid));
        }
        assembler.Tell(new InstancesArrived(images));
        assembler.Tell(new InstancesArrived([images[2]]));
        // No second (partial) plan, even after the inactivity timeout, and no task offered twice.
        aggregators.ExpectNoMsg(TimeSpan.FromSeconds(2));
        dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // A new instance of the same study is still new: it is planned (a late arrival).
        var late = Header("5.3", "5.3.99", null, z: 40);
        assembler.Tell(new InstancesArrived([late, images[1]]));
        var again = aggregators.ExpectMsg<OpenStudy>(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(again.Plan.Slices, s => images.Any(i => i.SopInstanceUid == s.SopInstanceUid));
    }

    [Fact]
    public void Planned_instances_memory_is_bounded_oldest_study_first()
    {
        var planned = new PlannedInstances(maxStudies: 2);
        planned.Add("a", ["a.1"]);
        planned.Add("b", ["b.1"]);
        planned.Add("a", ["a.2"]);
        Assert.True(planned.Contains("a", "a.1") && planned.Contains("a", "a.2") && planned.Contains("b", "b.1"));
        Assert.False(planned.Contains("b", "a.1"));
        planned.Add("c", ["c.1"]);
        Assert.Equal(2, planned.Studies);
        Assert.False(planned.Contains("a", "a.1"));
        Assert.True(planned.Contains("c", "c.1"));
    }
}
