using System.Diagnostics;
using Npgsql;

namespace MriCs.Deploy.Tests;

/// <summary>The PostgreSQL the ingest pod test journals to: MRICS_TEST_POSTGRES (scripts/test exports it) or a
/// throwaway server from scripts/test-postgres, stopped at the end. Never skipped: without PostgreSQL the test fails
/// with the reason.</summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private string? _stop;
    private string _server = "";

    public static async Task<PostgresServer> StartAsync()
    {
        var s = new PostgresServer();
        if (Environment.GetEnvironmentVariable("MRICS_TEST_POSTGRES") is { Length: > 0 } cs) s._server = cs;
        else
        {
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(Repo.Root, "scripts", "test-postgres"));
            psi.ArgumentList.Add("start");
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new InvalidOperationException("scripts/test-postgres start did not finish in 120 s"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"PostgreSQL is required and could not be started (scripts/test-postgres exit {p.ExitCode}): {await stderr}");
            foreach (var line in (await stdout).Split('\n'))
            {
                if (line.StartsWith("MRICS_TEST_POSTGRES=", StringComparison.Ordinal)) s._server = line["MRICS_TEST_POSTGRES=".Length..].Trim('\'');
                if (line.StartsWith("MRICS_TEST_POSTGRES_STOP=", StringComparison.Ordinal)) s._stop = line["MRICS_TEST_POSTGRES_STOP=".Length..].Trim('\'');
            }
            if (s._server.Length == 0) throw new InvalidOperationException("scripts/test-postgres printed no connection string");
        }
        return s;
    }

    /// <summary>A fresh database on the server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "mrics_deploy_" + Guid.NewGuid().ToString("N")[..10];
        await using (var c = new NpgsqlConnection(_server))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_server) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop is null) return;
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var a in _stop.Split(' ', 3)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi);
        if (p is not null) await p.WaitForExitAsync();
    }
}
