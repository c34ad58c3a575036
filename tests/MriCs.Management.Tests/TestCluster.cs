using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Cli;

namespace MriCs.Management.Tests;

/// <summary>One MriCs node in this process (real remoting on 127.0.0.1, port 0) with its real management endpoint.</summary>
public sealed class Node : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private Node(IHost host)
    {
        Host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Management = host.Services.GetRequiredService<ManagementHost>().Address ?? throw new InvalidOperationException("management endpoint did not start");
        Http = new HttpClient { BaseAddress = Management, Timeout = TimeSpan.FromSeconds(60) };
        Client = new PipelineClient(System, host.Services.GetRequiredService<IActorRegistry>());
    }

    public IHost Host { get; }
    public ActorSystem System { get; }
    public Uri Management { get; }
    public HttpClient Http { get; }
    public PipelineClient Client { get; }
    public string Address => Akka.Cluster.Cluster.Get(System).SelfAddress.ToString();
    public string HostPort => Management.Authority;

    /// <summary>Starts a node with the given roles; no seed = joins itself (the seed node).</summary>
    public static async Task<Node> StartAsync(string dataDir, string role, string? seed, ISliceGraderFactory grader,
        string? token = Token, IReadOnlyDictionary<string, string?>? extra = null, string? hocon = null, CapturingLoggerProvider? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = dataDir,
            ["MriCs:Roles:0"] = role,
            ["MriCs:Inference:Slots"] = "1",
            ["MriCs:Inference:MaxInFlightPerSlot"] = "16", // above the slices a test holds back, so held studies never block the others
            ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
            ["MriCs:Management:Port"] = "0",
            ["MriCs:Management:Token"] = token,
            ["MriCs:Cluster:SplitBrain:Strategy"] = "off", // no automatic downing: the tests down members themselves
        };
        if (seed is not null) settings["MriCs:Cluster:SeedNodes:0"] = seed;
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        var host = MriCsNode.Build(settings, s =>
        {
            s.AddSingleton<IInstanceReader>(new FakeReader());
            s.AddSingleton<ISliceGraderFactory>(grader);
            s.AddMriCsManagement();
            MriCs.Management.Slots.SlotManagementServices.AddGpuSlotManagement(s);
            if (logs is not null) s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
        }, logLevel: logs is null ? Microsoft.Extensions.Logging.LogLevel.Warning : Microsoft.Extensions.Logging.LogLevel.Trace, configureAkka: a => a.AddHocon(
            "akka.test.timefactor = 4\n" + (hocon ?? ""), HoconAddMode.Prepend));
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await host.StopAsync(TimeSpan.FromSeconds(30));
            host.Dispose();
            throw;
        }
        return new Node(host);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} on {HostPort}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            // a node that was downed/left has already stopped its actor system
        }
        Host.Dispose();
    }
}

/// <summary>The palette, run in-process exactly as `./mrics ...` runs it.</summary>
public static class Cli
{
    public sealed record Result(int Code, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;
    }

    public static Task<Result> RunAsync(params string[] args) => Task.Run(() =>
    {
        var o = new StringWriter(CultureInfo.InvariantCulture);
        var e = new StringWriter(CultureInfo.InvariantCulture);
        var code = CommandRouter.Run(args, CommandTable.All, o, e);
        return new Result(code, o.ToString(), e.ToString());
    });
}

/// <summary>Polls an observed condition (cluster membership converges asynchronously) with a generous deadline; fails naming what was last seen.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not reached within {timeout.TotalSeconds:0} s; last seen: {JsonSerializer.Serialize(last)}");
            await Task.Delay(250);
        }
    }
}

/// <summary>Every log line of a node, formatted, for tests that check what logs must never contain.</summary>
public sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToList();

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}");
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mrics-mgmt-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

/// <summary>A seed (lighthouse role), an ingest node and a gpu-worker node, shared by the specs of one class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TempDir Dir { get; } = new();
    public FakeGraderFactory Grader { get; } = new();
    public Node Seed { get; private set; } = null!;
    public Node Ingest { get; private set; } = null!;
    public Node Worker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Seed = await Node.StartAsync(Dir.Sub("seed"), ClusterRoles.Lighthouse, null, Grader);
        Ingest = await Node.StartAsync(Dir.Sub("ingest"), ClusterRoles.Ingest, Seed.Address, Grader);
        Worker = await Node.StartAsync(Dir.Sub("worker"), ClusterRoles.GpuWorker, Seed.Address, Grader, token: null);
        // Every node's own view, not just the seed's: Up statuses reach the others by gossip a moment later.
        foreach (var node in new[] { Seed, Ingest, Worker })
            await Eventually.UntilAsync(() => node.GetJsonAsync("/api/cluster"),
                c => c.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == 3, TimeSpan.FromSeconds(60), "3 members up");
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Ingest.DisposeAsync();
        await Seed.DisposeAsync();
        Dir.Dispose();
    }
}
