using System.Diagnostics;
using Npgsql;

namespace MriCs.Cluster.Tests;

/// <summary>
/// The PostgreSQL server the tests use: MRICS_TEST_POSTGRES (scripts/test exports it) or, when unset, a throwaway
/// server started with scripts/test-postgres for this test run (stopped at the end). Never skipped: a test
/// that needs it fails with the reason when it cannot be had. Each test gets its own database.
/// </summary>
public sealed class TestPostgres : IAsyncLifetime
{
    private string? _stop;
    public string ServerConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("MRICS_TEST_POSTGRES") is { Length: > 0 } cs)
        {
            ServerConnectionString = cs;
        }
        else
        {
            var script = Path.Combine(Repo.Root, "scripts", "test-postgres");
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add("start");
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot run " + script);
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new InvalidOperationException("scripts/test-postgres start did not finish in 120 s"); }
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"PostgreSQL is required and could not be started (scripts/test-postgres exit {p.ExitCode}): {await stderr}");
            foreach (var line in (await stdout).Split('\n'))
            {
                if (line.StartsWith("MRICS_TEST_POSTGRES=", StringComparison.Ordinal)) ServerConnectionString = line["MRICS_TEST_POSTGRES=".Length..].Trim('\'');
                if (line.StartsWith("MRICS_TEST_POSTGRES_STOP=", StringComparison.Ordinal)) _stop = line["MRICS_TEST_POSTGRES_STOP=".Length..].Trim('\'');
            }
            if (ServerConnectionString.Length == 0) throw new InvalidOperationException("scripts/test-postgres printed no connection string: " + await stdout);
        }
        await using var c = new NpgsqlConnection(ServerConnectionString);
        try { await c.OpenAsync(); }
        catch (Exception ex) { throw new InvalidOperationException($"PostgreSQL at MRICS_TEST_POSTGRES is not reachable: {ex.Message}", ex); }
    }

    /// <summary>A fresh, empty database on the server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "mrics_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(ServerConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public Task DisposeAsync()
    {
        if (_stop is null) return Task.CompletedTask;
        var parts = _stop.Split(' ', 3);
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in parts) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi);
        p?.WaitForExit(60_000);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<TestPostgres>
{
    public const string Name = "postgres";
}
