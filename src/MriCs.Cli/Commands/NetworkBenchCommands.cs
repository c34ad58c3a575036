using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MriCs.Dicom.Network;
using MriCs.Dicom.Network.Journal;

namespace MriCs.Cli.Commands;

/// <summary>
/// `bench store`: C-STORE receive throughput of the MriCs storage SCP against dcmtk storescp, the
/// same files sent by dcmtk storescu, 1 and N concurrent associations, in the same run.
/// </summary>
public static class NetworkBenchCommands
{
    private const int MaxPdu = 131072; // storescp's largest; both SCPs announce it

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench store", "bench store [--source FILE] [--count N] [--associations 1,8] [--repeat R] [--journal-linger-ms MS] [--durability full|file|none] [--storescp-mode default|bit-preserving|both]  (MriCs direct vs journal vs storescp)", Store),
    ];

    /// <summary>Seconds until the last storescu exited; Drained: until every file was materialized (journal), else = Seconds.</summary>
    private sealed record Run(double Seconds, int Stored, double Drained, JournalStatistics? Journal = null, StoreTimings? Timings = null);

    private static int Store(CliArgs args, CliContext ctx)
    {
        var source = args.Option("source") ?? FirstExisting("/usr/share/doc/dicom3tools/examples/0051.dcm",
            "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm")
            ?? throw new CliUsageException("no --source given and no sample file found (install dicom3tools or python3-pydicom)");
        var count = args.Int("count", 200);
        var repeat = args.Int("repeat", 5);
        var lingerMs = args.Int("journal-linger-ms", 200);
        var concurrencies = (args.Option("associations") ?? "1,8").Split(',').Select(s => int.TryParse(s, out var v) && v > 0 ? v
            : throw new CliUsageException($"--associations expects positive integers, got '{s}'")).ToArray();
        var durability = args.Option("durability") switch
        {
            null or "full" => DurabilityMode.FsyncFileAndDirectory,
            "file" => DurabilityMode.FsyncFile,
            "none" => DurabilityMode.None,
            var d => throw new CliUsageException($"--durability must be none, file or full, got '{d}'"),
        };
        bool[] storescpModes = (args.Option("storescp-mode") ?? "both") switch
        {
            "default" => [false],
            "bit-preserving" => [true],
            "both" => [true, false],
            var m => throw new CliUsageException($"--storescp-mode must be default, bit-preserving or both, got '{m}'"),
        };
        foreach (var tool in new[] { "storescu", "storescp", "dcmodify" })
            if (!OnPath(tool)) { ctx.Error.WriteLine($"mrics bench store: {tool} (dcmtk) not found; apt-get install dcmtk"); return 2; }

        var work = Path.Combine(Path.GetTempPath(), "mrics-bench-store-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            ctx.Error.WriteLine($"preparing {count} copies of {source} with fresh SOP Instance UIDs...");
            var files = PrepareFiles(source, count, Path.Combine(work, "in"));
            var totalBytes = files.Sum(f => new FileInfo(f).Length);
            ctx.Out.WriteLine($"C-STORE receive: {count} instances, {totalBytes / 1048576.0:0.0} MB ({totalBytes / count / 1024} KB each), sender dcmtk storescu, max PDU {MaxPdu}, median of {repeat} (configs interleaved)");
            ctx.Out.WriteLine($"MriCs direct: a file per instance, before each success: {Short(durability)} (f+d = fsync file, rename, fsync directory)");
            ctx.Out.WriteLine("MriCs journal: append to a preallocated journal segment + fdatasync (shared by concurrent associations) before each success;");
            ctx.Out.WriteLine("               files made in the background (syncfs per batch); 'drained' = until every file is made, synced and delivered");
            foreach (var bp in storescpModes)
                ctx.Out.WriteLine($"{StorescpName(bp)}: {(bp ? "bit-preserving, the data set streamed to the file as it arrives" : "as run without options: data set parsed, then written")}; no fsync (dcmtk never calls it), --fork when N > 1, TCP_NODELAY=1 for every dcmtk process");
            ctx.Out.WriteLine("each configuration runs once untimed first (JIT warm-up of the MriCs SCP, page cache for storescu's files); then interleaved, median");
            // The physics under one association: each success waits for one device flush, which storescp never does.
            var instanceBytes = (int)Math.Min(int.MaxValue, totalBytes / count);
            var flushSmall = FlushProbe.MeanMilliseconds(work, 4096, 200);
            var flushInstance = FlushProbe.MeanMilliseconds(work, instanceBytes, 200);
            ctx.Out.WriteLine($"flush floor on this volume (write into a zero-filled file + fdatasync, as the journal): 4 KB {flushSmall:0.000} ms, {instanceBytes / 1024} KB {flushInstance:0.000} ms");
            ctx.Out.WriteLine($"load average before: {LoadAverage()}");
            ctx.Out.WriteLine();
            var ok = true;
            foreach (var c in concurrencies)
            {
                var direct = new List<Run>();
                var journal = new List<Run>();
                var dcmtk = storescpModes.Select(_ => new List<Run>()).ToArray();
                // Untimed warm-up of every configuration.
                RunMrics(files, c, StorageMode.Direct, durability, Path.Combine(work, "out-mrics"), lingerMs);
                RunMrics(files, c, StorageMode.Journal, durability, Path.Combine(work, "out-mrics"), lingerMs);
                foreach (var bp in storescpModes) RunStorescp(files, c, bp, Path.Combine(work, "out-storescp"));
                for (var i = 0; i < Math.Max(1, repeat); i++)
                {
                    direct.Add(RunMrics(files, c, StorageMode.Direct, durability, Path.Combine(work, "out-mrics"), lingerMs));
                    journal.Add(RunMrics(files, c, StorageMode.Journal, durability, Path.Combine(work, "out-mrics"), lingerMs));
                    for (var m = 0; m < storescpModes.Length; m++)
                        dcmtk[m].Add(RunStorescp(files, c, storescpModes[m], Path.Combine(work, "out-storescp")));
                }
                var (d, j) = (Median(direct), Median(journal));
                var jd = journal.Select(r => r.Drained).Order().ElementAt(journal.Count / 2);
                var complete = direct.Concat(journal).Concat(dcmtk.SelectMany(r => r)).All(r => r.Stored == count);
                ok &= complete;
                double Ips(double seconds) => count / seconds;
                double Mbs(double seconds) => totalBytes / 1048576.0 / seconds;
                ctx.Out.WriteLine($"{c} association(s):");
                ctx.Out.WriteLine($"  MriCs direct   {Ips(d),8:0.0} img/s {Mbs(d),6:0.0} MB/s");
                ctx.Out.WriteLine($"  MriCs journal  {Ips(j),8:0.0} img/s {Mbs(j),6:0.0} MB/s   (drained {Ips(jd):0.0} img/s)");
                for (var m = 0; m < storescpModes.Length; m++)
                {
                    var sm = Median(dcmtk[m]);
                    ctx.Out.WriteLine($"  {StorescpName(storescpModes[m]),-14} {Ips(sm),8:0.0} img/s {Mbs(sm),6:0.0} MB/s   journal / it {sm / j:0.00}x (drained {sm / jd:0.00}x), direct / it {sm / d:0.00}x");
                }
                var js = MedianRun(journal).Journal;
                if (js is not null)
                    ctx.Out.WriteLine($"  journal (median run): {js.Records} records in {js.Commits} fdatasyncs ({js.RecordsPerSync:0.0} per sync), write {js.MeanWriteMs:0.00} ms + fdatasync {js.MeanSyncMs:0.00} ms per commit; {js.MaterializeBatches} materializer batches, {js.MaterializeTime.TotalMilliseconds:0} ms");
                foreach (var (name, runs) in new[] { ("direct", direct), ("journal", journal) })
                {
                    var median = MedianRun(runs);
                    if (median.Timings is not { Instances: > 0 } t) continue;
                    var line = $"  {name} (median run), per instance in the SCP: waiting for the data set {t.WaitForDataMs:0.000} ms, receiving {t.ReceiveMs:0.000}, checking {t.CheckMs:0.000}, making it durable {t.CommitMs:0.000}";
                    // One association: the cycle less the SCP's part is the sender's turnaround (response in, next file, command out).
                    if (c == 1) line += $"; rest of the {median.Seconds * 1000 / count:0.000} ms cycle (storescu's turnaround) {median.Seconds * 1000 / count - t.TotalMs:0.000}";
                    ctx.Out.WriteLine(line);
                }
                if (c == 1)
                {
                    // A durable SCP as fast as storescp at everything else still adds one flush per instance.
                    var s = Median(dcmtk[0]);
                    var bound = s / (s + count * flushSmall / 1000.0);
                    ctx.Out.WriteLine($"  one association: an SCP as fast as {StorescpName(storescpModes[0])} at receiving and writing, plus the 4 KB flush floor per instance, would reach {bound:0.00}x of it ({count} x {flushSmall:0.000} ms on top of {s:0.000} s)");
                }
                ctx.Out.WriteLine($"  runs (s): direct {Runs(direct)}; journal {Runs(journal)} (drained {string.Join(' ', journal.Select(r => r.Drained.ToString("0.000")))})");
                for (var m = 0; m < storescpModes.Length; m++) ctx.Out.WriteLine($"            {StorescpName(storescpModes[m])} {Runs(dcmtk[m])}");
                if (!complete)
                    ctx.Error.WriteLine($"  incomplete: stored direct {string.Join(',', direct.Select(r => r.Stored))}, journal {string.Join(',', journal.Select(r => r.Stored))}, storescp {string.Join(' ', dcmtk.Select(r => string.Join(',', r.Select(x => x.Stored))))} of {count}");
            }
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"load average after: {LoadAverage()}");
            ctx.Out.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
            return ok ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string StorescpName(bool bitPreserving) => bitPreserving ? "storescp +B" : "storescp";

    private static Run MedianRun(List<Run> runs) => runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);

    private static double Median(List<Run> runs) => MedianRun(runs).Seconds;

    private static string Runs(List<Run> runs) => string.Join(' ', runs.Select(r => r.Seconds.ToString("0.000")));

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    private static string Short(DurabilityMode d) => d switch
    {
        DurabilityMode.FsyncFileAndDirectory => "fsync f+d",
        DurabilityMode.FsyncFile => "fsync file",
        _ => "no-fsync",
    };

    private static Run RunMrics(IReadOnlyList<string> files, int associations, StorageMode mode, DurabilityMode durability, string outDir, int lingerMs)
    {
        // The journal's segments stay between runs, as they do in a running SCP (made once, reused); the files go.
        Reset(outDir, keep: ".journal");
        var provider = new FileStorageProvider(new FileStorageOptions
        {
            Directory = outDir, Mode = mode, Durability = durability, MinFreeBytes = 64L * 1024 * 1024,
            JournalMaterializeLinger = TimeSpan.FromMilliseconds(lingerMs),
        });
        var server = new DicomServer(new DicomScpOptions { AeTitle = "MRICS", MaxPduLength = MaxPdu, MaxAssociations = Math.Max(16, associations) }, provider);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            var sw = Stopwatch.StartNew();
            var seconds = SendAll(files, associations, server.LocalEndPoint.Port, "MRICS");
            provider.WhenMaterializedAsync().GetAwaiter().GetResult();
            var drained = sw.Elapsed.TotalSeconds;
            var stored = Directory.EnumerateFiles(outDir, "*.dcm", SearchOption.AllDirectories).Count();
            return new Run(seconds, stored, Math.Max(seconds, drained), provider.JournalStatistics, provider.Timings);
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static Run RunStorescp(IReadOnlyList<string> files, int associations, bool bitPreserving, string outDir)
    {
        Reset(outDir);
        var port = FreePort();
        List<string> scpArgs = ["-aet", "STORESCP", "-pdu", MaxPdu.ToString(), "-od", outDir];
        if (bitPreserving) scpArgs.Add("+B");
        if (associations > 1) scpArgs.Add("--fork");
        scpArgs.Add(port.ToString());
        using var scp = Start("storescp", scpArgs);
        try
        {
            WaitForPort(port);
            var seconds = SendAll(files, associations, port, "STORESCP");
            // With --fork the last child may still be closing its file: wait until all are there (bounded).
            var until = DateTime.UtcNow.AddSeconds(10);
            int stored;
            while ((stored = Directory.EnumerateFiles(outDir).Count()) < files.Count && DateTime.UtcNow < until) Thread.Sleep(20);
            return new Run(seconds, stored, seconds);
        }
        finally
        {
            if (!scp.HasExited) scp.Kill(entireProcessTree: true);
            scp.WaitForExit(5000);
        }
    }

    /// <summary>Runs one storescu per association over its share of the files; wall-clock seconds until all finish.</summary>
    private static double SendAll(IReadOnlyList<string> files, int associations, int port, string calledAe)
    {
        var shares = Enumerable.Range(0, associations).Select(i => files.Where((_, k) => k % associations == i).ToList()).Where(s => s.Count > 0).ToList();
        var sw = Stopwatch.StartNew();
        var processes = shares.Select(share => Start("storescu",
            ["-aet", "BENCH", "-aec", calledAe, "-pdu", MaxPdu.ToString(), "127.0.0.1", port.ToString(), .. share])).ToList();
        foreach (var p in processes)
        {
            if (!p.WaitForExit(300_000)) { p.Kill(true); throw new TimeoutException("storescu did not finish in 300 s"); }
        }
        var seconds = sw.Elapsed.TotalSeconds;
        foreach (var p in processes)
        {
            if (p.ExitCode != 0) Console.Error.WriteLine($"storescu exited with {p.ExitCode}: {p.StandardError.ReadToEnd().Trim()}");
            p.Dispose();
        }
        return seconds;
    }

    private static IReadOnlyList<string> PrepareFiles(string source, int count, string dir)
    {
        Directory.CreateDirectory(dir);
        var files = Enumerable.Range(0, count).Select(i => Path.Combine(dir, $"{i:D5}.dcm")).ToList();
        foreach (var f in files) File.Copy(source, f);
        foreach (var chunk in files.Chunk(200))
        {
            using var p = Start("dcmodify", ["-nb", "-gin", .. chunk]);
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"dcmodify failed: {p.StandardError.ReadToEnd()}");
        }
        return files;
    }

    private static Process Start(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // dcmtk leaves Nagle on unless TCP_NODELAY=1: with it on, every C-STORE waits ~40 ms for a delayed ACK.
        psi.Environment["TCP_NODELAY"] = "1";
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    private static void Reset(string dir, string? keep = null)
    {
        if (Directory.Exists(dir))
        {
            foreach (var d in Directory.EnumerateDirectories(dir).Where(d => Path.GetFileName(d) != keep)) Directory.Delete(d, recursive: true);
            foreach (var f in Directory.EnumerateFiles(dir)) File.Delete(f);
        }
        Directory.CreateDirectory(dir);
        // Untimed: no run pays for the write-back of the previous run's files (storescp never syncs its own).
        using (var sync = Process.Start(new ProcessStartInfo("sync", ["-f", dir]) { UseShellExecute = false }))
            sync?.WaitForExit();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void WaitForPort(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, port); return; }
            catch (SocketException) when (DateTime.UtcNow < until) { Thread.Sleep(20); }
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static string? FirstExisting(params string[] paths) => paths.FirstOrDefault(File.Exists);

    private static string RuntimeInformationText() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
}
