using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Management;
using MriCs.Management.Slots;
using MriCs.Management.Telemetry;
using MriCs.Management.Agreement;

namespace MriCs.Cli.Commands;

/// <summary>The actor pipeline's commands: serve (every role in one process), process a folder, demo, bench pipeline.</summary>
public static partial class PipelineCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("demo", "demo [--patients N] [--seed S] [--protocol key-images|slabs] [--out DIR] [--data-dir DIR] [--models DIR] [--provider auto|cpu|cuda] [--slots N]", Demo),
        new("serve", "serve [--data-dir DIR] [--models DIR] [--watch DIR] [--dicom-port P] [--ae-title AE] [--slots N] [--provider auto|cpu|cuda] [--threads N] [--detector-instances N] [--roles ingest,gpu-worker] [--port N] [--seed-node ADDRESS]... [--management-port M] [--management-bind IP]", Serve),
        new("bench pipeline", "bench pipeline [--input DIR | --patients N --seed S] [--models DIR] [--slots N] [--in-flight N] [--provider auto|cpu|cuda] [--threads N] [--detector-instances N] [--model-set ID]", BenchPipeline),
        new("process", "process DIR --out results.csv [--json FILE] [--data-dir DIR] [--models DIR] [--slots N] [--provider auto|cpu|cuda] [--threads N] [--detector-instances N] [--fusion mean|majority|most-severe] [--timeout SECONDS]", Process),
    ];

    /// <summary>Node settings from the command line (MriCs:* keys); everything else from appsettings/environment.</summary>
    internal static Dictionary<string, string?> NodeSettings(CliArgs args, string? dataDir = null)
    {
        var s = new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = Path.GetFullPath(dataDir ?? args.Option("data-dir") ?? Path.Combine(CliPaths.Home, "data")),
            ["MriCs:Inference:ModelsDir"] = Path.GetFullPath(CliPaths.Models(args)),
        };
        void Map(string option, string key) { if (args.Option(option) is { } v) s[key] = v; }
        Map("slots", "MriCs:Inference:Slots");
        Map("provider", "MriCs:Inference:Provider");
        Map("model-set", "MriCs:Inference:ModelSet");
        Map("threads", "MriCs:Inference:IntraOpThreads");
        Map("detector-instances", "MriCs:Inference:DetectorInstances");
        Map("fusion", "MriCs:Aggregation:Fusion");
        Map("port", "MriCs:Cluster:Port");
        Map("hostname", "MriCs:Cluster:Hostname");
        Map("dicom-port", "MriCs:Dicom:Port");
        Map("ae-title", "MriCs:Dicom:AeTitle");
        Map("management-port", "MriCs:Management:Port");
        Map("management-bind", "MriCs:Management:Bind");
        if (args.Option("watch") is { } watch) s["MriCs:Ingest:WatchDir"] = Path.GetFullPath(watch);
        if (args.Option("roles") is { } roles)
        {
            var list = roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < list.Length; i++) s[$"MriCs:Roles:{i}"] = list[i];
        }
        var seeds = args.Options("seed-node");
        for (var i = 0; i < seeds.Count; i++) s[$"MriCs:Cluster:SeedNodes:{i}"] = seeds[i];
        return s;
    }

    internal static IHost BuildNode(Dictionary<string, string?> settings) => MriCsNode.Build(settings, s => s.AddMriCsRuntime().AddMriCsManagement().AddMriCsMetrics().AddGpuSlotManagement().AddLiveAgreement());

    internal static PipelineClient Client(IHost host) =>
        new(host.Services.GetRequiredService<ActorSystem>(), host.Services.GetRequiredService<IActorRegistry>());

    private static int Serve(CliArgs args, CliContext ctx)
    {
        var settings = NodeSettings(args);
        using var host = BuildNode(settings);
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
        }
        catch (OptionsValidationException ex)
        {
            ctx.Error.WriteLine("mrics serve: invalid configuration: " + string.Join("; ", ex.Failures));
            return 2;
        }
        var options = host.Services.GetRequiredService<IOptions<MriCsOptions>>().Value;
        var system = host.Services.GetRequiredService<ActorSystem>();
        ctx.Out.WriteLine($"mrics node up: roles {string.Join(",", options.EffectiveRoles)}, cluster address {Akka.Cluster.Cluster.Get(system).SelfAddress}");
        ctx.Out.WriteLine($"  journal:  {MriCsPersistence.Describe(options)}");
        ctx.Out.WriteLine($"  models:   {options.Inference.ModelsDir} (set {options.Inference.ModelSet}, {options.Inference.EffectiveSlots} slot(s), provider {options.Inference.Provider})");
        ctx.Out.WriteLine($"  watching: {options.Ingest.WatchDir ?? "(no folder; --watch DIR)"}");
        if (options.Dicom.Port is { } port)
            ctx.Out.WriteLine(typeof(MriCsNode).Assembly.GetType("MriCs.Actors.Hosting.DicomScpService") is null
                ? $"  DICOM SCP on port {port}: not available in this build (no DICOM network services); use --watch DIR"
                : $"  DICOM SCP: AE {options.Dicom.AeTitle} on {options.Dicom.Bind}:{port}, staging {Path.Combine(Path.GetFullPath(options.DataDir), "staging")}");
        if (host.Services.GetRequiredService<ManagementHost>().Address is { } management)
            ctx.Out.WriteLine($"  management: {management} (`mrics cluster show --host {management.Authority}`; mutating commands need MriCs__Management__Token)");
        ctx.Out.WriteLine("Ctrl+C stops the node (shards hand off through coordinated shutdown).");
        host.WaitForShutdownAsync().GetAwaiter().GetResult();
        return 0;
    }

    private static int BenchPipeline(CliArgs args, CliContext ctx)
    {
        if (args.Option("input") is { } input)
        {
            if (!Directory.Exists(input)) { ctx.Error.WriteLine($"mrics bench pipeline: folder '{input}' does not exist"); return 2; }
            return RunBench(input, args, ctx);
        }
        var generated = Path.Combine(Path.GetTempPath(), "mrics-bench-studies-" + Guid.NewGuid().ToString("N"));
        try
        {
            var patients = args.Int("patients", 40);
            var files = MriCs.Phantom.Studies.PhantomStudy.Write(generated, new MriCs.Phantom.PhantomOptions(args.Int("seed", 5)), patients, new MriCs.Phantom.Studies.StudyOptions());
            File.Delete(Path.Combine(generated, "labels.csv"));
            ctx.Out.WriteLine($"generated {patients} phantom studies ({files} DICOM files, with distractor series)");
            return RunBench(generated, args, ctx);
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }
    }

    private static int Process(CliArgs args, CliContext ctx)
    {
        if (args.Positionals.Count != 1) throw new CliUsageException("expected one folder of DICOM studies");
        var input = args.Positionals[0];
        var outCsv = args.Required("out");
        if (!Directory.Exists(input)) { ctx.Error.WriteLine($"mrics process: folder '{input}' does not exist"); return 2; }
        var timeout = TimeSpan.FromSeconds(args.Int("timeout", 3600));
        var settings = NodeSettings(args);
        using var host = BuildNode(settings);
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
        }
        catch (OptionsValidationException ex)
        {
            ctx.Error.WriteLine("mrics process: invalid configuration: " + string.Join("; ", ex.Failures));
            return 2;
        }
        try
        {
            var client = Client(host);
            var slots = host.Services.GetRequiredService<IOptions<MriCsOptions>>().Value.Inference.EffectiveSlots;
            try
            {
                client.WaitForSlotsAsync(slots, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException ex)
            {
                ctx.Error.WriteLine($"mrics process: {ex.Message}");
                return 2;
            }
            var (recommendations, ingested) = RunBatch(client, input, timeout, ctx.Error).GetAwaiter().GetResult();
            var json = args.Option("json") ?? Path.ChangeExtension(outCsv, ".json");
            WriteResults(outCsv, json, recommendations);
            ctx.Out.Write(ResultsExport.Table(recommendations));
            ctx.Out.WriteLine($"{recommendations.Count} studies ({recommendations.Count(r => r.Grade is not null)} with a recommendation), {ingested.Instances} instances, {ingested.Rejected.Count} files not ingested");
            ctx.Out.WriteLine($"results: {Path.GetFullPath(outCsv)}, {Path.GetFullPath(json)}; journal: {settings["MriCs:DataDir"]}/mrics.db");
            return 0;
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>Ingests a folder, waits for every study, lists rejected files on <paramref name="log"/>.</summary>
    internal static async Task<(IReadOnlyList<Recommendation> Recommendations, FolderIngested Ingested)> RunBatch(PipelineClient client, string input, TimeSpan timeout, TextWriter log)
    {
        var ingested = await client.IngestFolderAsync(input, timeout);
        foreach (var r in ingested.Rejected) log.WriteLine($"not ingested: {r.Path}: {r.Reason}");
        var recommendations = await client.WaitForRecommendationsAsync(ingested.StudyUids, timeout, (done, total) => Progress(log, done, total));
        log.WriteLine();
        return (recommendations, ingested);
    }

    internal static void WriteResults(string csv, string json, IReadOnlyList<Recommendation> recommendations)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(csv)) is { } d) Directory.CreateDirectory(d);
        using (var w = new StreamWriter(csv)) ResultsExport.WriteCsv(w, recommendations);
        using var s = File.Create(json);
        ResultsExport.WriteJson(s, recommendations);
    }

    private static int _lastProgress = -1;

    internal static void Progress(TextWriter w, int done, int total)
    {
        if (done == _lastProgress && done != total) return;
        _lastProgress = done;
        const int width = 30;
        var filled = total == 0 ? width : done * width / total;
        w.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} studies"));
    }
}
