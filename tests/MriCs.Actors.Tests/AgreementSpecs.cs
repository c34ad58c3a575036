using System.Text;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using MriCs.Actors.Actors;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using DiscLevels = MriCs.Actors.Protocol.DiscLevels;

namespace MriCs.Actors.Tests;

public class AgreementSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    /// <summary>Waits until the live agreement has read the journal and learned the given number of patients' recommendations.</summary>
    internal static async Task<AgreementStatus> WaitForAsync(LiveAgreementClient client, Func<AgreementStatus, bool> ready, GetAgreement? query = null)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            AgreementStatus? s = null;
            try { s = await client.GetAsync(query ?? new GetAgreement(), TimeSpan.FromSeconds(10)); }
            catch (Akka.Actor.AskTimeoutException) { } // the singleton may still be starting
            if (s is not null && s.CaughtUp && ready(s)) return s;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"live agreement not ready after {Wait.TotalSeconds} s: {(s is null ? "no answer" : $"caughtUp={s.CaughtUp}, patients={s.Patients}")}");
            await Task.Delay(200);
        }
    }

    private static async Task<int> CountDecisionEvents(Akka.Actor.ActorSystem system)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId(AgreementActor.Id, 0, long.MaxValue).RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
        return events.Count(e => e.Event is SurgeonDecisionRecorded);
    }

    /// <summary>Synthetic studies (fake grader: both classifiers give the stored grade) and surgeon labels close to them.</summary>
    internal static (string Input, string Labels, int Studies) Scenario(string root, int patients, int seed)
    {
        var rng = new Random(seed);
        var input = Path.Combine(root, "in");
        var labels = new StringBuilder("patient_id,level,grade,site\n");
        for (var p = 0; p < patients; p++)
        {
            var grades = Enumerable.Range(0, 4).Select(_ => rng.Next(3)).ToArray();
            var patient = $"AG{p:D3}";
            TestData.WriteStudy(input, $"9.{p + 1}", patient, grades);
            var site = p % 3 == 0 ? "north" : "south";
            for (var i = 0; i < 4; i++)
                if (rng.NextDouble() < 0.9)
                    labels.Append($"{patient},{DiscLevels.Graded[i]},{(rng.NextDouble() < 0.75 ? grades[i] : rng.Next(3))},{site}\n");
            if (p % 4 == 0) labels.Append($"{patient},patient,{rng.Next(3)},{site}\n");
        }
        labels.Append("NOSTUDY,C3/4,1,north\n"); // a decision without a recommendation
        return (input, labels.ToString(), patients);
    }

    /// <summary>The batch evaluation (what `./mrics evaluate` computes) on results.csv and the labels.</summary>
    internal static AgreementReport Batch(IEnumerable<Recommendation> recommendations, string labels)
    {
        var csv = new StringWriter();
        ResultsExport.WriteCsv(csv, recommendations);
        return AgreementAnalysis.Run(EvaluationCsv.ReadPredictions(new StringReader(csv.ToString()), "results.csv"),
            EvaluationCsv.ReadReferences(new StringReader(labels), "labels.csv"), new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });
    }

    /// <summary>Every live entry against the batch cell of the same unit, site, model and reference.</summary>
    internal static int AssertSameAsBatch(AgreementReport batch, AgreementStatus live)
    {
        var compared = 0;
        foreach (var e in live.Entries.Where(e => e.N > 0))
        {
            var unit = e.Unit == "image" ? AnalysisUnit.Image : AnalysisUnit.Patient;
            var cell = batch.Find(unit, e.Model, e.Reference, e.Site == "*" ? Stratum.All : new Stratum(null, e.Site));
            Assert.NotNull(cell);
            Assert.Equal(cell!.N, e.N);
            Assert.Equal(cell.ThreeClassMatrix.ToArray(), e.Matrix);
            Assert.Equal(cell.ThreeClass.Estimate.Kappa, e.ThreeClass.Kappa);
            Assert.Equal(cell.ThreeClass.Estimate.StandardError, e.ThreeClass.Se);
            Assert.Equal(cell.ThreeClass.Estimate.AsymptoticCi?.Low, e.ThreeClass.CiLow);
            Assert.Equal(cell.Binary.Estimate.Kappa, e.Binary.Kappa);
            Assert.Equal(cell.Binary.Estimate.AsymptoticCi?.High, e.Binary.CiHigh);
            Assert.Equal(cell.Quadratic.Estimate.Kappa, e.Quadratic.Kappa);
            compared++;
        }
        // and nothing the batch has is missing
        var batchPaired = batch.Cells.Count(c => c.N > 0 && c.Stratum.Level is null && c.B == live.Reference && c.Kind != ComparisonKind.RaterVsRater);
        Assert.Equal(batchPaired, compared);
        return compared;
    }

    [Fact]
    public async Task Decisions_are_persisted_idempotently_the_kappa_equals_the_batch_evaluation_and_survives_a_restart()
    {
        using var tmp = new TempDir();
        var (input, labels, studies) = Scenario(tmp.Path, 15, 5);
        var data = tmp.Sub("data");
        var grader = new FakeGraderFactory(TimeSpan.Zero);
        var upload = DecisionInput.ReadCsv(new StringReader(labels), "labels.csv");
        Assert.Empty(upload.Problems);

        string before;
        int events;
        await using (var node = await TestNode.StartAsync(data, grader))
        {
            var ingested = await node.Client.IngestFolderAsync(input, Wait);
            var recs = await node.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait);
            var client = LiveAgreementClient.For(node.System);
            await WaitForAsync(client, s => s.PatientsWithoutDecisions == studies);

            var first = await client.RecordAsync(upload, Wait);
            Assert.Equal((upload.Rows.Count, 0, 0), (first.Added, first.Changed, first.Duplicate));
            Assert.Empty(first.Rejected);

            var live = await WaitForAsync(client, s => s.Decisions == upload.Rows.Count);
            Assert.Equal("reference", live.Reference);
            Assert.Equal(1, live.PatientsWithoutRecommendation);
            Assert.Equal(0, live.PatientsWithoutDecisions);
            Assert.Equal(["dl-v1", "dl-v2", "ensemble"], live.Models);
            var compared = AssertSameAsBatch(Batch(recs, labels), live);
            Assert.Equal(2 * 3 * 3, compared); // 2 units x (all, north, south) x 3 models

            // The same upload again: nothing new.
            var again = await client.RecordAsync(upload, Wait);
            Assert.Equal((0, 0, upload.Rows.Count), (again.Added, again.Changed, again.Duplicate));
            Assert.Equal(upload.Rows.Count, await CountDecisionEvents(node.System));

            // A corrected grade supersedes; the journal keeps both.
            var (line, d) = upload.Rows[3];
            var corrected = new DecisionUpload([(1, d with { Grade = (d.Grade + 1) % 3 })], [], 0);
            var change = await client.RecordAsync(corrected, Wait);
            Assert.Equal(1, change.Changed);
            events = await CountDecisionEvents(node.System);
            Assert.Equal(upload.Rows.Count + 1, events);
            var changedLabels = string.Join('\n', labels.Split('\n').Select((l, i) => i == line - 1 ? $"{d.PatientId},{DiscLevels.Graded[(int)d.Level!.Value]},{(d.Grade + 1) % 3},{d.Site}" : l));
            var after = await client.GetAsync(new GetAgreement(), Wait);
            AssertSameAsBatch(Batch(recs, changedLabels), after);
            before = Describe(after);
        }

        // A restart: decisions from the journal, recommendations from the read side.
        await using (var node = await TestNode.StartAsync(data, grader))
        {
            var client = LiveAgreementClient.For(node.System);
            var recovered = await WaitForAsync(client, s => s.Patients == studies + 1 && s.PatientsWithoutDecisions == 0);
            Assert.Equal(before, Describe(recovered));
            Assert.Equal(events, await CountDecisionEvents(node.System));
        }
    }

    private static string Describe(AgreementStatus s) =>
        $"{s.Decisions}/{s.Patients}/{s.PatientsWithoutRecommendation}/{s.PatientsWithoutDecisions}|" +
        string.Join("|", s.Entries.Select(e => $"{e.Unit}:{e.Site}:{e.Model}:{e.Reference}:{e.N}:{string.Join(",", e.Matrix)}:{e.ThreeClass.Kappa:R}:{e.Binary.Kappa:R}"));

    [Fact]
    public async Task Bad_rows_are_refused_with_their_lines_and_a_live_recommendation_is_learned()
    {
        using var tmp = new TempDir();
        var grader = new FakeGraderFactory(TimeSpan.Zero);
        await using var node = await TestNode.StartAsync(tmp.Sub("data"), grader);
        var client = LiveAgreementClient.For(node.System);
        await WaitForAsync(client, _ => true);
        var upload = DecisionInput.ReadCsv(new StringReader(
            "patient_id,level,grade,site\nLP1,C3/4,2,north\nLP1,C3/4,7,north\nLP1,C4/5,1,south\nLP1,C5/6,0,north\n"), "x.csv");
        var r = await client.RecordAsync(upload, Wait);
        Assert.Equal(2, r.Added);
        Assert.Equal([3, 4], r.Rejected.Select(x => x.Line));
        Assert.Contains("site differs", r.Rejected[1].Problem);

        TestData.WriteStudy(tmp.Sub("in"), "8.1", "LP1", [2, 1, 0, 0]);
        var ingested = await node.Client.IngestFolderAsync(tmp.Sub("in"), Wait);
        await node.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait);
        var s = await WaitForAsync(client, x => x.PatientsWithoutRecommendation == 0 && x.Entries.Any(e => e.N > 0));
        var ensemble = s.Entries.Single(e => e.Unit == "image" && e.Site == "*" && e.Model == "ensemble");
        Assert.Equal(2, ensemble.N);
        Assert.Equal(1, ensemble.Matrix[2 * 3 + 2]);
        Assert.Equal(1, ensemble.Matrix[0 * 3 + 0]);
        Assert.Equal(2, ensemble.ModelOnly); // C4/5 and C6/7 graded by the model only
    }

    [Fact]
    public void The_largest_messages_stay_far_below_the_remote_frame()
    {
        var serializer = new MriCs.Actors.Serialization.MriCsSerializer((Akka.Actor.ExtendedActorSystem)Akka.Actor.ActorSystem.Create("frames"));
        const int frame = 128 * 1000;
        // A chunk of the longest identifiers the reader accepts.
        var longest = new string('x', EvaluationCsv.MaxIdentifierLength);
        var rows = Enumerable.Range(1, 5000).Select(i => (i, new LiveDecision(longest + i, null, longest, 2, longest))).ToList();
        var chunks = LiveAgreementClient.Chunks(rows).ToList();
        Assert.Equal(rows.Select(r => r.i), chunks.SelectMany(c => c).Select(r => r.Line));
        foreach (var c in chunks)
            Assert.True(serializer.ToBinary(new RecordDecisions(c.Select(x => Agreement.AgreementViews.ToRow(x.Line, x.Decision)).ToList())).Length < frame / 2);
        var shortRows = Enumerable.Range(1, 1200).Select(i => (i, new LiveDecision($"P{i}", null, "r", 1, null))).ToList();
        Assert.Equal([500, 500, 200], LiveAgreementClient.Chunks(shortRows).Select(c => c.Length));

        // The fullest answer: every entry with every figure set, long site names.
        var k = new KappaFigure(-0.123456789012345, 0.123456789012345, -0.987654321098765, 0.987654321098765, "almost perfect", null);
        var entries = Enumerable.Range(0, AgreementStatus.MaxEntries).Select(i => new AgreementEntry("patient", new string('s', 64) + i, "ensemble", new string('r', 64),
            long.MaxValue / 3, Enumerable.Repeat(long.MaxValue / 9, 9).ToArray(), k, k, k, k, 123456, 654321)).ToList();
        var status = new AgreementStatus(DateTimeOffset.UtcNow, true, ["dl-v1", "dl-v2", "dl-v3", "dl-v4", "ensemble"], [new string('r', 64)],
            Enumerable.Range(0, 20).Select(i => new string('s', 64) + i).ToList(), new string('r', 64), 1, 2, 3, 4, entries, true);
        Assert.True(serializer.ToBinary(status).Length < frame, $"{serializer.ToBinary(status).Length} bytes");
    }

    [Fact]
    public async Task Recovery_from_a_snapshot_and_the_events_after_it_gives_the_same_figures()
    {
        using var tmp = new TempDir();
        await using var node = await TestNode.StartAsync(tmp.Sub("data"), new FakeGraderFactory(TimeSpan.Zero));
        var registry = Akka.Hosting.ActorRegistry.For(node.System);
        var aggregators = registry.Get<ActorKeys.StudyAggregatorRegion>();
        const string id = "live-agreement-snapshot-spec";
        Akka.Actor.IActorRef Start() => node.System.ActorOf(AgreementActor.Props(aggregators, null, snapshotEvery: 7, persistenceId: id));

        var actor = Start();
        var client = new LiveAgreementClient(actor);
        var rng = new Random(8);
        var decisions = Enumerable.Range(0, 40).Select(i => (i + 2, new LiveDecision($"SN{i % 13}", i % 5 == 4 ? null : (DiscLevel)(i % 4),
            i % 3 == 0 ? "dr-a" : "dr-b", rng.Next(3), i % 13 < 6 ? "north" : null))).ToList();
        foreach (var part in decisions.Chunk(9))
            await client.RecordAsync(new DecisionUpload(part, [], 0), Wait);
        var before = await WaitForAsync(client, s => Publish(node.System) && s.PatientsWithoutRecommendation == 12);
        Assert.Equal(2, before.Raters.Count);
        Assert.Equal(AgreementReport.Consensus, before.Reference);

        var probe = node.System.ActorOf(Akka.Actor.Props.Create(() => new StopWatcher(actor)));
        await probe.Ask<string>("wait", Wait);

        var snapshots = Akka.Persistence.Persistence.Instance.Apply(node.System).SnapshotStoreFor(null);
        var loaded = await snapshots.Ask<Akka.Persistence.LoadSnapshotResult>(
            new Akka.Persistence.LoadSnapshot(id, Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), Wait);
        Assert.NotNull(loaded.Snapshot);
        Assert.True(loaded.Snapshot!.Metadata.SequenceNr > 0 && loaded.Snapshot.Metadata.SequenceNr % 7 == 0);
        Assert.True(loaded.Snapshot.Metadata.SequenceNr < loaded.ToSequenceNr, "events after the snapshot too");
        Assert.IsType<AgreementSnapshot>(loaded.Snapshot.Snapshot);

        var again = new LiveAgreementClient(Start());
        var after = await WaitForAsync(again, s => Publish(node.System) && s.PatientsWithoutRecommendation == 12);
        Assert.Equal(Describe(before), Describe(after));
    }

    /// <summary>Publishes one recommendation on the topic as an aggregator does (again on each poll: the actor subscribes after its recovery).</summary>
    private static bool Publish(ActorSystem system)
    {
        Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(system).Mediator.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(
            StudyAggregatorActor.RecommendationsTopic, new RecommendationPublished("snap.1", Recommendation("snap.1", "SN1"))));
        return true;
    }

    private static Recommendation Recommendation(string study, string patient)
    {
        var plan = MriCs.Actors.Studies.StudyAssembly.Plan(study, TestData.KeyImages(study, patient), new MriCs.Actors.Studies.AssemblyRules());
        var results = plan.Slices.ToDictionary(s => s.SopInstanceUid, s => TestData.Graded(s.Level, s.SopInstanceUid, 1, 2));
        return MriCs.Actors.Aggregation.StudyState.Recommend(plan, results, MriCs.Actors.Aggregation.FusionMode.Mean);
    }

    /// <summary>Stops an actor and answers "stopped" once it has terminated.</summary>
    private sealed class StopWatcher : Akka.Actor.ReceiveActor
    {
        private Akka.Actor.IActorRef? _asker;

        public StopWatcher(Akka.Actor.IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(_ => { _asker = Sender; Context.Stop(target); });
            Receive<Akka.Actor.Terminated>(_ => _asker?.Tell("stopped"));
        }
    }
}
