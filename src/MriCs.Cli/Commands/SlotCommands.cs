using System.Globalization;
using System.Text.Json;
using MriCs.Cli.Management;

namespace MriCs.Cli.Commands;

/// <summary>
/// GPU-worker slots and model sets on a running cluster (any ingest or gpu-worker node's management endpoint):
/// `gpu slots`, `models list --cluster`, `models reload` (rolling, one slot at a time; bearer token). Exit codes as
/// in <see cref="ManagementCommands"/>: 0 ok, 1 refused or failed (a reload a slot refused), 2 no answer.
/// </summary>
public static class SlotCommands
{
    private const string Endpoint = "[--host H[:P]] [--port P] [--token T] [--json]";

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("gpu slots", $"gpu slots {Endpoint}", GpuSlots, "json"),
        new("models reload", $"models reload {Endpoint}", ModelsReload, "json"),
    ];

    /// <summary>Usage of the cluster form of `models list` (the local form lists the manifest on disk).</summary>
    public const string ModelsListUsage = $"models list --cluster {Endpoint}";

    /// <summary>Whether `models list` is asked of a cluster rather than of the local models folder.</summary>
    public static bool AsksCluster(CliArgs args) => args.Flag("cluster") || args.Option("host") is not null || args.Option("port") is not null;

    private static int GpuSlots(CliArgs args, CliContext ctx) => ManagementCommands.Run(args, ctx, "gpu slots", async client =>
    {
        var body = await client.GetAsync("/api/gpu/slots");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var slots = JsonDocument.Parse(body).RootElement.Items("slots").ToList();
        TablePrinter.Print(ctx.Out, ["slot", "node", "device", "provider", "state", "model set", "queue", "in flight", "batch sizes", "slices/s"],
            slots.Select(s => new[]
            {
                s.Text("slotId"), s.Text("node"), s.Text("device"), s.Text("provider"), s.Text("state"),
                $"{s.Text("modelSet")} {s.Text("modelSetVersion")}", s.Text("queueDepth"), $"{s.Text("inFlight")}/{s.Text("maxInFlight")}",
                BatchSizes(s), s.Text("slicesPerSecond"),
            }));
        return 0;
    });

    /// <summary>Batch sizes over the slot's models: "size x count" most frequent first.</summary>
    private static string BatchSizes(JsonElement slot)
    {
        var sizes = new SortedDictionary<int, long>();
        foreach (var m in slot.Items("batching"))
            if (m.TryGetProperty("batchSizes", out var b) && b.ValueKind == JsonValueKind.Object)
                foreach (var p in b.EnumerateObject())
                    if (int.TryParse(p.Name, CultureInfo.InvariantCulture, out var size)) sizes[size] = sizes.GetValueOrDefault(size) + p.Value.GetInt64();
        return string.Join(" ", sizes.OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key}x{kv.Value}"));
    }

    public static int ModelsList(CliArgs args, CliContext ctx) => ManagementCommands.Run(args, ctx, "models list", async client =>
    {
        var body = await client.GetAsync("/api/models");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var root = JsonDocument.Parse(body).RootElement;
        var slots = root.Items("slots").ToList();
        ctx.Out.WriteLine(root.Text("consistent") == "yes"
            ? $"every slot runs model set version {root.Text("versions")}"
            : $"slots run different model set versions: {root.Text("versions")} (a reload was refused or is under way)");
        TablePrinter.Print(ctx.Out, ["slot", "node", "state", "model set", "version", "last reload error"],
            slots.Select(s => new[] { s.Text("slotId"), s.Text("node"), s.Text("state"), s.Text("modelSet"), s.Text("modelSetVersion"), s.Text("lastReloadError") }));
        foreach (var version in slots.GroupBy(s => s.Text("modelSetVersion")))
        {
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"version {version.Key}:");
            TablePrinter.Print(ctx.Out, ["model", "role", "dl version", "sha256"],
                version.First().Items("models").Select(m => new[] { m.Text("id"), m.Text("role"), m.Text("dlVersion"), m.Text("sha256") }));
        }
        return 0;
    });

    private static int ModelsReload(CliArgs args, CliContext ctx) => ManagementCommands.Run(args, ctx, "models reload", async client =>
    {
        string body;
        try
        {
            body = await client.PostAsync("/api/models/reload");
        }
        catch (ManagementClientException ex) when (ex.Status == 409 && ex.Body is { Length: > 0 } refused && !args.Flag("json"))
        {
            PrintReload(ctx, refused);
            throw;
        }
        if (args.Flag("json")) ctx.Out.WriteLine(body);
        else PrintReload(ctx, body);
        return 0;
    }, TimeSpan.FromMinutes(30));

    private static void PrintReload(CliContext ctx, string body)
    {
        var root = JsonDocument.Parse(body).RootElement;
        TablePrinter.Print(ctx.Out, ["slot", "node", "ok", "old version", "new version", "error"],
            root.Items("slots").Select(s => new[] { s.Text("slotId"), s.Text("node"), s.Text("ok"), s.Text("oldVersion"), s.Text("newVersion"), s.Text("error") })
                .Concat(root.Items("notAttempted").Select(n => new[] { n.GetString(), "", "not tried", "", "", "keeps its model set" })));
    }
}
