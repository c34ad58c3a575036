using System.Globalization;
using System.Text.Json;
using MriCs.Cli.Management;

namespace MriCs.Cli.Commands;

/// <summary>
/// The operator palette against a node's management endpoint (`--host H --port P --token T`, MRICS_HOST,
/// MRICS_TOKEN; `--json` prints the endpoint's raw JSON, tables otherwise). Exit 0 ok, 1 the endpoint
/// refused or failed (its message on stderr), 2 no answer, 3 health checks failing.
/// </summary>
public static class ManagementCommands
{
    private const string Endpoint = "[--host H[:P]] [--port P] [--token T] [--json]";

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("health", $"health [--live] {Endpoint}", Health, "json", "live"),
        new("cluster show", $"cluster show {Endpoint}", ClusterShow, "json"),
        new("cluster leave", $"cluster leave ADDRESS {Endpoint}", (a, c) => Membership(a, c, "leave"), "json"),
        new("cluster down", $"cluster down ADDRESS {Endpoint}", (a, c) => Membership(a, c, "down"), "json"),
        new("cluster down-unreachable", $"cluster down-unreachable {Endpoint}", DownUnreachable, "json"),
        new("cluster tail", $"cluster tail [--count N] {Endpoint}", ClusterTail, "json"),
        new("cluster sharding regions", $"cluster sharding regions {Endpoint}", ShardingRegions, "json"),
        new("cluster sharding region-stats", $"cluster sharding region-stats REGION {Endpoint}", RegionStats, "json"),
        new("cluster sharding shard-stats", $"cluster sharding shard-stats REGION {Endpoint}", ShardStats, "json"),
        new("studies pending", $"studies pending {Endpoint}", StudiesPending, "json"),
        new("studies show", $"studies show STUDY_UID {Endpoint}", StudyShow, "json"),
        new("patient show", $"patient show PATIENT_KEY {Endpoint}", PatientShow, "json"),
        new("recommendations list", $"recommendations list [--since 2026-01-31T00:00:00Z] {Endpoint}", RecommendationsList, "json"),
        new("recommendations export", $"recommendations export [--format csv|json] [--since T] [--out FILE] {Endpoint}", RecommendationsExport, "json"),
    ];

    /// <summary>Runs one palette command: the client from the command line, endpoint errors printed (raw JSON with --json).</summary>
    public static int Run(CliArgs args, CliContext ctx, string command, Func<ManagementClient, Task<int>> body, TimeSpan? timeout = null)
    {
        using var client = ManagementClient.FromArgs(args, timeout);
        try
        {
            return body(client).GetAwaiter().GetResult();
        }
        catch (ManagementClientException ex)
        {
            if (args.Flag("json") && ex.Body is { Length: > 0 } raw) ctx.Out.WriteLine(raw);
            ctx.Error.WriteLine($"mrics {command}: {ex.Message}");
            return ex.Status is null ? 2 : 1;
        }
    }

    private static string One(CliArgs args, string what) =>
        args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliUsageException($"expected one {what}");

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    private static int Health(CliArgs args, CliContext ctx) => Run(args, ctx, "health", async client =>
    {
        var (status, body) = await client.GetWithStatusAsync(args.Flag("live") ? "/health/live" : "/health/ready");
        if (args.Flag("json")) ctx.Out.WriteLine(body);
        else
        {
            var root = Parse(body);
            ctx.Out.WriteLine($"{client.BaseAddress}: {root.Text("status")}");
            TablePrinter.Print(ctx.Out, ["check", "ok", "detail"], root.Items("checks").Select(c => new[] { c.Text("name"), c.Text("ok"), c.Text("detail") }));
        }
        return status == 200 ? 0 : 3;
    });

    private static int ClusterShow(CliArgs args, CliContext ctx) => Run(args, ctx, "cluster show", async client =>
    {
        var body = await client.GetAsync("/api/cluster");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var root = Parse(body);
        ctx.Out.WriteLine($"self {root.Text("self")} ({root.Text("selfStatus")}), leader {Or(root.Text("leader"), "none")}");
        TablePrinter.Print(ctx.Out, ["address", "status", "roles", "reachable"],
            root.Items("members").Select(m => new[] { m.Text("address"), m.Text("status"), m.Text("roles"), m.Text("reachable") }));
        var unreachable = root.Items("unreachable").Select(u => u.GetString()).ToList();
        if (unreachable.Count > 0) ctx.Out.WriteLine($"unreachable: {string.Join(", ", unreachable)} (mrics cluster down-unreachable downs them)");
        return 0;
    });

    private static int Membership(CliArgs args, CliContext ctx, string command) => Run(args, ctx, "cluster " + command, async client =>
    {
        var body = await client.PostAsync($"/api/cluster/{command}", new { address = One(args, "member ADDRESS (akka.tcp://system@host:port or host:port)") });
        if (args.Flag("json")) ctx.Out.WriteLine(body);
        else ctx.Out.WriteLine($"{command} requested for {Parse(body).Text("addresses")}; follow with `mrics cluster show` or `mrics cluster tail`");
        return 0;
    });

    private static int DownUnreachable(CliArgs args, CliContext ctx) => Run(args, ctx, "cluster down-unreachable", async client =>
    {
        var body = await client.PostAsync("/api/cluster/down-unreachable");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var downed = Parse(body).Items("addresses").Select(a => a.GetString()).ToList();
        ctx.Out.WriteLine(downed.Count == 0 ? "no member is unreachable: nothing downed" : $"down requested for {string.Join(", ", downed)}");
        return 0;
    });

    /// <summary>Prints member events as they come (the current members first) until Ctrl+C or --count events.</summary>
    private static int ClusterTail(CliArgs args, CliContext ctx)
    {
        var count = args.Int("count", 0);
        if (count < 0) throw new CliUsageException("--count must be >= 0 (0 = until Ctrl+C)");
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return Run(args, ctx, "cluster tail", async client =>
            {
                var seen = 0;
                try
                {
                    await client.StreamEventsAsync("/api/cluster/events", (type, data) =>
                    {
                        if (args.Flag("json")) ctx.Out.WriteLine(data);
                        else
                        {
                            var e = Parse(data);
                            var time = DateTimeOffset.TryParse(e.Text("time"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : "";
                            ctx.Out.WriteLine($"{time} {type,-18} {e.Text("address")} {e.Text("roles")}".TrimEnd());
                        }
                        ctx.Out.Flush();
                        return count == 0 || ++seen < count;
                    }, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Ctrl+C
                }
                return 0;
            }, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static int ShardingRegions(CliArgs args, CliContext ctx) => Run(args, ctx, "cluster sharding regions", async client =>
    {
        var body = await client.GetAsync("/api/sharding/regions");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        TablePrinter.Print(ctx.Out, ["region", "role", "on this node", "hosted by"],
            Parse(body).Items("regions").Select(r => new[] { r.Text("name"), r.Text("role"), r.Text("hostedHere") == "yes" ? "region" : "proxy", r.Text("hostedBy") }));
        return 0;
    });

    private static int RegionStats(CliArgs args, CliContext ctx) => Run(args, ctx, "cluster sharding region-stats", async client =>
    {
        var region = One(args, "REGION (see `mrics cluster sharding regions`)");
        var body = await client.GetAsync($"/api/sharding/regions/{Uri.EscapeDataString(region)}/stats");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var root = Parse(body);
        ctx.Out.WriteLine($"region {root.Text("region")}: {root.Text("shards")} shards, {root.Text("entities")} entities (asked {root.Text("askedOn")})");
        TablePrinter.Print(ctx.Out, ["node", "shards", "entities"],
            root.Items("nodes").Select(n => new[] { n.Text("address"), n.Text("shards"), n.Text("entities") }));
        var failed = root.Items("failed").Select(f => f.GetString()).ToList();
        if (failed.Count > 0) ctx.Out.WriteLine($"no answer from: {string.Join(", ", failed)}");
        return 0;
    });

    private static int ShardStats(CliArgs args, CliContext ctx) => Run(args, ctx, "cluster sharding shard-stats", async client =>
    {
        var region = One(args, "REGION (see `mrics cluster sharding regions`)");
        var body = await client.GetAsync($"/api/sharding/regions/{Uri.EscapeDataString(region)}/shards");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var root = Parse(body);
        ctx.Out.WriteLine($"region {root.Text("region")} on {root.Text("node")}");
        TablePrinter.Print(ctx.Out, ["shard", "entities", "entity ids"],
            root.Items("shards").Select(s => new[] { s.Text("shardId"), s.Items("entityIds").Count().ToString(CultureInfo.InvariantCulture), Shorten(s.Text("entityIds"), 80) }));
        return 0;
    });

    private static int StudiesPending(CliArgs args, CliContext ctx) => Run(args, ctx, "studies pending", async client =>
    {
        var body = await client.GetAsync("/api/studies/pending");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        var root = Parse(body);
        TablePrinter.Print(ctx.Out, ["study", "patient", "opened", "slices in", "planned"],
            root.Items("studies").Select(s => new[] { s.Text("studyUid"), s.Text("patientId"), Time(s.Text("openedAt")), s.Text("received"), s.Text("expected") }));
        if (root.TryGetProperty("dispatcher", out var d) && d.ValueKind == JsonValueKind.Object)
            ctx.Out.WriteLine($"dispatcher: {d.Text("queued")} slice tasks queued, {d.Text("inFlight")} in flight, {d.Text("resent")} resent");
        return 0;
    });

    private static int StudyShow(CliArgs args, CliContext ctx) => Run(args, ctx, "studies show", async client =>
    {
        var body = await client.GetAsync($"/api/studies/{Uri.EscapeDataString(One(args, "STUDY_UID"))}");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        PrintStudies(ctx.Out, [Parse(body)]);
        var rec = Parse(body).TryGetProperty("recommendation", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        if (rec.ValueKind == JsonValueKind.Object)
        {
            ctx.Out.WriteLine(rec.Text("explanation"));
            TablePrinter.Print(ctx.Out, ["level", "outcome", "grade", "confidence", "reason"],
                rec.Items("levels").Select(l => new[] { l.Text("level"), l.Text("outcome"), l.Text("grade"), l.Text("confidence"), l.Text("reason") }));
        }
        return 0;
    });

    private static int PatientShow(CliArgs args, CliContext ctx) => Run(args, ctx, "patient show", async client =>
    {
        var body = await client.GetAsync($"/api/patients/{Uri.EscapeDataString(One(args, "PATIENT_KEY"))}");
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        PrintStudies(ctx.Out, Parse(body).Items("studies").ToList());
        return 0;
    });

    private static int RecommendationsList(CliArgs args, CliContext ctx) => Run(args, ctx, "recommendations list", async client =>
    {
        var body = await client.GetAsync("/api/recommendations" + Since(args));
        if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
        PrintStudies(ctx.Out, Parse(body).Items("studies").ToList());
        return 0;
    });

    private static int RecommendationsExport(CliArgs args, CliContext ctx) => Run(args, ctx, "recommendations export", async client =>
    {
        var format = args.Option("format") ?? (args.Flag("json") ? "json" : "csv");
        if (format is not ("csv" or "json")) throw new CliUsageException($"--format '{format}': csv or json");
        var since = Since(args);
        var body = await client.GetAsync($"/api/recommendations/export?format={format}" + (since.Length > 0 ? "&" + since[1..] : ""));
        if (args.Option("out") is { } file)
        {
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir) Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(file, body);
            ctx.Error.WriteLine($"wrote {Path.GetFullPath(file)}");
        }
        else ctx.Out.Write(body);
        return 0;
    });

    private static string Since(CliArgs args)
    {
        if (args.Option("since") is not { } since) return "";
        if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            throw new CliUsageException($"--since '{since}' is not a date/time (e.g. 2026-01-31 or 2026-01-31T08:00:00Z)");
        return "?since=" + Uri.EscapeDataString(t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
    }

    private static void PrintStudies(TextWriter w, IReadOnlyList<JsonElement> studies) =>
        TablePrinter.Print(w, ["study", "patient", "status", "grade", "surgery", "level", "conf", "review", "issued"], studies.Select(s =>
        {
            var r = s.TryGetProperty("recommendation", out var x) ? x : default;
            return new[]
            {
                s.Text("studyUid"), s.Text("patientId"), s.Text("status"), r.Text("grade"), r.Text("surgeryConsidered"), r.Text("decidingLevel"),
                r.ValueKind == JsonValueKind.Object && r.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number
                    ? c.GetDouble().ToString("0.00", CultureInfo.InvariantCulture) : "",
                r.Text("flaggedForReview"), Time(s.Text("issuedAt")),
            };
        }));

    private static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : iso;

    private static string Or(string s, string fallback) => s.Length > 0 ? s : fallback;

    private static string Shorten(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
