using System.Diagnostics.Metrics;
using System.Text.Json;
using MriCs.Actors.Agreement;
using MriCs.Cli;

namespace MriCs.Management.Tests.Agreement;

public class LiveAgreementHttpSpecs
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public async Task Decisions_posted_over_http_give_the_kappas_of_the_batch_evaluation_per_site_version_and_unit()
    {
        using var tmp = new TempDir();
        await using var node = await AgreementNode.StartAsync(tmp.Sub("data"));
        var (recs, labels) = Scenario.Make(40, 3);
        await node.PublishAsync(recs);

        var (status, body) = await node.PostAsync(labels, "text/csv");
        Assert.Equal(200, status);
        var rows = labels.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        var r = Parse(body);
        Assert.Equal(rows, r.GetProperty("accepted").GetInt32());
        Assert.Equal(rows, r.GetProperty("added").GetInt32());
        Assert.Equal(0, r.GetProperty("rejected").GetInt32());

        var batch = Scenario.Batch(recs, labels);
        var all = await node.GetAgreementAsync("");
        Assert.Equal("reference", all.Reference);
        Assert.Equal(["dl-v1", "dl-v2", "dl-v3", "dl-v4", "ensemble"], all.Models);
        Assert.Equal(["east", "north", "south"], all.Sites);
        Assert.Equal(rows, all.Decisions);
        Assert.Equal(0, all.PatientsWithoutDecisions);
        Assert.Equal(2 * 4 * 5, Scenario.AssertSameAsBatch(batch, all)); // units x (all + 3 sites) x versions

        var north = await node.GetAgreementAsync("?site=north&unit=patient");
        Assert.All(north.Entries, e => Assert.Equal(("patient", "north"), (e.Unit, e.Site)));
        Assert.Equal(5, Scenario.AssertSameAsBatch(batch, north));

        // The gauges of the "MriCs.Agreement" meter carry the same kappas, tagged by site, version, classes and unit.
        var measured = new Dictionary<string, double>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == AgreementMetrics.MeterName) l.EnableMeasurementEvents(i); };
            listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
            {
                if (i.Name != "mrics.agreement.kappa") return;
                var t = tags.ToArray().ToDictionary(x => x.Key, x => x.Value?.ToString());
                measured[$"{t["site"]}|{t["version"]}|{t["classes"]}|{t["unit"]}"] = v;
            });
            listener.Start();
            listener.RecordObservableInstruments();
        }
        var ensemble = all.Entries.Single(e => e is { Unit: "image", Site: "*", Model: "ensemble" });
        Assert.Equal(ensemble.ThreeClass.Kappa, measured["*|ensemble|3|image"]);
        Assert.Equal(ensemble.Binary.Kappa, measured["*|ensemble|2|image"]);
        var southV2 = all.Entries.Single(e => e is { Unit: "patient", Site: "south", Model: "dl-v2" });
        Assert.Equal(southV2.ThreeClass.Kappa, measured["south|dl-v2|3|patient"]);
        Assert.DoesNotContain(measured.Keys, k => k.Contains("LA0", StringComparison.Ordinal));

        // ... and so does the Prometheus text of GET /metrics.
        var metrics = await node.Http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(l => l.StartsWith("mrics_agreement_kappa{", StringComparison.Ordinal)
            && l.Contains("site=\"*\"") && l.Contains("version=\"ensemble\"") && l.Contains("classes=\"3\"") && l.Contains("unit=\"image\""));
        var value = double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ensemble.ThreeClass.Kappa!.Value, value, 1e-9);
        Assert.DoesNotContain("LA0", metrics);
    }

    [Fact]
    public async Task Bad_rows_are_refused_with_their_lines_earlier_rows_are_kept_and_a_reimport_changes_nothing()
    {
        using var tmp = new TempDir();
        await using var node = await AgreementNode.StartAsync(tmp.Sub("data"));
        var (recs, _) = Scenario.Make(3, 9);
        await node.PublishAsync(recs);
        const string csv = "patient_id,level,grade,site\n" +
                           "LA000,C3/4,1,north\n" +   // 2
                           "LA000,C4/5,9,north\n" +   // 3 bad grade
                           "LA001,C4/5,0,south\n" +   // 4
                           "LA001,C5/6,1,north\n" +   // 5 site differs
                           "LA002,C8/9,1,east\n" +    // 6 bad level
                           "LA002,patient,2,east\n";  // 7

        var (status, body) = await node.PostAsync(csv, "text/csv", token: null);
        Assert.Equal(401, status);
        (status, body) = await node.PostAsync(csv, "text/csv", token: "wrong-token-0123456789");
        Assert.Equal(401, status);
        Assert.Equal(0, (await node.GetAgreementAsync("")).Decisions);

        (status, body) = await node.PostAsync(csv, "text/csv");
        Assert.Equal(200, status);
        var r = Parse(body);
        Assert.Equal(3, r.GetProperty("accepted").GetInt32());
        Assert.Equal(3, r.GetProperty("rejected").GetInt32());
        var rejected = r.GetProperty("rejectedRows").EnumerateArray().ToList();
        Assert.Equal([3, 5, 6], rejected.Select(x => x.GetProperty("line").GetInt32()));
        Assert.Contains("grade '9'", rejected[0].GetProperty("problem").GetString());
        Assert.Contains("site differs", rejected[1].GetProperty("problem").GetString());
        Assert.DoesNotContain("LA00", body);
        Assert.Equal(3, (await node.GetAgreementAsync("")).Decisions);

        // The same file again: duplicates, nothing new; a JSON correction supersedes one grade.
        (status, body) = await node.PostAsync(csv, "text/csv");
        r = Parse(body);
        Assert.Equal((0, 3, 3), (r.GetProperty("accepted").GetInt32(), r.GetProperty("duplicate").GetInt32(), r.GetProperty("rejected").GetInt32()));
        (status, body) = await node.PostAsync("""[{"patientId":"LA000","level":"C3/4","grade":2},{"patientId":"LA000","level":"C3/4","grade":"x"}]""", "application/json");
        Assert.Equal(200, status);
        r = Parse(body);
        Assert.Equal(1, r.GetProperty("changed").GetInt32());
        Assert.Equal([2], r.GetProperty("rejectedRows").EnumerateArray().Select(x => x.GetProperty("line").GetInt32()));
        var s = await node.GetAgreementAsync("?unit=image&site=north");
        var e = s.Entries.Single(x => x.Model == "ensemble");
        Assert.Equal(1, e.N);
        Assert.Equal(1, e.Matrix.Skip(2).Where((_, i) => i % 3 == 0).Sum()); // the surgeon's column is now grade 2

        // Unusable inputs: the whole request refused with the reason.
        (status, body) = await node.PostAsync("patient,level,grade\nLA000,C3/4,1\n", "text/csv");
        Assert.Equal(400, status);
        Assert.Contains("upload:1: header lacks column(s) patient_id", body);
        (status, body) = await node.PostAsync("{\"a\":1}", "application/json");
        Assert.Equal(400, status);
        Assert.Contains("expected a JSON array", body);
        using var bad = await node.Http.GetAsync("/api/agreement?unit=slice");
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal(3, (await node.GetAgreementAsync("")).Decisions);
    }

    [Fact]
    public async Task The_palette_imports_a_file_and_shows_the_agreement_of_a_running_node()
    {
        using var tmp = new TempDir();
        await using var node = await AgreementNode.StartAsync(tmp.Sub("data"));
        var (recs, labels) = Scenario.Make(12, 21);
        await node.PublishAsync(recs);
        var file = tmp.Sub("labels.csv");
        File.WriteAllText(file, labels);
        var endpoint = new[] { "--host", node.HostPort, "--token", AgreementNode.Token };

        int Run(out string stdout, out string stderr, params string[] args)
        {
            var o = new StringWriter();
            var e = new StringWriter();
            var code = CommandRouter.Run([.. args, .. endpoint], CommandTable.All, o, e);
            stdout = o.ToString();
            stderr = e.ToString();
            return code;
        }

        var rows = labels.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        Assert.Equal(0, Run(out var output, out var errors, "decisions", "import", file));
        Assert.Contains($"{rows} accepted ({rows} new, 0 changed), 0 already recorded, 0 refused", output);
        Assert.Equal("", errors);
        Assert.Equal(0, Run(out output, out _, "decisions", "import", file, "--json"));
        Assert.Equal(rows, Parse(output).GetProperty("duplicate").GetInt32());

        var bad = tmp.Sub("bad.csv");
        File.WriteAllText(bad, "patient_id,level,grade\nLA000,C3/4,1\nLA000,C3/4,3\n");
        Assert.Equal(1, Run(out output, out errors, "decisions", "import", bad));
        Assert.Contains($"{bad}:3: grade '3' is not 0, 1 or 2", errors);

        Assert.Equal(0, Run(out output, out _, "agreement", "show", "--json"));
        var status = JsonSerializer.Deserialize<MriCs.Actors.Protocol.AgreementStatus>(output, AgreementNode.Json)!;
        // the bad file's good row (rater "reference", same grade as labels' or not) counts as a decision too
        Assert.True(Scenario.AssertSameAsBatch(Scenario.Batch(recs, Merge(labels, "LA000,C3/4,1")), status) == 2 * 4 * 5);

        Assert.Equal(0, Run(out output, out _, "agreement", "show", "--unit", "patient", "--site", "north"));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("reference reference (raters: reference); 12 patients", lines[0]);
        Assert.Contains("kappa 3-class [95% CI]", lines[1]);
        var ensemble = status.Entries.Single(e => e is { Unit: "patient", Site: "north", Model: "ensemble" });
        var row = lines.Single(l => l.StartsWith("patient") && l.Contains(" ensemble "));
        Assert.Contains(ensemble.ThreeClass.Kappa is { } k ? k.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "undefined", row);
        Assert.Equal(5 + 2, lines.Length);

        Assert.Equal(64, Run(out _, out errors, "agreement", "show", "--unit", "slice"));
        Assert.Equal(2, CommandRouter.Run(["agreement", "show", "--host", "127.0.0.1:1"], CommandTable.All, new StringWriter(), new StringWriter()));
    }

    /// <summary>Labels with one row replaced or added (same patient and level, the latest grade wins).</summary>
    private static string Merge(string labels, string row)
    {
        var parts = row.Split(',');
        var lines = labels.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var i = lines.FindIndex(l => l.StartsWith($"{parts[0]},{parts[1]},", StringComparison.Ordinal));
        var site = i >= 0 ? lines[i].Split(',')[3] : "";
        var replaced = $"{parts[0]},{parts[1]},{parts[2]},{site}";
        if (i >= 0) lines[i] = replaced; else lines.Add(replaced);
        return string.Join('\n', lines) + "\n";
    }
}
