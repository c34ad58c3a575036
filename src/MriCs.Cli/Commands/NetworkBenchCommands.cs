using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MriCs.Dicom.Network;

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
        new("bench store", "bench store [--source FILE] [--count N] [--associations 1,8] [--repeat R] [--durability full|file|none] [--storescp-mode default|bit-preserving]", Store),
    ];

    private sealed record Run(double Seconds, int Stored);

    private static int Store(CliArgs args, CliContext ctx)
    {
        var source = args.Option("source") ?? FirstExisting("/usr/share/doc/dicom3tools/examples/0051.dcm",
            "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm")
            ?? throw new CliUsageException("no --source given and no sample file found (install dicom3tools or python3-pydicom)");
        var count = args.Int("count", 200);
        var repeat = args.Int("repeat", 3);
        var concurrencies = (args.Option("associations") ?? "1,8").Split(',').Select(s => int.TryParse(s, out var v) && v > 0 ? v
            : throw new CliUsageException($"--associations expects positive integers, got '{s}'")).ToArray();
        var durability = args.Option("durability") switch
        {
            null or "full" => DurabilityMode.FsyncFileAndDirectory,
            "file" => DurabilityMode.FsyncFile,
            "none" => DurabilityMode.None,
            var d => throw new CliUsageException($"--durability must be none, file or full, got '{d}'"),
        };
        var bitPreserving = (args.Option("storescp-mode") ?? "bit-preserving") switch
        {
            "default" => false,
            "bit-preserving" => true,
            var m => throw new CliUsageException($"--storescp-mode must be default or bit-preserving, got '{m}'"),
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
            ctx.Out.WriteLine($"C-STORE receive: {count} instances, {totalBytes / 1048576.0:0.0} MB ({totalBytes / count / 1024} KB each), sender dcmtk storescu, max PDU {MaxPdu}, best of {repeat}");
            ctx.Out.WriteLine($"MriCs SCP: durability {durability} (before each success: {Short(durability)}; f+d = fsync file, rename, fsync directory){(durability != DurabilityMode.None ? "; also run without fsync" : "")}");
            ctx.Out.WriteLine($"storescp: {(bitPreserving ? "+B (bit-preserving, data set streamed to file)" : "default (parse + re-encode)")}, no fsync (dcmtk does not fsync), --fork when N > 1, TCP_NODELAY=1 for every dcmtk process");
            ctx.Out.WriteLine();
            var compareNoSync = durability != DurabilityMode.None;
            ctx.Out.WriteLine($"{"assocs",6} | {"MriCs " + Short(durability) + " img/s",20} {"MB/s",7} |{(compareNoSync ? $" {"MriCs no-fsync img/s",20} {"MB/s",7} |" : "")} {"storescp img/s",14} {"MB/s",7} | {"ratio",6}{(compareNoSync ? $" {"no-fsync ratio",14}" : "")}");
            var ok = true;
            foreach (var c in concurrencies)
            {
                var mrics = Best(repeat, () => RunMrics(files, c, durability, Path.Combine(work, "out-mrics")));
                var noSync = compareNoSync ? Best(repeat, () => RunMrics(files, c, DurabilityMode.None, Path.Combine(work, "out-mrics"))) : mrics;
                var dcmtk = Best(repeat, () => RunStorescp(files, c, bitPreserving, Path.Combine(work, "out-storescp")));
                ok &= mrics.Stored == count && noSync.Stored == count && dcmtk.Stored == count;
                double Ips(Run r) => count / r.Seconds;
                double Mbs(Run r) => totalBytes / 1048576.0 / r.Seconds;
                ctx.Out.WriteLine($"{c,6} | {Ips(mrics),20:0.0} {Mbs(mrics),7:0.0} |{(compareNoSync ? $" {Ips(noSync),20:0.0} {Mbs(noSync),7:0.0} |" : "")} {Ips(dcmtk),14:0.0} {Mbs(dcmtk),7:0.0} | {dcmtk.Seconds / mrics.Seconds,5:0.00}x{(compareNoSync ? $" {dcmtk.Seconds / noSync.Seconds,13:0.00}x" : "")}");
                if (mrics.Stored != count || noSync.Stored != count || dcmtk.Stored != count)
                    ctx.Error.WriteLine($"  incomplete: MriCs stored {mrics.Stored}/{noSync.Stored}, storescp stored {dcmtk.Stored} of {count}");
            }
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
            return ok ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Short(DurabilityMode d) => d switch
    {
        DurabilityMode.FsyncFileAndDirectory => "fsync f+d",
        DurabilityMode.FsyncFile => "fsync file",
        _ => "no-fsync",
    };

    private static Run Best(int repeat, Func<Run> run)
    {
        Run? best = null;
        for (var i = 0; i < Math.Max(1, repeat); i++)
        {
            var r = run();
            if (best is null || r.Stored > best.Stored || (r.Stored == best.Stored && r.Seconds < best.Seconds)) best = r;
        }
        return best!;
    }

    private static Run RunMrics(IReadOnlyList<string> files, int associations, DurabilityMode durability, string outDir)
    {
        Reset(outDir);
        var provider = new FileStorageProvider(new FileStorageOptions { Directory = outDir, Durability = durability, MinFreeBytes = 64L * 1024 * 1024 });
        var server = new DicomServer(new DicomScpOptions { AeTitle = "MRICS", MaxPduLength = MaxPdu, MaxAssociations = Math.Max(16, associations) }, provider);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            var seconds = SendAll(files, associations, server.LocalEndPoint.Port, "MRICS");
            return new Run(seconds, Directory.EnumerateFiles(outDir, "*.dcm", SearchOption.AllDirectories).Count());
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
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
            return new Run(seconds, stored);
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

    private static void Reset(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
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
