using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using MriCs.Actors.Actors;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;

namespace MriCs.Management.Routes;

/// <summary>One readiness check: its name, whether it passes, and what was seen.</summary>
public sealed record HealthCheck(string Name, bool Ok, string Detail);

public sealed record HealthReport(string Status, IReadOnlyList<HealthCheck> Checks);

/// <summary>
/// GET /health/live: the process answers and its actor system is not terminated.
/// GET /health/ready: the node is an Up member of the cluster; on gpu-worker nodes every slot hosted here has
/// loaded its models; on ingest nodes the journal answers a query. 200 when every check passes, else 503.
/// </summary>
public sealed class HealthRoutes(ActorSystem system, IOptions<MriCsOptions> options, IServiceProvider services) : IManagementRoutes
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadProbeTimeout = TimeSpan.FromMinutes(5);
    private readonly Lazy<Task<HealthCheck>> _loadProbe = new(() => LoadProbeAsync(services));

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health/live", () => Live());
        endpoints.MapGet("/health/ready", async (CancellationToken ct) => Report(await ReadyAsync(ct).ConfigureAwait(false)));
    }

    private IResult Live()
    {
        var terminated = system.WhenTerminated.IsCompleted;
        var check = new HealthCheck("actor-system", !terminated, terminated ? "terminated" : $"running ({system.Name})");
        return Report([check]);
    }

    private static IResult Report(IReadOnlyList<HealthCheck> checks)
    {
        var ok = checks.All(c => c.Ok);
        return Results.Json(new HealthReport(ok ? "ok" : "failing", checks), ManagementErrors.Json,
            statusCode: ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    public async Task<IReadOnlyList<HealthCheck>> ReadyAsync(CancellationToken ct)
    {
        if (system.WhenTerminated.IsCompleted) return [new HealthCheck("actor-system", false, "terminated")];
        var o = options.Value;
        var checks = new List<HealthCheck> { ClusterCheck() };
        if (o.Has(ClusterRoles.GpuWorker)) checks.Add(await ModelsCheckAsync().ConfigureAwait(false));
        if (o.Has(ClusterRoles.Ingest)) checks.Add(await JournalCheckAsync(ct).ConfigureAwait(false));
        return checks;
    }

    private HealthCheck ClusterCheck()
    {
        var cluster = Cluster.Get(system);
        var self = cluster.SelfMember;
        var up = self.Status == MemberStatus.Up && cluster.State.Members.Any(m => m.Address == self.Address);
        return new HealthCheck("cluster", up, $"{cluster.SelfAddress} is {self.Status}");
    }

    /// <summary>The slots this node hosts (local shard region state) and whether each has its models loaded.</summary>
    private async Task<HealthCheck> ModelsCheckAsync()
    {
        try
        {
            var region = ClusterSharding.Get(system).ShardRegion(MriCsHosting.GpuWorkerRegionName);
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, ProbeTimeout).ConfigureAwait(false);
            var slots = state.Shards.SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal).ToList();
            if (slots.Count == 0) return await NoSlotYetAsync().ConfigureAwait(false);
            var stats = await Task.WhenAll(slots.Select(id => region.Ask<SlotStats>(new GetSlotStats(id), ProbeTimeout))).ConfigureAwait(false);
            var notReady = stats.Where(s => s.Provider == GpuWorkerActor.Loading || s.Provider.StartsWith(GpuWorkerActor.FailedPrefix, StringComparison.Ordinal)).ToList();
            return notReady.Count == 0
                ? new HealthCheck("models", true, string.Join(", ", stats.Select(s => $"{s.SlotId}: {s.ModelSet} on {s.Provider}")))
                : new HealthCheck("models", false, string.Join(", ", notReady.Select(s => $"{s.SlotId}: {s.Provider}")));
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return new HealthCheck("models", false, $"the gpu-worker region did not answer: {ex.Message}");
        }
    }

    /// <summary>
    /// A gpu-worker node that hosts no slot yet is ready only once its model set has loaded here once (sha256, contract,
    /// sessions; then disposed): a node whose models or runtime cannot load never reports ready just because no slot
    /// was placed on it yet. Done once per process; while it runs the node is not ready.
    /// </summary>
    private async Task<HealthCheck> NoSlotYetAsync()
    {
        var probe = _loadProbe.Value;
        if (!probe.IsCompleted) return new HealthCheck("models", false, "no slot hosted yet; loading the model set once to check it");
        return await probe.ConfigureAwait(false);
    }

    private static async Task<HealthCheck> LoadProbeAsync(IServiceProvider services)
    {
        if (services.GetService(typeof(MriCs.Actors.Grading.ISliceGraderFactory)) is not MriCs.Actors.Grading.ISliceGraderFactory factory)
            return new HealthCheck("models", false, "this gpu-worker node has no grader factory configured");
        try
        {
            using var timeout = new CancellationTokenSource(LoadProbeTimeout);
            var grader = await factory.CreateAsync("readiness-probe", timeout.Token).ConfigureAwait(false);
            var detail = $"no slot hosted yet; model set {grader.ModelSet.Id} loads on {grader.Provider}";
            await grader.DisposeAsync().ConfigureAwait(false);
            return new HealthCheck("models", true, detail);
        }
        catch (Exception ex)
        {
            return new HealthCheck("models", false, $"no slot hosted yet and the model set does not load: {ex.Message}");
        }
    }

    /// <summary>A cheap query on the journal (events of a persistence id that never exists), timed.</summary>
    private async Task<HealthCheck> JournalCheckAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ProbeTimeout);
            await journal.CurrentEventsByPersistenceId("mrics-health-probe", 0, long.MaxValue)
                .RunWith(Sink.Ignore<EventEnvelope>(), system.Materializer()).WaitAsync(timeout.Token).ConfigureAwait(false);
            return new HealthCheck("journal", true, $"answered in {watch.ElapsedMilliseconds} ms");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ex.Message;
            return new HealthCheck("journal", false, $"unreachable after {watch.ElapsedMilliseconds} ms: {reason}");
        }
    }
}
