using System.Net;
using System.Text.Json;
using MriCs.Actors.Hosting;
using MriCs.Actors.Results;
using MriCs.Cli.Management;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MriCs.Management.Tests;

/// <summary>The palette against a real 3-node cluster (seed, ingest, gpu-worker) through each node's real HTTP endpoint.</summary>
public sealed class ClusterSpecs(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private static IEnumerable<string> MemberAddresses(JsonElement view) =>
        view.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!);

    [Fact]
    public async Task Cluster_show_lists_every_member_with_status_and_roles_on_every_node()
    {
        var expected = new Dictionary<string, string>
        {
            [cluster.Seed.Address] = ClusterRoles.Lighthouse,
            [cluster.Ingest.Address] = ClusterRoles.Ingest,
            [cluster.Worker.Address] = ClusterRoles.GpuWorker,
        };
        foreach (var node in new[] { cluster.Seed, cluster.Ingest, cluster.Worker })
        {
            var cli = await Cli.RunAsync("cluster", "show", "--json", "--host", node.HostPort);
            Assert.True(cli.Code == 0, cli.Error);
            var members = cli.Json.GetProperty("members").EnumerateArray()
                .Where(m => expected.ContainsKey(m.GetProperty("address").GetString()!)).ToList();
            Assert.Equal(3, members.Count);
            foreach (var m in members)
            {
                Assert.Equal("up", m.GetProperty("status").GetString());
                Assert.Contains(expected[m.GetProperty("address").GetString()!], m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            }
            Assert.Equal(node.Address, cli.Json.GetProperty("self").GetString());
            Assert.False(string.IsNullOrEmpty(cli.Json.GetProperty("leader").GetString()));
            Assert.Equal(JsonValueKind.Array, cli.Json.GetProperty("unreachable").ValueKind);
        }
        var table = await Cli.RunAsync("cluster", "show", "--port", cluster.Ingest.Management.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, table.Code);
        Assert.Contains("address", table.Out.Split('\n')[1]);
        foreach (var (address, role) in expected) Assert.Contains(table.Out.Split('\n'), l => l.StartsWith(address, StringComparison.Ordinal) && l.Contains(role));
    }

    [Fact]
    public async Task Read_only_routes_are_open_and_mutating_routes_need_the_configured_token()
    {
        var target = new { address = cluster.Worker.Address };
        var (open, _) = await cluster.Seed.SendAsync(HttpMethod.Get, "/api/cluster");
        Assert.Equal(HttpStatusCode.OK, open);

        var (missing, missingBody) = await cluster.Seed.SendAsync(HttpMethod.Post, "/api/cluster/down", target);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Contains("Bearer", missingBody.GetProperty("error").GetString());
        var (wrong, wrongBody) = await cluster.Seed.SendAsync(HttpMethod.Post, "/api/cluster/leave", target, token: "not-the-token-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Contains("wrong", wrongBody.GetProperty("error").GetString());
        var (disabled, disabledBody) = await cluster.Worker.SendAsync(HttpMethod.Post, "/api/cluster/down-unreachable", token: Node.Token);
        Assert.Equal(HttpStatusCode.Forbidden, disabled);
        Assert.Contains("no MriCs:Management:Token", disabledBody.GetProperty("error").GetString());

        var cli = await Cli.RunAsync("cluster", "down", cluster.Worker.Address, "--host", cluster.Seed.HostPort);
        Assert.Equal(1, cli.Code);
        Assert.Contains("401", cli.Error);
        var unknown = await Cli.RunAsync("cluster", "leave", "127.0.0.1:1", "--host", cluster.Seed.HostPort, "--token", Node.Token);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("not a member", unknown.Error);

        var (notFound, notFoundBody) = await cluster.Seed.SendAsync(HttpMethod.Get, "/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Contains("no route", notFoundBody.GetProperty("error").GetString());

        // Nothing was refused into effect: the worker is still an up member.
        var view = await cluster.Seed.GetJsonAsync("/api/cluster");
        Assert.Contains(view.GetProperty("members").EnumerateArray(), m => m.GetProperty("address").GetString() == cluster.Worker.Address && m.GetProperty("status").GetString() == "up");
    }

    [Fact]
    public async Task Sharding_stats_come_from_the_nodes_hosting_a_region_and_a_proxy_names_them()
    {
        using var input = new TempDir();
        Fake.WriteStudy(input.Path, "8.1", "PK-81", [0, 0, 1, 0]);
        var ingested = await cluster.Ingest.Client.IngestFolderAsync(input.Path, Wait);
        await cluster.Ingest.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait);

        var regions = await Cli.RunAsync("cluster", "sharding", "regions", "--json", "--host", cluster.Worker.HostPort);
        Assert.True(regions.Code == 0, regions.Error);
        var byName = regions.Json.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.True(byName[MriCsHosting.GpuWorkerRegionName].GetProperty("hostedHere").GetBoolean());
        Assert.False(byName[MriCsHosting.StudyAggregatorRegionName].GetProperty("hostedHere").GetBoolean());
        Assert.Equal([cluster.Ingest.Address], byName[MriCsHosting.StudyAggregatorRegionName].GetProperty("hostedBy").EnumerateArray().Select(a => a.GetString()));

        var stats = await Cli.RunAsync("cluster", "sharding", "region-stats", MriCsHosting.StudyAggregatorRegionName, "--json", "--host", cluster.Ingest.HostPort);
        Assert.True(stats.Code == 0, stats.Error);
        var ingestStats = Assert.Single(stats.Json.GetProperty("nodes").EnumerateArray());
        Assert.Equal(cluster.Ingest.Address, ingestStats.GetProperty("address").GetString());
        Assert.True(ingestStats.GetProperty("entities").GetInt32() >= 1);

        var shards = await Cli.RunAsync("cluster", "sharding", "shard-stats", MriCsHosting.StudyAggregatorRegionName, "--json", "--host", cluster.Ingest.HostPort);
        Assert.True(shards.Code == 0, shards.Error);
        Assert.Contains(shards.Json.GetProperty("shards").EnumerateArray(), s => s.GetProperty("entityIds").EnumerateArray().Any(e => e.GetString() == "8.1"));
        var slots = await Cli.RunAsync("cluster", "sharding", "shard-stats", MriCsHosting.GpuWorkerRegionName, "--json", "--host", cluster.Worker.HostPort);
        Assert.True(slots.Code == 0, slots.Error);
        Assert.Contains(slots.Json.GetProperty("shards").EnumerateArray(), s => s.GetProperty("entityIds").EnumerateArray().Any(e => e.GetString() == "slot-0"));
        var table = await Cli.RunAsync("cluster", "sharding", "region-stats", MriCsHosting.GpuWorkerRegionName, "--host", cluster.Worker.HostPort);
        Assert.Equal(0, table.Code);
        Assert.Contains(cluster.Worker.Address, table.Out);

        foreach (var proxyNode in new[] { cluster.Worker, cluster.Seed })
        {
            var proxy = await Cli.RunAsync("cluster", "sharding", "region-stats", MriCsHosting.StudyAggregatorRegionName, "--host", proxyNode.HostPort);
            Assert.Equal(1, proxy.Code);
            Assert.Contains("409", proxy.Error);
            Assert.Contains("only a proxy", proxy.Error);
            Assert.Contains(cluster.Ingest.Address, proxy.Error);
        }
        var (unknown, body) = await cluster.Ingest.SendAsync(HttpMethod.Get, "/api/sharding/regions/no-such-region/shards");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains(MriCsHosting.StudyAggregatorRegionName, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Studies_patients_and_recommendations_come_from_the_journal_of_real_aggregators()
    {
        using var input = new TempDir();
        Fake.WriteStudy(input.Path, "9.1", "PK-91", [0, 1, 0, 0]);
        Fake.WriteStudy(input.Path, "9.2", "PK-92", [0, 0, 2, 0]);
        lock (cluster.Grader.Held) cluster.Grader.Held.Add("9.2");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ingested = await cluster.Ingest.Client.IngestFolderAsync(input.Path, Wait);
        Assert.Equal(["9.1", "9.2"], ingested.StudyUids.Order());
        var host = cluster.Ingest.HostPort;

        var shown = await Eventually.UntilAsync(async () => (await Cli.RunAsync("studies", "show", "9.1", "--json", "--host", host)).Out,
            o => o.Contains("\"status\":\"recommended\""), Wait, "study 9.1 recommended");
        var study = JsonDocument.Parse(shown).RootElement;
        Assert.Equal("PK-91", study.GetProperty("patientId").GetString());
        Assert.Equal(1, study.GetProperty("recommendation").GetProperty("grade").GetInt32());
        Assert.Equal("C4/5", study.GetProperty("recommendation").GetProperty("decidingLevel").GetString());
        Assert.Equal(4, study.GetProperty("received").GetInt32());

        var pending = await Cli.RunAsync("studies", "pending", "--json", "--host", host);
        Assert.True(pending.Code == 0, pending.Error);
        var waiting = Assert.Single(pending.Json.GetProperty("studies").EnumerateArray(), s => s.GetProperty("studyUid").GetString()!.StartsWith("9.", StringComparison.Ordinal));
        Assert.Equal("9.2", waiting.GetProperty("studyUid").GetString());
        Assert.Equal(4, waiting.GetProperty("expected").GetInt32());
        Assert.True(waiting.GetProperty("received").GetInt32() < 4);
        Assert.Equal(JsonValueKind.Object, pending.Json.GetProperty("dispatcher").ValueKind);
        var pendingTable = await Cli.RunAsync("studies", "pending", "--host", host);
        Assert.Contains(pendingTable.Out.Split('\n'), l => l.StartsWith("9.2 ", StringComparison.Ordinal) && l.Contains("PK-92"));

        var unknown = await Cli.RunAsync("studies", "show", "1.2.3.999", "--host", host);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("404", unknown.Error);
        Assert.Contains("unknown", unknown.Error);

        var patient = await Cli.RunAsync("patient", "show", "PK-91", "--json", "--host", host);
        Assert.True(patient.Code == 0, patient.Error);
        Assert.Equal(["9.1"], patient.Json.GetProperty("studies").EnumerateArray().Select(s => s.GetProperty("studyUid").GetString()));
        Assert.Equal(1, (await Cli.RunAsync("patient", "show", "PK-NOBODY", "--host", host)).Code);

        var list = await Cli.RunAsync("recommendations", "list", "--json", "--since", before.ToString("O"), "--host", host);
        Assert.True(list.Code == 0, list.Error);
        var listed = list.Json.GetProperty("studies").EnumerateArray().Select(s => s.GetProperty("studyUid").GetString()).ToList();
        Assert.Contains("9.1", listed);
        Assert.DoesNotContain("9.2", listed);
        var future = await Cli.RunAsync("recommendations", "list", "--json", "--since", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), "--host", host);
        Assert.Empty(future.Json.GetProperty("studies").EnumerateArray());

        var csv = await Cli.RunAsync("recommendations", "export", "--format", "csv", "--host", host);
        Assert.True(csv.Code == 0, csv.Error);
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', ResultsExport.Columns), lines[0]);
        Assert.Contains(lines, l => l.StartsWith("PK-91,9.1,patient,ensemble,1,", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(",9.2,", StringComparison.Ordinal));
        var json = await Cli.RunAsync("recommendations", "export", "--format", "json", "--host", host);
        Assert.Contains(JsonDocument.Parse(json.Out).RootElement.EnumerateArray(), r => r.GetProperty("studyUid").GetString() == "9.1");

        var elsewhere = await Cli.RunAsync("studies", "pending", "--host", cluster.Worker.HostPort);
        Assert.Equal(1, elsewhere.Code);
        Assert.Contains("keeps no journal", elsewhere.Error);
        Assert.Contains(cluster.Ingest.Address, elsewhere.Error);

        cluster.Grader.Release();
        await Eventually.UntilAsync(async () => (await Cli.RunAsync("studies", "pending", "--json", "--host", host)).Json,
            p => !p.GetProperty("studies").EnumerateArray().Any(s => s.GetProperty("studyUid").GetString() == "9.2"), Wait, "9.2 no longer pending");
        var recommended = await cluster.Ingest.GetJsonAsync("/api/studies/9.2");
        Assert.Equal(2, recommended.GetProperty("recommendation").GetProperty("grade").GetInt32());
    }

    [Fact]
    public async Task Leave_and_down_change_the_membership_cluster_show_and_tail_report()
    {
        using var dirs = new TempDir();
        await using var leaving = await Node.StartAsync(dirs.Sub("x"), ClusterRoles.Lighthouse, cluster.Seed.Address, cluster.Grader);
        await using var downed = await Node.StartAsync(dirs.Sub("y"), ClusterRoles.Lighthouse, cluster.Seed.Address, cluster.Grader);
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"),
            v => v.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") >= 5, Wait, "5 members up");

        // The CLI's tail: the current members come first, --count stops it.
        var tail = await Cli.RunAsync("cluster", "tail", "--count", "2", "--json", "--host", cluster.Seed.HostPort);
        Assert.True(tail.Code == 0, tail.Error);
        var tailed = tail.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, tailed.Length);
        Assert.All(tailed, l => Assert.StartsWith("member-", JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()));

        // A live stream (the same client code) sees the leave through to the removal.
        using var streamClient = new ManagementClient(cluster.Seed.Management, null, Timeout.InfiniteTimeSpan);
        using var stop = new CancellationTokenSource(Wait);
        var events = new List<(string Type, string Address)>();
        var removedSeen = streamClient.StreamEventsAsync("/api/cluster/events", (type, data) =>
        {
            var address = JsonDocument.Parse(data).RootElement.GetProperty("address").GetString() ?? "";
            lock (events) events.Add((type, address));
            return !(type == "member-removed" && address == leaving.Address);
        }, stop.Token);

        var leave = await Cli.RunAsync("cluster", "leave", leaving.Address, "--host", cluster.Seed.HostPort, "--token", Node.Token);
        Assert.True(leave.Code == 0, leave.Error);
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"), v => !MemberAddresses(v).Contains(leaving.Address), Wait, "left member removed");
        await removedSeen;
        lock (events)
        {
            Assert.Contains(events, e => e.Type is "member-left" or "member-exited" && e.Address == leaving.Address);
            Assert.Contains(events, e => e.Type == "member-removed" && e.Address == leaving.Address);
        }
        await leaving.System.WhenTerminated.WaitAsync(Wait); // a node that leaves shuts itself down

        var shorthand = new Uri(downed.Address.Replace("akka.tcp", "http", StringComparison.Ordinal)).Authority; // host:port
        var down = await Cli.RunAsync("cluster", "down", shorthand, "--json", "--host", cluster.Ingest.HostPort, "--token", Node.Token);
        Assert.True(down.Code == 0, down.Error);
        Assert.Equal([downed.Address], down.Json.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"), v => !MemberAddresses(v).Contains(downed.Address), Wait, "downed member removed");
        var after = await Cli.RunAsync("cluster", "show", "--json", "--host", cluster.Worker.HostPort);
        Assert.DoesNotContain(downed.Address, MemberAddresses(after.Json));
        Assert.Contains(cluster.Worker.Address, MemberAddresses(after.Json));
    }

    [Fact]
    public async Task Down_unreachable_removes_a_member_that_vanished_without_leaving()
    {
        using var dirs = new TempDir();
        // Terminating this node's actor system skips coordinated shutdown: it vanishes without leaving.
        await using var vanishing = await Node.StartAsync(dirs.Sub("z"), ClusterRoles.Lighthouse, cluster.Seed.Address, cluster.Grader,
            hocon: "akka.coordinated-shutdown.run-by-actor-system-terminate = off\n");
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"),
            v => v.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("address").GetString() == vanishing.Address && m.GetProperty("status").GetString() == "up"), Wait, "node up");
        var nothing = await Cli.RunAsync("cluster", "down-unreachable", "--json", "--host", cluster.Seed.HostPort, "--token", Node.Token);
        Assert.True(nothing.Code == 0, nothing.Error);
        Assert.Empty(nothing.Json.GetProperty("addresses").EnumerateArray());

        await vanishing.System.Terminate();
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"),
            v => v.GetProperty("unreachable").EnumerateArray().Any(a => a.GetString() == vanishing.Address), Wait, "vanished node unreachable");
        var table = await Cli.RunAsync("cluster", "show", "--host", cluster.Seed.HostPort);
        Assert.Contains("unreachable: " + vanishing.Address, table.Out);

        var down = await Cli.RunAsync("cluster", "down-unreachable", "--json", "--host", cluster.Seed.HostPort, "--token", Node.Token);
        Assert.True(down.Code == 0, down.Error);
        Assert.Equal([vanishing.Address], down.Json.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        await Eventually.UntilAsync(() => cluster.Seed.GetJsonAsync("/api/cluster"),
            v => !MemberAddresses(v).Contains(vanishing.Address) && v.GetProperty("unreachable").GetArrayLength() == 0, Wait, "unreachable member removed");
    }
}
