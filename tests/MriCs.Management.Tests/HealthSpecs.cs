using System.Net;
using MriCs.Actors.Hosting;

namespace MriCs.Management.Tests;

public sealed class HealthSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Ready_flips_to_200_once_the_node_has_joined_while_live_stays_200()
    {
        using var dirs = new TempDir();
        var grader = new FakeGraderFactory();
        await using var seed = await Node.StartAsync(dirs.Sub("seed"), ClusterRoles.Lighthouse, null, grader);
        // A seed nobody listens on: the node runs but is not a member.
        await using var node = await Node.StartAsync(dirs.Sub("ingest"), ClusterRoles.Ingest, "akka.tcp://mrics@127.0.0.1:9", grader);

        var (live, liveBody) = await node.SendAsync(HttpMethod.Get, "/health/live");
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal("ok", liveBody.GetProperty("status").GetString());
        var (ready, readyBody) = await node.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        var checks = readyBody.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.False(checks["cluster"]);
        Assert.True(checks["journal"]);
        var cli = await Cli.RunAsync("health", "--host", node.HostPort);
        Assert.Equal(3, cli.Code);
        Assert.Contains("cluster", cli.Out);

        Akka.Cluster.Cluster.Get(node.System).Join(Akka.Actor.Address.Parse(seed.Address));
        await Eventually.UntilAsync(async () => (await node.SendAsync(HttpMethod.Get, "/health/ready")).Status, s => s == HttpStatusCode.OK, Wait, "ready after joining");
        var json = await Cli.RunAsync("health", "--json", "--host", node.HostPort);
        Assert.Equal(0, json.Code);
        Assert.Equal(["cluster", "journal"], json.Json.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var seedReady = await seed.GetJsonAsync("/health/ready");
        Assert.Equal(["cluster"], seedReady.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_gpu_worker_whose_models_cannot_load_is_not_ready_and_says_why()
    {
        using var dirs = new TempDir();
        await using var ingest = await Node.StartAsync(dirs.Sub("ingest"), ClusterRoles.Ingest, null, new FakeGraderFactory());
        await using var worker = await Node.StartAsync(dirs.Sub("worker"), ClusterRoles.GpuWorker, ingest.Address, new BrokenGraderFactory("CUDA provider cannot load (test)"));
        await Eventually.UntilAsync(async () => (await worker.SendAsync(HttpMethod.Get, "/health/ready")).Body,
            b => b.GetProperty("checks").EnumerateArray().Any(c => c.GetProperty("name").GetString() == "cluster" && c.GetProperty("ok").GetBoolean()), Wait, "worker joined");
        Fake.WriteStudy(dirs.Sub("in"), "7.1", "PK-71", [0, 1, 0, 0]);
        await ingest.Client.IngestFolderAsync(dirs.Sub("in"), Wait); // the dispatcher's first task starts slot-0 on the worker

        var (status, body) = await Eventually.UntilAsync(() => worker.SendAsync(HttpMethod.Get, "/health/ready"),
            r => r.Body.GetProperty("checks").EnumerateArray().Any(c => c.GetProperty("name").GetString() == "models" && c.GetProperty("detail").GetString()!.Contains("failed")),
            Wait, "models check reports the failed slot");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var models = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "models");
        Assert.False(models.GetProperty("ok").GetBoolean());
        Assert.Contains("slot-0: failed: CUDA provider cannot load (test)", models.GetProperty("detail").GetString());
        var cli = await Cli.RunAsync("health", "--host", worker.HostPort);
        Assert.Equal(3, cli.Code);
        Assert.Contains("CUDA provider cannot load", cli.Out);
        var (live, _) = await worker.SendAsync(HttpMethod.Get, "/health/live");
        Assert.Equal(HttpStatusCode.OK, live); // alive: restarting it would not help, the reason says what to fix
    }

    [Fact]
    public async Task A_gpu_worker_that_hosts_no_slot_yet_is_ready_only_if_its_model_set_loads()
    {
        using var dirs = new TempDir();
        await using var ingest = await Node.StartAsync(dirs.Sub("ingest"), ClusterRoles.Ingest, null, new FakeGraderFactory());
        await using var broken = await Node.StartAsync(dirs.Sub("broken"), ClusterRoles.GpuWorker, ingest.Address, new BrokenGraderFactory("model file missing (test)"));
        await using var sound = await Node.StartAsync(dirs.Sub("sound"), ClusterRoles.GpuWorker, ingest.Address, new FakeGraderFactory());
        // No study is sent, so no slot is started: each worker must prove on its own that its models load.
        var (status, body) = await Eventually.UntilAsync(() => broken.SendAsync(HttpMethod.Get, "/health/ready"),
            r => r.Body.GetProperty("checks").EnumerateArray().Any(c => c.GetProperty("name").GetString() == "cluster" && c.GetProperty("ok").GetBoolean())
                && r.Body.GetProperty("checks").EnumerateArray().Any(c => c.GetProperty("name").GetString() == "models" && c.GetProperty("detail").GetString()!.Contains("model file missing (test)")),
            Wait, "the broken worker's models check names the failure");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var models = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "models");
        Assert.False(models.GetProperty("ok").GetBoolean());
        Assert.Contains("no slot hosted yet and the model set does not load", models.GetProperty("detail").GetString()); // slots start with their first task
        await Eventually.UntilAsync(async () => (await sound.SendAsync(HttpMethod.Get, "/health/ready")).Status, s => s == HttpStatusCode.OK, Wait, "the sound worker ready");
    }

    [Fact]
    public async Task Request_paths_with_study_uids_and_patient_keys_never_reach_the_logs()
    {
        using var dirs = new TempDir();
        var logs = new CapturingLoggerProvider();
        await using var node = await Node.StartAsync(dirs.Sub("n"), ClusterRoles.Ingest, null, new FakeGraderFactory(), logs: logs);
        const string study = "1.2.826.0.1.3680043.2.1125.424242", patient = "PK-SECRET-4711";
        Assert.Equal(HttpStatusCode.NotFound, (await node.SendAsync(HttpMethod.Get, "/api/studies/" + study)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await node.SendAsync(HttpMethod.Get, "/api/patients/" + patient)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await node.SendAsync(HttpMethod.Get, "/api/recommendations?since=" + patient)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await node.SendAsync(HttpMethod.Post, "/api/cluster/leave", new { address = patient })).Status);
        Assert.NotEmpty(logs.Lines); // the node logs at trace level here
        Assert.Contains(logs.Lines, l => l.Contains("[8003]") && l.Contains("/api/cluster/leave")); // the refusal is logged, by route
        Assert.DoesNotContain(logs.Lines, l => l.Contains(study, StringComparison.Ordinal) || l.Contains(patient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_management_port_in_use_fails_the_start_with_a_clear_configuration_error()
    {
        using var dirs = new TempDir();
        var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
                Node.StartAsync(dirs.Sub("n"), ClusterRoles.Lighthouse, null, new FakeGraderFactory(), extra: new Dictionary<string, string?> { ["MriCs:Management:Port"] = port }));
            Assert.Contains($"MriCs:Management:Port {port} on 127.0.0.1 cannot be opened", ex.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task The_palette_says_clearly_when_no_endpoint_answers()
    {
        var r = await Cli.RunAsync("cluster", "show", "--host", "127.0.0.1:9");
        Assert.Equal(2, r.Code);
        Assert.Contains("cannot reach the management endpoint", r.Error);
    }
}
