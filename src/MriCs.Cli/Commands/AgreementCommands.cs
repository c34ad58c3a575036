using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using MriCs.Actors.Protocol;
using MriCs.Cli.Management;

namespace MriCs.Cli.Commands;

/// <summary>
/// Live agreement against a running node's management endpoint: `decisions import FILE.csv` posts surgeon
/// decisions (the labels CSV of `mrics evaluate`), `agreement show` prints the current kappas per site and
/// DL version. Exit 0 ok, 1 the endpoint refused (or some rows were refused: listed with their lines), 2 no answer.
/// </summary>
public static class AgreementCommands
{
    private const string Endpoint = "[--host H[:P]] [--port P] [--token T] [--json]";

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("decisions import", $"decisions import FILE.csv [--rater NAME] {Endpoint}", Import, "json"),
        new("agreement show", $"agreement show [--site S] [--unit image|patient] [--reference RATER|consensus] {Endpoint}", Show, "json"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Imported(int Accepted, int Added, int Changed, int Duplicate, int Rejected, int SkippedOtherLevels,
        IReadOnlyList<RejectedDecision> RejectedRows, bool RejectedRowsTruncated);

    private static int Import(CliArgs args, CliContext ctx)
    {
        if (args.Positionals.Count != 1) throw new CliUsageException("expected one FILE.csv (patient_id,level,grade[,site][,rater])");
        var file = args.Positionals[0];
        if (!File.Exists(file)) throw new CliUsageException($"{file}: no such file");
        return ManagementCommands.Run(args, ctx, "decisions import", async client =>
        {
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
            var rater = args.Option("rater");
            var body = await client.PostContentAsync("/api/decisions" + (rater is null ? "" : "?rater=" + Uri.EscapeDataString(rater)), content);
            var r = JsonSerializer.Deserialize<Imported>(body, Json) ?? throw new ManagementClientException(200, "empty answer", body);
            if (args.Flag("json")) ctx.Out.WriteLine(body);
            else
            {
                ctx.Out.WriteLine($"{file}: {r.Accepted} accepted ({r.Added} new, {r.Changed} changed), {r.Duplicate} already recorded, {r.Rejected} refused" +
                    (r.SkippedOtherLevels > 0 ? $", {r.SkippedOtherLevels} at C2/3 or C7/T1 skipped" : ""));
                foreach (var x in r.RejectedRows) ctx.Error.WriteLine($"{file}:{x.Line}: {x.Problem}");
                if (r.RejectedRowsTruncated) ctx.Error.WriteLine($"({r.Rejected - r.RejectedRows.Count} more refused rows not listed)");
            }
            return r.Rejected > 0 ? 1 : 0;
        }, TimeSpan.FromMinutes(30)); // a large file is recorded chunk by chunk, each persisted before the next
    }

    private static int Show(CliArgs args, CliContext ctx)
    {
        var unit = args.Option("unit");
        if (unit is not null and not ("image" or "patient")) throw new CliUsageException($"--unit '{unit}' is not image or patient");
        var query = new List<string>();
        if (args.Option("site") is { } site) query.Add("site=" + Uri.EscapeDataString(site));
        if (unit is not null) query.Add("unit=" + unit);
        if (args.Option("reference") is { } reference) query.Add("reference=" + Uri.EscapeDataString(reference));
        return ManagementCommands.Run(args, ctx, "agreement show", async client =>
        {
            var body = await client.GetAsync("/api/agreement" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
            if (args.Flag("json")) { ctx.Out.WriteLine(body); return 0; }
            var s = JsonSerializer.Deserialize<AgreementStatus>(body, Json) ?? throw new ManagementClientException(200, "empty answer", body);
            Print(s, ctx.Out);
            return 0;
        });
    }

    /// <summary>The human view: one line of totals, then one row per unit, site and DL version.</summary>
    public static void Print(AgreementStatus s, TextWriter w)
    {
        w.WriteLine($"reference {s.Reference ?? "none"} (raters: {(s.Raters.Count == 0 ? "none" : string.Join(", ", s.Raters))}); {s.Patients} patients, {s.Decisions} decisions; " +
            $"{s.PatientsWithoutRecommendation} patients with decisions and no recommendation, {s.PatientsWithoutDecisions} with a recommendation and no decision" +
            (s.CaughtUp ? "" : " (still reading the journal)"));
        if (s.Entries.Count == 0)
        {
            w.WriteLine("no model grade is paired with a surgeon decision yet (`mrics decisions import FILE.csv`)");
            return;
        }
        TablePrinter.Print(w, ["unit", "site", "version", "n", "kappa 3-class [95% CI]", "band", "kappa binary [95% CI]", "quadratic", "model only", "surgeon only"],
            s.Entries.Select(e => new[]
            {
                e.Unit, e.Site, e.Model, e.N.ToString(CultureInfo.InvariantCulture), Kappa(e.ThreeClass), e.ThreeClass.Band ?? "",
                Kappa(e.Binary), Num(e.Quadratic.Kappa), e.ModelOnly.ToString(CultureInfo.InvariantCulture), e.ReferenceOnly.ToString(CultureInfo.InvariantCulture),
            }));
        if (s.Truncated) w.WriteLine("(more entries: narrow with --site or --unit)");
    }

    private static string Kappa(KappaFigure k) =>
        k.Kappa is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.000} [{Num(k.CiLow)}, {Num(k.CiHigh)}]") : "undefined";

    private static string Num(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
