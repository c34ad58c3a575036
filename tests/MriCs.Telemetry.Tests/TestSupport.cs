using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MriCs.Actors.Hosting;
using MriCs.Management;
using MriCs.Management.Slots;
using MriCs.Management.Telemetry;

namespace MriCs.Telemetry.Tests;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mrics-telemetry-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public static class Repo
{
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "MriCs.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("MriCs.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Models => System.IO.Path.Combine(Root(), "models");

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The full path of a peer program, or a failure naming how to install it (tests never skip a missing peer).</summary>
    public static string Peer(string program, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            var p = System.IO.Path.Combine(dir, program);
            if (File.Exists(p)) return p;
        }
        Assert.Fail($"{program} is not installed: scripts/test installs it (apt-get install {package})");
        return "";
    }

    public static void StoreScu(int port, string directory)
    {
        var psi = new ProcessStartInfo(Peer("storescu", "dcmtk")) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-aet", "SCU", "-aec", "MRICS", "+sd", "+r", "-nh", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), directory })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(180_000), "storescu did not finish");
        Assert.True(p.ExitCode == 0, $"storescu exit {p.ExitCode}: {err.Result}");
    }
}

/// <summary>Keeps every log line a node writes (message, category, event id, structured values, exception) at any level.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> State, string? Exception);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    /// <summary>Everything that was written, as one text (message, structured values, exception).</summary>
    public string AllText() => string.Join("\n", Entries.Select(e =>
        $"{e.Level} {e.Category} [{e.EventId.Id}] {e.Message} | {string.Join("; ", e.State.Select(kv => $"{kv.Key}={kv.Value}"))} {e.Exception}"));

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), values.ToList(), exception?.ToString()));
        }
    }
}

/// <summary>
/// An all-in-one MriCs node built like production (MriCsNode.Build) with its management endpoint (AddMriCsManagement,
/// port 0 on 127.0.0.1, bearer token <see cref="Token"/>) and the telemetry routes (/metrics, slots, models).
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    public const string Token = "telemetry-test-token-0123456789";
    private readonly IHost _host;

    private TestNode(IHost host)
    {
        _host = host;
        var address = host.Services.GetRequiredService<ManagementHost>().Address ?? throw new InvalidOperationException("management endpoint not started");
        ManagementAddress = address;
        ManagementPort = address.Port;
        Client = new PipelineClient(host.Services.GetRequiredService<ActorSystem>(), host.Services.GetRequiredService<IActorRegistry>());
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
    }

    public PipelineClient Client { get; }
    public Uri ManagementAddress { get; }
    public int ManagementPort { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _host.Services;

    public static async Task<TestNode> StartAsync(Dictionary<string, string?> settings, Action<IServiceCollection> services, LogLevel logLevel = LogLevel.Information)
    {
        settings = new Dictionary<string, string?>(settings)
        {
            ["MriCs:Management:Port"] = "0",
            ["MriCs:Management:Bind"] = "127.0.0.1",
            ["MriCs:Management:Token"] = Token,
        };
        var host = MriCsNode.Build(settings, s =>
        {
            services(s);
            s.AddMriCsManagement().AddMriCsMetrics().AddGpuSlotManagement();
        }, logLevel: logLevel, configureAkka: a => a.AddHocon("akka.test.timefactor = 4", HoconAddMode.Prepend));
        await host.StartAsync();
        return new TestNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }
}
