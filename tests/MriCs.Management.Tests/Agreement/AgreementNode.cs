using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MriCs.Actors.Actors;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Actors.Studies;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Inference.Preprocessing;
using MriCs.Management;
using MriCs.Management.Agreement;
using MriCs.Management.Telemetry;

namespace MriCs.Management.Tests.Agreement;

/// <summary>
/// An ingest node (cluster of one, SQLite journal) with its management endpoint on a free loopback port and the
/// live agreement; no GPU workers: recommendations are published on the "mrics.recommendations" topic as the
/// aggregators publish them.
/// </summary>
public sealed class AgreementNode : IAsyncDisposable
{
    public const string Token = "live-agreement-test-token";

    private readonly IHost _host;

    private AgreementNode(IHost host, Uri address)
    {
        _host = host;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) };
    }

    public Uri Address { get; }
    public HttpClient Http { get; }
    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();
    public IServiceProvider Services => _host.Services;
    public string HostPort => $"{Address.Host}:{Address.Port}";

    public static async Task<AgreementNode> StartAsync(string dataDir)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = dataDir,
            ["MriCs:Roles:0"] = ClusterRoles.Ingest,
            ["MriCs:Inference:Slots"] = "1",
            ["MriCs:Management:Port"] = "0",
            ["MriCs:Management:Token"] = Token,
        };
        var host = MriCsNode.Build(settings, s =>
        {
            s.AddSingleton<IInstanceReader>(new NoReader());
            s.AddMriCsManagement().AddMriCsMetrics().AddLiveAgreement();
        }, configureAkka: a => a.AddHocon("akka.test.timefactor = 4", HoconAddMode.Prepend));
        await host.StartAsync();
        var address = host.Services.GetRequiredService<ManagementHost>().Address ?? throw new InvalidOperationException("management endpoint did not start");
        return new AgreementNode(host, address);
    }

    /// <summary>Publishes recommendations as aggregators do, then waits until the live agreement counts them.</summary>
    public async Task PublishAsync(IReadOnlyList<Recommendation> recommendations)
    {
        var mediator = DistributedPubSub.Get(System).Mediator;
        foreach (var r in recommendations)
            mediator.Tell(new Publish(StudyAggregatorActor.RecommendationsTopic, new RecommendationPublished(r.StudyUid, r)));
        var patients = recommendations.Select(r => r.PatientId).Distinct().Count();
        // The singleton subscribes once it has started: publish again until it has them all (idempotent).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var s = await GetAgreementAsync("");
            if (s.Patients - s.PatientsWithoutRecommendation >= patients) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"live agreement learned {s.Patients - s.PatientsWithoutRecommendation} of {patients} patients' recommendations");
            await Task.Delay(300);
            foreach (var r in recommendations)
                mediator.Tell(new Publish(StudyAggregatorActor.RecommendationsTopic, new RecommendationPublished(r.StudyUid, r)));
        }
    }

    public async Task<(int Status, string Body)> PostAsync(string body, string mediaType, string? token = Token, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/decisions" + query)
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<AgreementStatus> GetAgreementAsync(string query)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            using var response = await Http.GetAsync("/api/agreement" + query);
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var s = JsonSerializer.Deserialize<AgreementStatus>(body, Json)!;
                if (s.CaughtUp) return s;
            }
            else if ((int)response.StatusCode != 504) Assert.Fail($"GET /api/agreement{query}: {(int)response.StatusCode} {body}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"GET /api/agreement{query} not ready: {(int)response.StatusCode} {body}");
            await Task.Delay(300);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }

    private sealed class NoReader : IInstanceReader
    {
        public InstanceHeader ReadHeader(string path) => throw new InvalidDataException("no instances in these tests");
        public GrayImage ReadGray(string path) => throw new InvalidDataException("no instances in these tests");
    }
}

/// <summary>Synthetic recommendations (made by the aggregator's own StudyState.Recommend) and surgeon labels; no patient data.</summary>
public static class Scenario
{
    private static readonly string[] Levels = ["C3/4", "C4/5", "C5/6", "C6/7"];

    public static ModelSetRef ModelSet { get; } = new("ensemble",
    [
        new ModelRef("det", "detector", null, new string('a', 64)),
        .. Enumerable.Range(1, 4).Select(v => new ModelRef($"cls{v}", "classifier", v, new string((char)('a' + v), 64))),
    ]);

    private static float[] OneHot(int grade)
    {
        var r = new float[3];
        for (var i = 0; i < 3; i++) r[i] = i == grade ? 0.8f : 0.1f;
        return r;
    }

