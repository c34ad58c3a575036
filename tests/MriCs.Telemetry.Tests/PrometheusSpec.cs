using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MriCs.Actors.Hosting;
using MriCs.Management.Telemetry;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Telemetry.Tests;

/// <summary>
/// A node with the management endpoint takes phantom studies over DICOM C-STORE (dcmtk storescu) and grades them
/// with the demo models; the real Prometheus (Debian package) scrapes GET /metrics every second and its query API
/// returns the numbers the work produced.
/// </summary>
public class PrometheusSpec
{
    [Fact]
    public async Task Prometheus_scrapes_real_numbers_from_the_metrics_endpoint()
    {
        var prometheus = Repo.Peer("prometheus", "prometheus");
        using var tmp = new TempDir();
        var studies = tmp.Sub("studies");
        const int patients = 2;
        var files = PhantomStudy.Write(studies, new PhantomOptions(8080), patients, new StudyOptions());
        var labels = File.ReadAllLines(Path.Combine(studies, "labels.csv"));
        File.Delete(Path.Combine(studies, "labels.csv"));
        var studyUids = labels.Skip(1).Select(l => l.Split(',')[2]).Distinct().ToList();
        var dicomFiles = Directory.GetFiles(studies, "*.dcm", SearchOption.AllDirectories).Length;
        var dicomPort = Repo.FreePort();

        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = tmp.Sub("data"),
            ["MriCs:Inference:ModelsDir"] = Repo.Models,
            ["MriCs:Inference:Provider"] = "cpu",
            ["MriCs:Dicom:Port"] = dicomPort.ToString(CultureInfo.InvariantCulture),
            ["MriCs:Dicom:Bind"] = "127.0.0.1",
            ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
        }, s => s.AddMriCsRuntime());
        await node.Client.WaitForSlotsAsync(1, TimeSpan.FromMinutes(3));
        Repo.StoreScu(dicomPort, studies);
        var recommendations = await node.Client.WaitForRecommendationsAsync(studyUids, TimeSpan.FromMinutes(5));
        var gradedSlices = recommendations.Sum(r => r.Levels.Count(l => l.SopInstanceUid is not null));

        var scrape = await node.Http.GetStringAsync(MetricsRoutes.Path);
        Assert.Contains("mrics_studies_completed", scrape);

        var promPort = Repo.FreePort();
        var config = tmp.Sub("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: mrics
                metrics_path: {MetricsRoutes.Path}
                static_configs:
                  - targets: ['127.0.0.1:{node.ManagementPort}']
            """);
        var psi = new ProcessStartInfo(prometheus) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--config.file=" + config, "--storage.tsdb.path=" + tmp.Sub("tsdb"), $"--web.listen-address=127.0.0.1:{promPort}" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}"), Timeout = TimeSpan.FromSeconds(30) };
            // Wait for Prometheus's first successful scrape of the node (the target's "up" series is 1).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                Assert.False(process.HasExited, "prometheus exited: " + log);
                IReadOnlyList<Sample> up;
                try { up = await TryQuery(http, "up{job=\"mrics\"}"); }
                catch (HttpRequestException) { up = []; } // not listening yet
                if (up.Count == 1 && up[0].Value == 1) break;
                Assert.True(DateTime.UtcNow < deadline, "prometheus did not scrape the node within 90 s: " + log + "\nlast /metrics:\n" + scrape);
                await Task.Delay(500);
            }

            Assert.Equal(patients, Single(await Query(http, "sum(mrics_studies_completed_total)")));
            Assert.Equal(patients, Single(await Query(http, "sum(mrics_studies_received_total)")));
            Assert.Equal(0, Single(await Query(http, "sum(mrics_studies_in_flight)")));
            Assert.Equal(dicomFiles, Single(await Query(http, "sum(mrics_dicom_instances_stored_total)")));
            Assert.True(Single(await Query(http, "sum(mrics_dicom_associations_opened_total)")) >= 1);
            Assert.True(Single(await Query(http, "sum(mrics_dicom_received_bytes_total)")) > dicomFiles * 1000);
            Assert.True(Single(await Query(http, "sum(mrics_dicom_store_duration_seconds_count)")) >= dicomFiles);
            Assert.True(Single(await Query(http, "sum(mrics_journal_write_duration_seconds_count)")) >= patients * 2);

            // Batch size histogram and inference latency per model: every model of the demo set (detector + 4 classifiers) ran.
            var batches = await Query(http, "sum by (model) (mrics_inference_batch_size_count)");
            Assert.Equal(5, batches.Count);
            Assert.All(batches, b => Assert.True(b.Value > 0, $"{b.Model}: no batches"));
            var latency = await Query(http, "sum by (model) (mrics_inference_duration_seconds_sum) / sum by (model) (mrics_inference_duration_seconds_count)");
            Assert.Equal(batches.Select(b => b.Model).Order(), latency.Select(l => l.Model).Order());
            Assert.All(latency, l => Assert.True(l.Value > 0, $"{l.Model}: mean latency {l.Value}"));
            // Every planned slice went through the pipeline once.
            Assert.Equal(gradedSlices, Single(await Query(http, "sum(mrics_inference_slices_total)")));
            Assert.Equal(0, Single(await Query(http, "sum(mrics_dispatcher_queue_depth)")));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private sealed record Sample(string? Model, double Value);

    private static double Single(IReadOnlyList<Sample> samples) => Assert.Single(samples).Value;

    private static async Task<IReadOnlyList<Sample>> Query(HttpClient http, string query)
    {
        var r = await TryQuery(http, query);
        Assert.True(r.Count > 0, $"Prometheus has no series for {query}");
        return r;
    }

    private static async Task<IReadOnlyList<Sample>> TryQuery(HttpClient http, string query)
    {
        using var response = await http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(query));
        if (!response.IsSuccessStatusCode) return [];
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var data = doc.RootElement.GetProperty("data");
        return data.GetProperty("result").EnumerateArray().Select(r => new Sample(
            r.GetProperty("metric").TryGetProperty("model", out var m) ? m.GetString() : null,
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))).ToList();
    }
}
