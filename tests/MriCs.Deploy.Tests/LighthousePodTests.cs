using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace MriCs.Deploy.Tests;

/// <summary>
/// The Lighthouse executable started with the environment its pod gets from k8s/ (ConfigMap + env), only the
/// cluster-internal names swapped for 127.0.0.1 and free ports: the probes' paths answer 200 on the management
/// endpoint, and SIGTERM ends the node cleanly within the shutdown budget that the grace period is sized for.
/// </summary>
public sealed class LighthousePodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_lighthouse_pod_configuration_starts_a_node_whose_probes_pass_and_that_stops_on_SIGTERM()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        var configMaps = set.Objects.Where(o => o.Kind == "ConfigMap").ToDictionary(o => o.Name);
        var sts = set.Objects.Single(o => o.Kind == "StatefulSet" && o.Name == "lighthouse");
        var container = sts.Json.Path("spec", "template", "spec", "containers")!.Value.EnumerateArray().Single();
        var env = DeployRules.Environment(container, configMaps);
        var readiness = container.Path("readinessProbe", "httpGet", "path")!.Value.GetString()!;
        var liveness = container.Path("livenessProbe", "httpGet", "path")!.Value.GetString()!;
        var budget = int.Parse(env["DOTNET_shutdownTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture);

        var dll = Path.Combine(Repo.Root, "src", "MriCs.Lighthouse", "bin", Configuration, "net10.0", "MriCs.Lighthouse.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (dotnet build MriCs.sln -c {Configuration}; scripts/test does)");
        var akkaPort = FreePort();
        var managementPort = FreePort();
        var work = Directory.CreateTempSubdirectory("mrics-lighthouse-pod-").FullName;
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var (key, value) in env)
        {
            if (value.StartsWith("(field ", StringComparison.Ordinal) || value.StartsWith("(secret ", StringComparison.Ordinal)) continue;
            psi.Environment[key] = value;
        }
        // What DNS and the Secret give the pod.
        psi.Environment["MriCs__Cluster__PublicHostname"] = "127.0.0.1";
        psi.Environment["MriCs__Cluster__Port"] = akkaPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var seed in env.Keys.Where(k => k.StartsWith("MriCs__Cluster__SeedNodes__", StringComparison.Ordinal))) psi.Environment.Remove(seed);
        psi.Environment["MriCs__Cluster__SeedNodes__0"] = $"akka.tcp://{env["MriCs__Cluster__SystemName"]}@127.0.0.1:{akkaPort}";
        psi.Environment["MriCs__Management__Port"] = managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["MriCs__Management__Token"] = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        psi.Environment["MriCs__DataDir"] = Path.Combine(work, "data");
        Assert.Equal("0.0.0.0", psi.Environment["MriCs__Management__Bind"]);

        var log = new StringBuilder();
        using var node = Process.Start(psi)!;
        node.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        node.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var baseUri = $"http://127.0.0.1:{managementPort}";
            Assert.True(await PollAsync(http, baseUri + liveness, node, TimeSpan.FromSeconds(90)), $"{liveness} never answered 200");
            Assert.True(await PollAsync(http, baseUri + readiness, node, TimeSpan.FromSeconds(90)), $"{readiness} never answered 200");

            var sw = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(budget + 15));
            await node.WaitForExitAsync(cts.Token);
            output.WriteLine($"stopped {sw.Elapsed.TotalSeconds:F1} s after SIGTERM (budget {budget} s), exit {node.ExitCode}");
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
            lock (log) output.WriteLine(log.ToString());
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<bool> PollAsync(HttpClient http, string uri, Process node, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            Assert.False(node.HasExited, $"the node exited with {(node.HasExited ? node.ExitCode : 0)} before {uri} answered");
            try
            {
                using var response = await http.GetAsync(uri);
                if (response.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        return false;
    }

    private static int FreePort()
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
