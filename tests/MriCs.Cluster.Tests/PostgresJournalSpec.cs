using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Hosting;
using MriCs.Actors.Results;
using MriCs.Phantom;
using MriCs.Phantom.Studies;
using Npgsql;

namespace MriCs.Cluster.Tests;

/// <summary>The PostgreSQL journal and snapshot store: schema by `mrics db init` and on start, and every reader of the journal on it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalSpec(TestPostgres postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mrics-pg-").FullName;

    private static async Task<List<string>> Tables(string connection)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var names = new List<string>();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Repo.Dll("MriCs.Cli", "mrics"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(180_000), "mrics did not finish");
        p.WaitForExit();
        return (p.ExitCode, outp.Result, err.Result);
    }

    [Fact]
    public async Task Db_init_creates_the_journal_and_snapshot_tables_and_is_idempotent()
    {
        var db = await postgres.CreateDatabaseAsync();
        Assert.Empty(await Tables(db));
        var first = Cli("db", "init", "--provider", "postgresql", "--connection", db);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("journal", await Tables(db));
        Assert.Contains("snapshot", await Tables(db));
        var again = Cli("db", "init", "--provider", "postgresql", "--connection", db);
        Assert.True(again.Code == 0, again.Err);
        var results = Cli("db", "results", "--provider", "postgresql", "--connection", db);
        Assert.True(results.Code == 0, results.Err);
        Assert.Contains("0 studies", results.Out);
    }

    [Theory]
    [InlineData("postgresql", null, "MriCs:Persistence:ConnectionString")]
    [InlineData("mysql", "Host=x", "MriCs:Persistence:Provider")]
    [InlineData("postgresql", "Host=127.0.0.1;Port=notaport", "MriCs:Persistence:ConnectionString")]
    public void Invalid_persistence_settings_are_refused_naming_the_setting(string provider, string? connection, string setting)
    {
        var problems = MriCsPersistence.Validate(new PersistenceSettings { Provider = provider, ConnectionString = connection }).ToList();
        Assert.Contains(problems, p => p.Contains(setting, StringComparison.Ordinal));
        var options = new MriCsOptions { Persistence = new PersistenceSettings { Provider = provider, ConnectionString = connection } };
        Assert.Contains(options.Validate(), p => p.Contains(setting, StringComparison.Ordinal));
        var args = connection is null ? new[] { "db", "init", "--provider", provider } : ["db", "init", "--provider", provider, "--connection", connection];
        var cli = Cli(args);
        Assert.Equal(64, cli.Code);
        Assert.Contains(setting, cli.Err);
    }

    [Fact]
    public async Task Db_init_against_an_unreachable_server_fails_with_the_reason()
    {
        var port = Repo.FreePort();
        var cli = Cli("db", "init", "--provider", "postgresql", "--connection", $"Host=127.0.0.1;Port={port};Username=postgres;Timeout=5");
        Assert.Equal(1, cli.Code);
        Assert.Contains($"127.0.0.1:{port}", cli.Err);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_node_on_postgresql_creates_its_schema_and_its_results_come_back_after_a_restart()
    {
        var db = await postgres.CreateDatabaseAsync();
        var studies = Path.Combine(_dir, "studies");
        PhantomStudy.Write(studies, new PhantomOptions(777), 3, new StudyOptions());
        File.Delete(Path.Combine(studies, "labels.csv"));
        var settings = new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = Path.Combine(_dir, "data"),
            ["MriCs:Inference:ModelsDir"] = Repo.Models,
            ["MriCs:Inference:Provider"] = "cpu",
            ["MriCs:Persistence:Provider"] = "postgresql",
            ["MriCs:Persistence:ConnectionString"] = db,
        };
        IReadOnlyList<string> uids;
        List<int?> grades;
        using (var host = MriCsNode.Build(settings, s => s.AddMriCsRuntime()))
        {
            await host.StartAsync();
            var client = new PipelineClient(host.Services.GetRequiredService<ActorSystem>(), host.Services.GetRequiredService<IActorRegistry>());
            await client.WaitForSlotsAsync(1, TimeSpan.FromMinutes(3));
            var ingested = await client.IngestFolderAsync(studies, TimeSpan.FromMinutes(5));
            uids = ingested.StudyUids;
            Assert.Equal(3, uids.Count);
            var recs = await client.WaitForRecommendationsAsync(uids, TimeSpan.FromMinutes(5));
            grades = recs.Select(r => r.Grade).ToList();
            Assert.Equal(uids.Order(StringComparer.Ordinal), await ResultsQuery.AllStudyUidsAsync(client.System)); // the persistence query on PostgreSQL
            await host.StopAsync();
        }
        Assert.Contains("journal", await Tables(db)); // created on start (auto-initialize)

        using (var host = MriCsNode.Build(settings, s => s.AddMriCsRuntime()))
        {
            await host.StartAsync();
            var client = new PipelineClient(host.Services.GetRequiredService<ActorSystem>(), host.Services.GetRequiredService<IActorRegistry>());
            var all = await client.AllRecommendationsAsync(); // recovered from PostgreSQL
            Assert.Equal(uids.Order(StringComparer.Ordinal), all.Select(r => r.StudyUid).Order(StringComparer.Ordinal));
            Assert.Equal(grades, uids.Select(u => all.Single(r => r.StudyUid == u).Grade));
            await host.StopAsync();
        }

        var journal = await JournalResults.ReadAsync(new MriCsOptions { Persistence = new PersistenceSettings { Provider = "postgresql", ConnectionString = db } }, TimeSpan.FromMinutes(2));
        Assert.Equal(3, journal.Count);
        Assert.All(journal, s => Assert.Single(s.Issued));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
