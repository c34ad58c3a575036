using System.Text.RegularExpressions;
using System.Reflection;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MriCs.Dicom.Network;

namespace MriCs.Dicom.Network.Tests;

/// <summary>External programs (dcmtk, Orthanc, node) run by the tests; killed by process id when disposed.</summary>
public sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private PeerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static PeerProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new PeerProcess(Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}"));
    }

    /// <summary>Runs to completion (killed after <paramref name="timeout"/>, which fails the test).</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        using var p = Start(file, args, workingDirectory);
        using var cts = new CancellationTokenSource(timeout);
        try { await p._process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p._process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout.TotalSeconds} s:\n{p.Output}");
        }
        p._process.WaitForExit(); // flush the output readers
        return (p._process.ExitCode, p.Output);
    }

    /// <summary>kill -9: SIGKILL, no shutdown code runs; returns once the process is gone.</summary>
    public void Kill9()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Sends a POSIX signal by name (TERM, INT) with kill(1); the process handles it as it would from a shell.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", name, _process.Id.ToString()]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("cannot run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {name} {_process.Id} exited {kill.ExitCode}");
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

public static class TestEnv
{
    public const string PydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    /// <summary>A port that was free a moment ago (for peers that cannot bind port 0 themselves).</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "mrics-net-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "MriCs.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Waits until a TCP port accepts connections.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout, PeerProcess? owner = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (owner is { HasExited: true })
                throw new InvalidOperationException($"the peer exited before listening on port {port}:\n{owner.Output}");
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
        }
    }

    public static DicomServer StartServer(DicomScpOptions options, ICStoreProvider? store = null)
    {
        var server = new DicomServer(options, store);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return server;
    }

    public static DicomScpOptions FastOptions(string ae = "MRICS") => new()
    {
        AeTitle = ae,
        ArtimTimeout = TimeSpan.FromSeconds(3),
        IdleTimeout = TimeSpan.FromSeconds(10),
        StallTimeout = TimeSpan.FromSeconds(3),
        ShutdownGrace = TimeSpan.FromSeconds(5),
    };

    public static IReadOnlyList<PresentationContextProposal> EchoContexts { get; } =
        [new PresentationContextProposal(1, NetworkUids.Verification, [NetworkUids.ImplicitVrLittleEndian])];
}

/// <summary>`mrics dicom scp` as a child process (the CLI built beside this test project), and storescu -v output.</summary>
public static class ScpProcess
{
    public static string MricsDll()
    {
        var config = typeof(ScpProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(TestEnv.RepoRoot(), "src", "MriCs.Cli", "bin", config, "net10.0", "mrics.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (it is a project reference of this test project; build it in {config})");
        return dll;
    }

    /// <summary>Starts `mrics dicom scp` on a free port of 127.0.0.1 writing to <paramref name="dir"/>; returns once it listens.</summary>
    public static async Task<(PeerProcess Scp, int Port)> StartAsync(string dir, string storage, params string[] extra)
    {
        var port = TestEnv.FreePort();
        var scp = PeerProcess.Start("dotnet",
            [MricsDll(), "dicom", "scp", "--port", port.ToString(), "--ae-title", "MRICS", "--out", dir, "--bind", "127.0.0.1",
             "--storage", storage, "--min-free-mb", "1", .. extra]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(60), scp);
        return (scp, port);
    }

    /// <summary>Waits (at most 120 s) until a running `storescu -v` has reported <paramref name="count"/> successful stores.</summary>
    public static async Task WaitForSuccessesAsync(PeerProcess storescu, PeerProcess scp, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(120);
        while (Regex.Matches(storescu.Output, @"Received Store Response \(Success\)").Count < count)
        {
            if (storescu.HasExited) Assert.Fail($"storescu ended before {count} successes:\n{storescu.Output}\n{scp.Output}");
            if (DateTime.UtcNow > until) Assert.Fail($"storescu got no {count} successes in 120 s:\n{storescu.Output}\n{scp.Output}");
            await Task.Delay(5);
        }
    }

    /// <summary>The files a `storescu -v` run saw acknowledged: each "Sending file" paired with the success that follows it.</summary>
    public static List<string> Acknowledged(string storescuOutput)
    {
        var acknowledged = new List<string>();
        string? current = null;
        foreach (var line in storescuOutput.Split('\n'))
        {
            var m = Regex.Match(line, @"Sending file: (.+?)\s*$");
            if (m.Success) { current = m.Groups[1].Value; continue; }
            if (line.Contains("Received Store Response (Success)", StringComparison.Ordinal) && current is not null)
            {
                acknowledged.Add(current);
                current = null;
            }
        }
        return acknowledged;
    }
}
