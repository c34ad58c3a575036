using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace MriCs.Deploy.Tests;

/// <summary>
/// The built executables started with the configuration their pods get from k8s/ (ConfigMap environment, pod
/// environment, the mounted appsettings.Production.json), only the cluster-internal names swapped for 127.0.0.1,
/// free ports, a random token, and the image's model folder for the repository's: the probes' paths and the scrape
/// path of the Prometheus annotations answer 200 on the management endpoint, SIGTERM ends each node with exit 0
/// within the shutdown budget that the grace periods are sized for, and nothing is written into the working
/// directory (read-only root filesystem in the pod).
/// </summary>
public sealed class LighthousePodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_lighthouse_pod_configuration_starts_a_node_whose_probes_pass_and_that_stops_on_SIGTERM()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        await using var lighthouse = PodNode.Start(set, "StatefulSet", "lighthouse", "MriCs.Lighthouse", seed: null, output);
        await lighthouse.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await lighthouse.StopAsync();
    }

    [Fact]
    public async Task A_gpu_worker_pod_joins_the_lighthouse_with_slots_from_the_environment_and_stops_on_SIGTERM()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        await using var lighthouse = PodNode.Start(set, "StatefulSet", "lighthouse", "MriCs.Lighthouse", seed: null, output);
        await lighthouse.WaitReadyAsync(TimeSpan.FromSeconds(90));
        // No NVIDIA_VISIBLE_DEVICES here: Slots=0 resolves to one CPU slot; readiness = member Up + the slot's models loaded.
        await using var worker = PodNode.Start(set, "Deployment", "gpu-worker", "MriCs.GpuWorker", seed: lighthouse.AkkaAddress, output);
        await worker.WaitReadyAsync(TimeSpan.FromSeconds(240));
        // The Lighthouse sees the worker Up with the gpu-worker role and the capacity its slots resolved to.
        using var cluster = System.Text.Json.JsonDocument.Parse(await lighthouse.GetAsync("/api/cluster"));
        var members = Prop(cluster.RootElement, "members").EnumerateArray().ToList();
        var member = members.SingleOrDefault(m => Prop(m, "address").GetString() == worker.AkkaAddress);
        Assert.True(member.ValueKind == System.Text.Json.JsonValueKind.Object, $"the worker {worker.AkkaAddress} is not a member: {cluster.RootElement}");
        Assert.Equal("up", Prop(member, "status").GetString(), ignoreCase: true);
        var roles = Prop(member, "roles").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains(MriCs.Actors.Hosting.ClusterRoles.GpuWorker, roles);
        Assert.Contains(MriCs.Actors.Slots.GpuSlots.Role(1), roles);
        await worker.StopAsync();
        await lighthouse.StopAsync();
    }

    [Fact]
    public async Task An_ingest_pod_configuration_joins_opens_its_journal_on_PostgreSQL_and_the_DICOM_port()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        await using var pg = await PostgresServer.StartAsync();
        var database = await pg.CreateDatabaseAsync();
        await using var lighthouse = PodNode.Start(set, "StatefulSet", "lighthouse", "MriCs.Lighthouse", seed: null, output);
        await lighthouse.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var dicomPort = PodNode.FreePort();
        await using var ingest = PodNode.Start(set, "StatefulSet", "ingest", "MriCs.Ingest", seed: lighthouse.AkkaAddress, output,
            secrets: new Dictionary<string, string> { ["mrics-db/connection-string"] = database },
            overrides: new Dictionary<string, string> { ["MriCs__Dicom__Port"] = dicomPort.ToString(CultureInfo.InvariantCulture) });
        // Readiness on an ingest node includes a journal query (schema created on start).
        await ingest.WaitReadyAsync(TimeSpan.FromSeconds(180));
        using (var dicom = new TcpClient())
            await dicom.ConnectAsync(IPAddress.Loopback, dicomPort);
        await ingest.StopAsync();
        await lighthouse.StopAsync();
    }

    private static System.Text.Json.JsonElement Prop(System.Text.Json.JsonElement e, string name) =>
        e.EnumerateObject().First(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>One executable run with the configuration of one workload's pod.</summary>
internal sealed class PodNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly ITestOutputHelper _output;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _work, _name, _readiness, _liveness, _metrics;
    private readonly int _budget, _managementPort;

    public string AkkaAddress { get; }

    private PodNode(Process process, string work, string name, string akkaAddress, int managementPort, string readiness, string liveness, string metrics, int budget, ITestOutputHelper output)
    {
        (_process, _work, _name, AkkaAddress, _managementPort, _readiness, _liveness, _metrics, _budget, _output) =
            (process, work, name, akkaAddress, managementPort, readiness, liveness, metrics, budget, output);
        process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static PodNode Start(ManifestSet set, string kind, string name, string project, string? seed, ITestOutputHelper output,
        IReadOnlyDictionary<string, string>? secrets = null, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var configMaps = set.Objects.Where(o => o.Kind == "ConfigMap").ToDictionary(o => o.Name);
        var workload = set.Objects.Single(o => o.Kind == kind && o.Name == name);
        var pod = workload.Json.Path("spec", "template", "spec")!.Value;
        var container = pod.GetProperty("containers").EnumerateArray().First();
        var env = DeployRules.Environment(container, configMaps);
        var dll = Path.Combine(Repo.Root, "src", project, "bin", Configuration, "net10.0", project + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (dotnet build MriCs.sln -c {Configuration}; scripts/test does)");

        var work = Directory.CreateTempSubdirectory($"mrics-{name}-pod-").FullName;
        var scratch = Directory.CreateTempSubdirectory($"mrics-{name}-tmp-").FullName; // the pod's /tmp emptyDir
        // The ConfigMap file the pod mounts at /app/appsettings.Production.json (the working directory is the content root).
        foreach (var mount in container.Get("volumeMounts").Items().Where(m => m.Str("mountPath") == "/app/appsettings.Production.json"))
        {
            var volume = pod.Get("volumes").Items().First(v => v.Str("name") == mount.Str("name"));
            var json = configMaps[volume.Get("configMap").Str("name")!].Json.Get("data").Str(mount.Str("subPath")!)!;
            File.WriteAllText(Path.Combine(work, "appsettings.Production.json"), json.Replace("\"/app/models\"", System.Text.Json.JsonSerializer.Serialize(Path.Combine(Repo.Root, "models")), StringComparison.Ordinal));
        }
        var akkaPort = FreePort();
        var managementPort = FreePort();
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var (key, value) in env)
        {
            if (value.StartsWith("(secret ", StringComparison.Ordinal) && secrets?.GetValueOrDefault(value[8..^1]) is { } secret) psi.Environment[key] = secret;
            if (value.StartsWith("(field ", StringComparison.Ordinal) || value.StartsWith("(secret ", StringComparison.Ordinal)) continue;
            // Kubernetes expands $(POD_NAME); the pod's volumes (/var/lib/mrics/..., /tmp) are folders of this test.
            var v = value.Replace("$(POD_NAME)", name + "-0", StringComparison.Ordinal);
            foreach (var root in new[] { "/var/lib/mrics", "/tmp" })
                if (v.StartsWith(root + "/", StringComparison.Ordinal)) v = scratch + v[root.Length..];
            psi.Environment[key] = v;
        }
        var address = $"akka.tcp://{env["MriCs__Cluster__SystemName"]}@127.0.0.1:{akkaPort}";
        foreach (var key in env.Keys.Where(k => k.StartsWith("MriCs__Cluster__SeedNodes__", StringComparison.Ordinal))) psi.Environment.Remove(key);
        psi.Environment["MriCs__Cluster__SeedNodes__0"] = seed ?? address; // what the seed DNS names resolve to
        psi.Environment["MriCs__Cluster__PublicHostname"] = "127.0.0.1";
        psi.Environment["MriCs__Cluster__Port"] = akkaPort.ToString(CultureInfo.InvariantCulture);
        psi.Environment["MriCs__Management__Port"] = managementPort.ToString(CultureInfo.InvariantCulture);
        psi.Environment["MriCs__Management__Token"] = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        psi.Environment.Remove("NVIDIA_VISIBLE_DEVICES");
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        Assert.Equal("0.0.0.0", psi.Environment["MriCs__Management__Bind"]);
        var annotations = workload.Json.Path("spec", "template", "metadata", "annotations")!.Value;
        var node = new PodNode(Process.Start(psi)!, work, name, address, managementPort,
            container.Path("readinessProbe", "httpGet", "path")!.Value.GetString()!,
            container.Path("livenessProbe", "httpGet", "path")!.Value.GetString()!,
            annotations.GetProperty("prometheus.io/path").GetString()!,
            int.Parse(env["DOTNET_shutdownTimeoutSeconds"], CultureInfo.InvariantCulture), output);
        node._scratch = scratch;
        return node;
    }

    private string? _scratch;

    /// <summary>Where the pod's volumes are for this test (/var/lib/mrics/... and /tmp/... map below it).</summary>
    public string Scratch => _scratch!;

    public async Task WaitReadyAsync(TimeSpan within)
    {
        var baseUri = $"http://127.0.0.1:{_managementPort}";
        Assert.True(await PollAsync(baseUri + _liveness, within), $"{_name}: {_liveness} never answered 200");
        Assert.True(await PollAsync(baseUri + _readiness, within), $"{_name}: {_readiness} never answered 200");
        using var metrics = await _http.GetAsync(baseUri + _metrics);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("# TYPE ", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public async Task<string> GetAsync(string path)
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{_managementPort}{path}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task StopAsync()
    {
        var sw = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(_budget + 15));
        await _process.WaitForExitAsync(cts.Token);
        _output.WriteLine($"{_name}: stopped {sw.Elapsed.TotalSeconds:F1} s after SIGTERM (budget {_budget} s), exit {_process.ExitCode}");
        Assert.Equal(0, _process.ExitCode);
        var written = Directory.EnumerateFileSystemEntries(_work).Select(Path.GetFileName).Where(f => f != "appsettings.Production.json").ToList();
        Assert.True(written.Count == 0, $"{_name} wrote into its working directory (read-only in the pod): {string.Join(", ", written)}");
    }

    private async Task<bool> PollAsync(string uri, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            Assert.False(_process.HasExited, $"{_name} exited before {uri} answered 200");
            try
            {
                using var response = await _http.GetAsync(uri);
                if (response.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        lock (_log) _output.WriteLine($"--- {_name} log ---\n{_log}");
        _process.Dispose();
        _http.Dispose();
        foreach (var d in new[] { _work, _scratch })
            try { if (d is not null) Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
