using System.Diagnostics;
using System.Text;

namespace MriCs.Cluster.Tests;

/// <summary>
/// One node as a separate OS process (`dotnet X.dll --MriCs:...`), its output kept in memory and in a log file.
/// <see cref="KillHard"/> is kill -9 (SIGKILL to the whole tree); <see cref="StopAsync"/> is SIGTERM (coordinated
/// shutdown), then SIGKILL after a grace period. Dispose kills whatever is left, so a failing test leaks no process.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;

    public string Name { get; }
    public int Pid => _process.Id;
    public string LogPath { get; }

    private NodeProcess(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    public static NodeProcess Start(string name, string dll, IEnumerable<string> args, string workDir, string logDir)
    {
        Directory.CreateDirectory(workDir);
        Directory.CreateDirectory(logDir);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        var logPath = Path.Combine(logDir, $"{name}-{DateTime.UtcNow:HHmmss.fff}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var node = new NodeProcess(name, p, logPath, log);
        p.OutputDataReceived += (_, e) => node.Append(e.Data);
        p.ErrorDataReceived += (_, e) => node.Append(e.Data);
        if (!p.Start()) throw new InvalidOperationException($"cannot start {name}");
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (Live) Live.Add(node);
        return node;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            try { _log.WriteLine(line); } catch (ObjectDisposedException) { }
        }
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Waits until the output contains <paramref name="text"/> (after <paramref name="from"/> characters); fails with the log tail.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, int from = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var output = Output;
            if (output.Length > from && output.IndexOf(text, from, StringComparison.Ordinal) >= 0) return;
            if (HasExited) throw new InvalidOperationException($"{Name} exited ({ExitCode}) before logging '{text}':\n{Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not log '{text}' within {timeout.TotalSeconds:0} s:\n{Tail()}");
            await Task.Delay(250);
        }
    }

    public string Tail(int lines = 40)
    {
        var all = Output.Split('\n');
        return $"--- {Name} (pid {Pid}, log {LogPath}) ---\n" + string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>kill -9 of the process and its children.</summary>
    public void KillHard()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(30_000);
    }

    /// <summary>SIGTERM (graceful leave), then kill -9 after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term?.WaitForExit(10_000);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { KillHard(); }
    }

    public void Dispose()
    {
        KillHard();
        lock (Live) Live.Remove(this);
        lock (_output) _log.Dispose();
        _process.Dispose();
    }

    /// <summary>Every node still running is killed when the test process exits, whatever happened.</summary>
    private static readonly HashSet<NodeProcess> Live = [];

    static NodeProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        List<NodeProcess> left;
        lock (Live) left = [.. Live];
        foreach (var n in left) { try { n.KillHard(); } catch (Exception) { } }
    };
}
