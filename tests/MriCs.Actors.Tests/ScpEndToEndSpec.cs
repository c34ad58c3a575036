using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Actors.Tests;

/// <summary>Phantom studies pushed by dcmtk storescu into the node's C-STORE SCP come out as recommendations; pushed twice, still one each.</summary>
public class ScpEndToEndSpec
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static void StoreScu(int port, string directory)
    {
        var psi = new ProcessStartInfo("storescu") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-aet", "SCU", "-aec", "MRICS", "+sd", "+r", "-nh", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), directory })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "storescu did not finish");
        Assert.True(p.ExitCode == 0, $"storescu exit {p.ExitCode}: {err.Result}");
    }

    [Theory]
    [InlineData("direct")]
    [InlineData("journal")] // MriCs:Dicom:StorageMode: the write-ahead journal, files made in the background
    public async Task Studies_pushed_through_the_scp_get_one_recommendation_each_even_when_pushed_twice(string storageMode)
    {
        using var tmp = new TempDir();
        var studies = tmp.Sub("studies");
        const int patients = 4;
        PhantomStudy.Write(studies, new PhantomOptions(4242), patients, new StudyOptions());
        var labels = File.ReadAllLines(Path.Combine(studies, "labels.csv"));
        File.Delete(Path.Combine(studies, "labels.csv"));
        var studyUids = labels.Skip(1).Select(l => l.Split(',')[2]).Distinct().ToList();
        var port = FreePort();
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MriCs.sln"))) root = Path.GetDirectoryName(root)!;

        var host = MriCsNode.Build(new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = tmp.Sub("data"),
            ["MriCs:Inference:ModelsDir"] = Path.Combine(root, "models"),
            ["MriCs:Inference:Provider"] = "cpu",
            ["MriCs:Dicom:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MriCs:Dicom:Bind"] = "127.0.0.1",
            ["MriCs:Dicom:StorageMode"] = storageMode,
            ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
        }, s => s.AddMriCsRuntime());
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<Akka.Actor.ActorSystem>();
            var client = new PipelineClient(system, host.Services.GetRequiredService<Akka.Hosting.IActorRegistry>());
            await client.WaitForSlotsAsync(1, TimeSpan.FromMinutes(3));
            StoreScu(port, studies);
            var first = await client.WaitForRecommendationsAsync(studyUids, TimeSpan.FromMinutes(5));
            Assert.All(first, r => Assert.NotNull(r.Grade));
            Assert.True(File.Exists(Directory.EnumerateFiles(tmp.Sub("data"), "*.dcm", SearchOption.AllDirectories).First()), "staged files kept");
            Assert.Equal(storageMode == "journal", Directory.Exists(Path.Combine(tmp.Sub("data"), "staging", ".journal")));

            StoreScu(port, studies); // the same studies again
            await Task.Delay(TimeSpan.FromSeconds(5)); // past the inactivity timeout: the studies are re-assembled
            var again = await client.WaitForRecommendationsAsync(studyUids, TimeSpan.FromMinutes(2));
            Assert.Equal(first.Select(r => r.Grade), again.Select(r => r.Grade));
            var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
            foreach (var uid in studyUids)
            {
                var events = await journal.CurrentEventsByPersistenceId("study-" + uid, 0, long.MaxValue).RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
                Assert.Equal(1, events.Count(e => e.Event is RecommendationIssued));
                Assert.Equal(4, events.Count(e => e.Event is SliceResultRecorded));
            }
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