    public static Recommendation Recommend(string study, string patient, int[][] gradesPerLevelPerModel)
    {
        var headers = Levels.Select((l, i) => new InstanceHeader($"/nowhere/{study}.{i}", patient, study, study + ".1", $"{study}.{i}", "MR",
            "t2_tse_tra", 100, 3000, [1, 0, 0, 0, 1, 0], [0, 0, -20 * i], null, l)).ToList();
        var plan = StudyAssembly.Plan(study, headers, new AssemblyRules());
        var results = plan.Slices.ToDictionary(s => s.SopInstanceUid, s =>
        {
            var i = Array.IndexOf(Levels, s.Level);
            return new SliceReport(s.Level, s.SopInstanceUid, SliceOutcomes.Graded, [10, 20, 50, 60], 0.9f,
                gradesPerLevelPerModel[i].Select((g, m) => new ModelVote($"cls{m + 1}", m + 1, OneHot(g))).ToList(), null, ModelSet);
        });
        return StudyState.Recommend(plan, results, FusionMode.Mean);
    }

    /// <summary>Patients with four DL versions that mostly agree with the truth, and surgeon labels (one rater, three sites).</summary>
    public static (List<Recommendation> Recommendations, string Labels) Make(int patients, int seed)
    {
        var rng = new Random(seed);
        var recs = new List<Recommendation>();
        var labels = new StringBuilder("patient_id,level,grade,site\n");
        string[] sites = ["north", "south", "east"];
        for (var p = 0; p < patients; p++)
        {
            var id = $"LA{p:D3}";
            var truth = Levels.Select(_ => rng.NextDouble() switch { < 0.45 => 0, < 0.65 => 1, _ => 2 }).ToArray();
            var grades = truth.Select(t => Enumerable.Range(0, 4).Select(_ => rng.NextDouble() < 0.75 ? t : rng.Next(3)).ToArray()).ToArray();
            recs.Add(Recommend($"7.{p + 1}", id, grades));
            var site = sites[p % sites.Length];
            for (var i = 0; i < 4; i++)
                if (rng.NextDouble() < 0.92) labels.Append($"{id},{Levels[i]},{(rng.NextDouble() < 0.8 ? truth[i] : rng.Next(3))},{site}\n");
            if (p % 5 == 0) labels.Append($"{id},patient,{truth.Max()},{site}\n");
        }
        return (recs, labels.ToString());
    }

    /// <summary>What `./mrics evaluate --predictions results.csv --labels labels.csv` computes.</summary>
    public static AgreementReport Batch(IEnumerable<Recommendation> recommendations, string labels)
    {
        var csv = new StringWriter();
        ResultsExport.WriteCsv(csv, recommendations);
        return AgreementAnalysis.Run(EvaluationCsv.ReadPredictions(new StringReader(csv.ToString()), "results.csv"),
            EvaluationCsv.ReadReferences(new StringReader(labels), "labels.csv"), new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });
    }

    /// <summary>Every entry with pairs equals the batch cell of its unit, site, model and reference; returns how many were compared.</summary>
    public static int AssertSameAsBatch(AgreementReport batch, AgreementStatus live)
    {
        var compared = 0;
        foreach (var e in live.Entries.Where(e => e.N > 0))
        {
            var unit = e.Unit == "image" ? AnalysisUnit.Image : AnalysisUnit.Patient;
            var cell = batch.Find(unit, e.Model, e.Reference, e.Site == "*" ? Stratum.All : new Stratum(null, e.Site));
            Assert.True(cell is not null, $"no batch cell for {e.Unit} {e.Site} {e.Model}");
            Assert.Equal(cell!.ThreeClassMatrix.ToArray(), e.Matrix);
            Assert.Equal(cell.ThreeClass.Estimate.Kappa, e.ThreeClass.Kappa);
            Assert.Equal(cell.ThreeClass.Estimate.StandardError, e.ThreeClass.Se);
            Assert.Equal(cell.ThreeClass.Estimate.AsymptoticCi?.Low, e.ThreeClass.CiLow);
            Assert.Equal(cell.ThreeClass.Estimate.AsymptoticCi?.High, e.ThreeClass.CiHigh);
            Assert.Equal(cell.Binary.Estimate.Kappa, e.Binary.Kappa);
            Assert.Equal(cell.Binary.Estimate.StandardError, e.Binary.Se);
            Assert.Equal(cell.Quadratic.Estimate.Kappa, e.Quadratic.Kappa);
            Assert.Equal(cell.Linear.Estimate.Kappa, e.Linear.Kappa);
            compared++;
        }
        return compared;
    }
}
