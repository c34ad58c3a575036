using System.Diagnostics;
using System.Globalization;
using MriCs.Actors.Hosting;
using MriCs.Actors.Results;

namespace MriCs.Cluster.Tests;

/// <summary>
/// A cluster of separate processes on 127.0.0.1: the Lighthouse seed, ingest nodes (C-STORE SCP, PostgreSQL journal)
/// and GPU-worker nodes (CPU slots, the committed demo models). Ports are chosen free once and kept, so a
/// restarted node comes back at the same address. Dispose kills every process it started.
/// </summary>
public sealed class TestCluster : IDisposable
{
    private readonly List<NodeProcess> _nodes = [];
    private readonly string _dir;

    public TestCluster(string directory, string postgres, TimeSpan taskTimeout)
    {
        _dir = directory;
        Postgres = postgres;
        TaskTimeout = taskTimeout;
        LighthousePort = Repo.FreePort();
        IngestPort = Repo.FreePort();
        DicomPort = Repo.FreePort();
    }

    public string Postgres { get; }
    public TimeSpan TaskTimeout { get; }
    public int LighthousePort { get; }
    public int IngestPort { get; }
    public int DicomPort { get; }
    public string LogDir => Path.Combine(_dir, "logs");
    public string IngestDataDir => Path.Combine(_dir, "ingest");
    public NodeProcess? Lighthouse { get; private set; }
    public NodeProcess? Ingest { get; private set; }
    public List<NodeProcess> Workers { get; } = [];
    private readonly Dictionary<string, int> _workerPorts = [];

    private string Seed => $"akka.tcp://mrics@127.0.0.1:{LighthousePort}";

    private IEnumerable<string> Common(int port) =>
    [
        $"--MriCs:Cluster:Hostname=127.0.0.1",
        $"--MriCs:Cluster:Port={port}",
        $"--MriCs:Cluster:SeedNodes:0={Seed}",
    ];

    private NodeProcess Start(string name, string project, IEnumerable<string> args, string workDir)
    {
        var node = NodeProcess.Start(name, Repo.Dll(project), args, workDir, LogDir);
        _nodes.Add(node);
        return node;
    }

    public NodeProcess StartLighthouse() =>
        Lighthouse = Start("lighthouse", "MriCs.Lighthouse", Common(LighthousePort), Path.Combine(_dir, "lighthouse"));

    /// <summary>Starts (or restarts) the ingest node; <paramref name="extra"/>: more configuration, e.g. the storage mode.</summary>
    public NodeProcess StartIngest(params string[] extra) =>
        Ingest = Start("ingest", "MriCs.Ingest",
        [
            .. Common(IngestPort),
            $"--MriCs:DataDir={IngestDataDir}",
            "--MriCs:Persistence:Provider=postgresql",
            $"--MriCs:Persistence:ConnectionString={Postgres}",
            $"--MriCs:Dicom:Port={DicomPort}",
            "--MriCs:Dicom:Bind=127.0.0.1",
            $"--MriCs:Ingest:TaskTimeout={TaskTimeout:c}",
            "--MriCs:Ingest:StudyInactivity=00:00:20",
            .. extra,
        ], IngestDataDir);

    public NodeProcess StartWorker(string name, int slots = 1)
    {
        if (!_workerPorts.TryGetValue(name, out var port)) _workerPorts[name] = port = Repo.FreePort();
        var dir = Path.Combine(_dir, name);
        var w = Start(name, "MriCs.GpuWorker",
        [
            .. Common(port),
            $"--MriCs:DataDir={dir}",
            $"--MriCs:Inference:ModelsDir={Repo.Models}",
            "--MriCs:Inference:Provider=cpu",
            $"--MriCs:Inference:Slots={slots}",
            "--MriCs:Inference:IntraOpThreads=1",
        ], dir);
        Workers.Add(w);
        return w;
    }

    /// <summary>Every node has joined (its "Welcome from" line) and the ingest's SCP answers C-ECHO.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var live = new[] { Ingest }.Concat(Workers).Where(n => n is { HasExited: false }).Cast<NodeProcess>().ToList();
        foreach (var n in live) await n.WaitForOutputAsync("Welcome from", timeout);
        var deadline = DateTime.UtcNow + timeout;
        while (!Dcmtk.Echo(DicomPort))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the ingest SCP on port {DicomPort} does not answer C-ECHO:\n{Ingest?.Tail()}");
            await Task.Delay(500);
        }
    }

    /// <summary>What the journal holds (read directly from PostgreSQL, no cluster).</summary>
    public Task<IReadOnlyList<StudyJournal>> ReadJournalAsync() =>
        JournalResults.ReadAsync(new MriCsOptions { DataDir = _dir, Persistence = new PersistenceSettings { Provider = "postgresql", ConnectionString = Postgres } }, TimeSpan.FromMinutes(2));

    /// <summary>Polls the journal until <paramref name="done"/> holds; fails with the node logs.</summary>
    public async Task<IReadOnlyList<StudyJournal>> WaitForJournalAsync(Func<IReadOnlyList<StudyJournal>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var studies = await ReadJournalAsync();
            if (done(studies)) return studies;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} not reached within {timeout.TotalSeconds:0} s; journal: "
                    + string.Join("; ", studies.Select(s => $"{s.StudyUid[^8..]} {s.Received}/{s.Expected} recs {s.Issued.Count}")) + "\n" + Tails());
            await Task.Delay(2000);
        }
    }

    public string Tails() => string.Join("\n", _nodes.Select(n => n.Tail(25)));

    /// <summary>For an exception filter: writes every node's log tail to the test output, never catches.</summary>
    public bool WriteTails(Xunit.Abstractions.ITestOutputHelper output)
    {
        output.WriteLine(Tails());
        return false;
    }

    /// <summary>SIGTERM to every node (workers and ingest first, the Lighthouse last).</summary>
    public async Task StopAllAsync()
    {
        foreach (var w in Workers) await w.StopAsync(TimeSpan.FromSeconds(40));
        if (Ingest is not null) await Ingest.StopAsync(TimeSpan.FromSeconds(40));
        if (Lighthouse is not null) await Lighthouse.StopAsync(TimeSpan.FromSeconds(40));
        Workers.Clear();
    }

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
    }
}

/// <summary>dcmtk's echoscu / storescu (real peers; their absence fails the test).</summary>
public static class Dcmtk
{
    private static (int Code, string Error) Run(string tool, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException($"{tool} (dcmtk) is required: {ex.Message}; apt-get install dcmtk", ex); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            var outp = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit((int)timeout.TotalMilliseconds)) { p.Kill(true); return (-1, $"{tool} timed out"); }
            p.WaitForExit();
            return (p.ExitCode, err.Result + outp.Result);
        }
    }

    public static bool Echo(int port) =>
        Run("echoscu", ["-aet", "SCU", "-aec", "MRICS", "-to", "5", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(20)).Code == 0;

    /// <summary>Sends every file under <paramref name="directory"/> in one association; fails on any refused instance.</summary>
    public static void Store(int port, string directory)
    {
        var (code, error) = Run("storescu", ["-aet", "SCU", "-aec", "MRICS", "-to", "30", "+sd", "+r", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), directory], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"storescu {Path.GetFileName(directory)} exit {code}: {error}");
    }
}
