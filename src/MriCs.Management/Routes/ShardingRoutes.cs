using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using MriCs.Actors.Hosting;

namespace MriCs.Management.Routes;

public sealed record RegionView(string Name, string Role, bool HostedHere, IReadOnlyList<string> HostedBy);

public sealed record RegionNodeStats(string Address, int Shards, int Entities, IReadOnlyDictionary<string, int> EntitiesPerShard);

public sealed record RegionStatsView(string Region, string AskedOn, int Shards, int Entities, IReadOnlyList<RegionNodeStats> Nodes, IReadOnlyList<string> Failed);

public sealed record ShardView(string ShardId, IReadOnlyList<string> EntityIds);

public sealed record ShardStatsView(string Region, string Node, IReadOnlyList<ShardView> Shards, IReadOnlyList<string> Failed);

/// <summary>
/// Sharding, answered by the node's own ShardRegion, never through a proxy: GET /api/sharding/regions,
/// GET /api/sharding/regions/{region}/stats (GetClusterShardingStats: shards and entities per node) and
/// GET /api/sharding/regions/{region}/shards (GetShardRegionState: this node's shards and entity ids).
/// On a node with only a proxy of the region: 409 naming the members that host it.
/// </summary>
public sealed class ShardingRoutes(ActorSystem system, IOptions<MriCsOptions> options) : IManagementRoutes
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Every MriCs shard region and the role whose nodes host it.</summary>
    public static IReadOnlyDictionary<string, string> Regions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [MriCsHosting.StudyAggregatorRegionName] = ClusterRoles.Ingest,
        [MriCsHosting.GpuWorkerRegionName] = ClusterRoles.GpuWorker,
    };

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/sharding/regions", () => Results.Json(new { regions = Regions.Keys.Order(StringComparer.Ordinal).Select(View) }, ManagementErrors.Json));
        endpoints.MapGet("/api/sharding/regions/{region}/stats", async (string region) => Results.Json(await RegionStatsAsync(region).ConfigureAwait(false), ManagementErrors.Json));
        endpoints.MapGet("/api/sharding/regions/{region}/shards", async (string region) => Results.Json(await ShardStatsAsync(region).ConfigureAwait(false), ManagementErrors.Json));
    }

    private RegionView View(string name)
    {
        var role = Regions[name];
        var hosts = Cluster.Get(system).State.Members.Where(m => m.HasRole(role) && m.Status == MemberStatus.Up)
            .Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToList();
        return new RegionView(name, role, options.Value.Has(role), hosts);
    }

    /// <summary>The local ShardRegion of <paramref name="region"/>; 404 for an unknown region, 409 when this node has only a proxy.</summary>
    private IActorRef LocalRegion(string region)
    {
        if (!Regions.ContainsKey(region))
            throw ManagementException.NotFound($"no shard region '{region}' (regions: {string.Join(", ", Regions.Keys.Order(StringComparer.Ordinal))})");
        var view = View(region);
        if (!view.HostedHere)
            throw ManagementException.Conflict($"this node ({Cluster.Get(system).SelfAddress}) has only a proxy of region '{region}'; " +
                $"ask a node with role {view.Role} that hosts it: {(view.HostedBy.Count == 0 ? "none is up" : string.Join(", ", view.HostedBy))}");
        return ClusterSharding.Get(system).ShardRegion(region);
    }

    private async Task<RegionStatsView> RegionStatsAsync(string region)
    {
        var stats = await LocalRegion(region).Ask<ClusterShardingStats>(new GetClusterShardingStats(Timeout), Timeout + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var nodes = stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
            .Select(r => new RegionNodeStats(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum(),
                r.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal)))
            .ToList();
        var failed = stats.Regions.SelectMany(r => r.Value.Failed).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new RegionStatsView(region, Cluster.Get(system).SelfAddress.ToString(), nodes.Sum(n => n.Shards), nodes.Sum(n => n.Entities), nodes, failed);
    }

    private async Task<ShardStatsView> ShardStatsAsync(string region)
    {
        var state = await LocalRegion(region).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Timeout).ConfigureAwait(false);
        var shards = state.Shards.OrderBy(s => s.ShardId, StringComparer.Ordinal)
            .Select(s => new ShardView(s.ShardId, s.EntityIds.Order(StringComparer.Ordinal).ToList())).ToList();
        return new ShardStatsView(region, Cluster.Get(system).SelfAddress.ToString(), shards, state.Failed.Order(StringComparer.Ordinal).ToList());
    }
}
