using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using MriCs.Dicom.Network;
using MriCs.Phantom;
using MriCs.Phantom.Studies;
using Npgsql;

namespace MriCs.Cli.Commands;

/// <summary>
/// `mrics bench cluster`: studies per hour through a cluster of separate processes (Lighthouse, one ingest node with
/// its C-STORE SCP, N GPU-worker nodes of one CPU slot each with one intra-op thread) for each N in one run, the same
/// phantom studies sent through the SCP each time, and the scaling efficiency throughput_N / (N x throughput_1).
/// Nodes are this tool's own `serve --roles ...`, so nothing else needs building. The journal is SQLite in a temp
/// folder unless MriCs__Persistence__Provider/ConnectionString are set (then every run shares that database).
/// </summary>
public static class ClusterScaleBench
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench cluster", "bench cluster [--workers 1,2,4] [--patients N] [--seed S] [--models DIR] [--in-flight N] [--provider cpu|cuda|auto] [--timeout SECONDS]", Run),
    ];

    private sealed record Measured(int Workers, int Studies, double Seconds, double StudiesPerHour, IReadOnlyList<double> WorkerCpuSeconds, double IngestCpuSeconds);

    private static int Run(CliArgs args, CliContext ctx)
    {
        var workers = (args.Option("workers") ?? "1,2,4").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 32 ? n
                : throw new CliUsageException($"--workers: '{w}' is not a worker count 1..32")).Distinct().Order().ToList();
        var patients = args.Int("patients", 24);
        if (patients is < 1 or > 2000) throw new CliUsageException("--patients must be 1..2000");
        var seed = args.Int("seed", 31);
        var inFlight = args.Int("in-flight", 8);
        var timeout = TimeSpan.FromSeconds(args.Int("timeout", 1800));
        var models = Path.GetFullPath(CliPaths.Models(args));
        var provider = args.Option("provider") ?? "cpu";
        if (provider is not ("cpu" or "cuda" or "auto")) throw new CliUsageException($"--provider: '{provider}' is not cpu, cuda or auto");
        var self = Assembly.GetEntryAssembly()?.Location is { Length: > 0 } loc ? loc : throw new InvalidOperationException("cannot find mrics.dll");

        var root = Directory.CreateTempSubdirectory("mrics-bench-cluster-").FullName;
        try
        {
            var studies = Path.Combine(root, "studies");
            var files = PhantomStudy.Write(studies, new PhantomOptions(seed), patients, new StudyOptions());
            File.Delete(Path.Combine(studies, "labels.csv"));
            var folders = Directory.GetDirectories(studies).Order(StringComparer.Ordinal).ToList();
            ctx.Out.WriteLine($"{patients} phantom studies ({files} DICOM files with distractor series, 4 graded slices each), sent through the SCP for each worker count");
            var results = new List<Measured>();
            foreach (var n in workers)
            {
                ctx.Error.WriteLine($"--- {n} GPU-worker process(es) ---");
                var m = RunOnce(self, models, provider, root, folders, n, seed, inFlight, timeout, ctx.Error);
                results.Add(m);
                ctx.Error.WriteLine($"{n} worker(s): {m.Studies} studies in {m.Seconds:0.0} s = {m.StudiesPerHour:0} studies/h");
                ctx.Error.WriteLine($"  CPU seconds while timed: ingest {m.IngestCpuSeconds:0.0}, workers {string.Join(" ", m.WorkerCpuSeconds.Select(c => c.ToString("0.0", CultureInfo.InvariantCulture)))}");
            }
            Print(ctx.Out, results, inFlight, provider);
            return 0;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or DicomNetworkException or IOException)
        {
            ctx.Error.WriteLine($"mrics bench cluster: {ex.Message}");
            return 1;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void Print(TextWriter w, IReadOnlyList<Measured> results, int inFlight, string provider)
    {
        var one = results.FirstOrDefault(r => r.Workers == 1);
        w.WriteLine();
        w.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}; 1 slot per worker process (provider {provider}, 1 intra-op thread, {inFlight} slices in flight per slot)");
        w.WriteLine($"{"workers",7} {"studies",8} {"seconds",8} {"studies/h",10} {"efficiency",11}   CPU s while timed: ingest | each worker");
        foreach (var r in results)
        {
            var eff = one is null ? "n/a" : (r.StudiesPerHour / (r.Workers * one.StudiesPerHour)).ToString("P0", CultureInfo.InvariantCulture);
            w.WriteLine($"{r.Workers,7} {r.Studies,8} {r.Seconds,8:0.0} {r.StudiesPerHour,10:0} {eff,11}   {r.IngestCpuSeconds:0.0} | {string.Join(" ", r.WorkerCpuSeconds.Select(c => c.ToString("0.0", CultureInfo.InvariantCulture)))}");
        }
        w.WriteLine("efficiency = throughput_N / (N x throughput_1), throughput_1 measured in the same run" + (one is null ? " (not measured: add 1 to --workers)" : ""));
        if (results.Any(r => r.Workers > Environment.ProcessorCount))
            w.WriteLine($"note: this machine has {Environment.ProcessorCount} cores shared by every process (Lighthouse, ingest, workers, this tool): " +
                $"above {Environment.ProcessorCount} workers the efficiency is bounded by {Environment.ProcessorCount}/N whatever the cluster does.");
    }

    private static Measured RunOnce(string self, string models, string provider, string root, IReadOnlyList<string> folders, int n, int seed, int inFlight, TimeSpan timeout, TextWriter log)
    {
        var dir = Path.Combine(root, $"cluster-{n}");
        var warmups = Path.Combine(dir, "warmup");
        PhantomStudy.Write(warmups, new PhantomOptions(seed + 1000 + n), 2 * n, new StudyOptions());
        File.Delete(Path.Combine(warmups, "labels.csv"));
        var lighthousePort = FreePort();
        var seedNode = $"akka.tcp://mrics@127.0.0.1:{lighthousePort}";
        var dicomPort = FreePort();
        var env = new Dictionary<string, string>
        {
            ["MriCs__Inference__IntraOpThreads"] = "1",
            ["MriCs__Inference__MaxInFlightPerSlot"] = inFlight.ToString(CultureInfo.InvariantCulture),
            ["MriCs__Dicom__Bind"] = "127.0.0.1",
            ["MriCs__Ingest__StudyInactivity"] = "00:00:30",
        };
        var nodes = new List<Node>();
        try
        {
            nodes.Add(Node.Start(self, dir, "lighthouse", env, "serve", "--roles", "lighthouse", "--port", I(lighthousePort), "--seed-node", seedNode, "--data-dir", Path.Combine(dir, "lighthouse")));
            nodes[0].WaitFor("mrics node up", TimeSpan.FromMinutes(2));
            for (var i = 0; i < n; i++)
                nodes.Add(Node.Start(self, dir, $"worker-{i + 1}", env, "serve", "--roles", "gpu-worker", "--port", I(FreePort()), "--seed-node", seedNode,
                    "--slots", "1", "--provider", provider, "--models", models, "--data-dir", Path.Combine(dir, $"worker-{i + 1}")));
            foreach (var w in nodes.Skip(1)) w.WaitFor("mrics node up", TimeSpan.FromMinutes(2));
            var ingestData = Path.Combine(dir, "ingest");
            var ingest = Node.Start(self, dir, "ingest", env, "serve", "--roles", "ingest", "--port", I(FreePort()), "--seed-node", seedNode,
                "--dicom-port", I(dicomPort), "--data-dir", ingestData, "--models", models);
            nodes.Add(ingest);
            ingest.WaitFor("mrics node up", TimeSpan.FromMinutes(2));
            WaitForEcho(dicomPort, TimeSpan.FromMinutes(2), ingest);
            using var journal = RecommendationCounter.Open(ingestData);

            // warm-up (model loading in every slot is not throughput): 2 studies per worker
            foreach (var f in Directory.GetDirectories(warmups)) Send(dicomPort, f);
            journal.WaitFor(2 * n, timeout, nodes);
            var workerNodes = nodes.Skip(1).Take(n).ToList();
            var cpu0 = workerNodes.Select(x => x.CpuSeconds).ToList();
            var ingestCpu0 = ingest.CpuSeconds;
            var sw = Stopwatch.StartNew();
            foreach (var f in folders) Send(dicomPort, f);
            journal.WaitFor(2 * n + folders.Count, timeout, nodes);
            var seconds = sw.Elapsed.TotalSeconds;
            var cpu = workerNodes.Select((x, i) => x.CpuSeconds - cpu0[i]).ToList();
            return new Measured(n, folders.Count, seconds, folders.Count / (seconds / 3600), cpu, ingest.CpuSeconds - ingestCpu0);
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes)) node.Stop();
        }
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static readonly DicomClientOptions Client = new() { CalledAeTitle = "MRICS", CallingAeTitle = "BENCH" };

    private static void WaitForEcho(int port, TimeSpan timeout, Node ingest)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                Task.Run(async () =>
                {
                    await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", port, Client,
                        [new PresentationContextProposal(1, NetworkUids.Verification, [NetworkUids.ImplicitVrLittleEndian])]);
                    await a.EchoAsync();
                    await a.ReleaseAsync();
                }).GetAwaiter().GetResult();
                return;
            }
            catch (Exception ex) when (ex is DicomNetworkException or IOException or System.Net.Sockets.SocketException)
            {
                if (DateTime.UtcNow > deadline || ingest.Exited)
                    throw new TimeoutException($"the ingest SCP on port {port} does not answer C-ECHO ({ex.Message}); log {ingest.LogPath}");
                Thread.Sleep(500);
            }
        }
    }

    private static void Send(int port, string folder)
    {
        var files = DicomFileSender.ExpandPaths([folder]);
        var results = DicomFileSender.SendAsync("127.0.0.1", port, Client, files).GetAwaiter().GetResult();
        if (results.FirstOrDefault(r => !r.Stored) is { } bad)
            throw new InvalidOperationException($"C-STORE of {bad.Path} failed: {bad.Message}");
    }

    /// <summary>Counts studies with a persisted recommendation straight from the ingest's journal table (cheap enough to poll).</summary>
    private sealed class RecommendationCounter(DbConnection connection) : IDisposable
    {
        public static RecommendationCounter Open(string ingestDataDir)
        {
            DbConnection c = Environment.GetEnvironmentVariable("MriCs__Persistence__Provider") == "postgresql"
                ? new NpgsqlConnection(Environment.GetEnvironmentVariable("MriCs__Persistence__ConnectionString"))
                : new SqliteConnection($"Data Source={Path.Combine(ingestDataDir, "mrics.db")};Mode=ReadOnly");
            return new RecommendationCounter(c);
        }

        private int Count()
        {
            if (connection.State != System.Data.ConnectionState.Open) connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT COUNT(DISTINCT persistence_id) FROM journal WHERE manifest = 'e.ri1'";
            return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        public void WaitFor(int studies, TimeSpan timeout, IReadOnlyList<Node> nodes)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                int done;
                try { done = Count(); }
                catch (DbException) { done = 0; } // the journal table is created by the ingest at start
                if (done >= studies) return;
                if (nodes.FirstOrDefault(x => x.Exited) is { } dead) throw new InvalidOperationException($"{dead.Name} exited; log {dead.LogPath}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{done} of {studies} studies recommended after {timeout.TotalSeconds:0} s");
                Thread.Sleep(250);
            }
        }

        public void Dispose() => connection.Dispose();
    }

    /// <summary>A node process (this tool's `serve`), output to a log file.</summary>
    private sealed class Node
    {
        private readonly Process _p;
        private readonly StreamWriter _log;
        private readonly System.Text.StringBuilder _text = new();

        private Node(string name, Process p, string logPath, StreamWriter log) { Name = name; _p = p; LogPath = logPath; _log = log; }

        public string Name { get; }
        public string LogPath { get; }
        public bool Exited => _p.HasExited;

        /// <summary>CPU time of the node process (the `dotnet` host runs the node in-process).</summary>
        public double CpuSeconds
        {
            get
            {
                _p.Refresh();
                return _p.HasExited ? 0 : _p.TotalProcessorTime.TotalSeconds;
            }
        }

        public static Node Start(string self, string dir, string name, IReadOnlyDictionary<string, string> env, params string[] args)
        {
            Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            psi.ArgumentList.Add(self);
            foreach (var a in args) psi.ArgumentList.Add(a);
            foreach (var (k, v) in env) psi.Environment[k] = v;
            var logPath = Path.Combine(dir, name + ".log");
            var log = new StreamWriter(logPath) { AutoFlush = true };
            var p = new Process { StartInfo = psi };
            var node = new Node(name, p, logPath, log);
            p.OutputDataReceived += (_, e) => node.Line(e.Data);
            p.ErrorDataReceived += (_, e) => node.Line(e.Data);
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return node;
        }

        private void Line(string? line)
        {
            if (line is null) return;
            lock (_text) { _text.AppendLine(line); _log.WriteLine(line); }
        }

        public void WaitFor(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                lock (_text) if (_text.ToString().Contains(text, StringComparison.Ordinal)) return;
                if (_p.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"{Name} did not print '{text}'; log {LogPath}");
                Thread.Sleep(200);
            }
        }

        public void Stop()
        {
            try
            {
                if (!_p.HasExited)
                {
                    using (var term = Process.Start("kill", ["-TERM", _p.Id.ToString(CultureInfo.InvariantCulture)])) term?.WaitForExit(10_000);
                    if (!_p.WaitForExit(30_000)) _p.Kill(entireProcessTree: true);
                }
                _p.WaitForExit();
            }
            catch (InvalidOperationException) { }
            lock (_text) _log.Dispose();
            _p.Dispose();
        }
    }
}
