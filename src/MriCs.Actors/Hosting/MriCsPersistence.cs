using LinqToDB;
using Npgsql;

namespace MriCs.Actors.Hosting;

/// <summary>
/// Which database holds the journal and snapshot store (Akka.Persistence.Sql through linq2db):
/// <c>MriCs:Persistence:Provider</c> = sqlite (default; <c>DATA_DIR/mrics.db</c> unless a connection string is given)
/// or postgresql (<c>MriCs:Persistence:ConnectionString</c> required, an Npgsql connection string).
/// </summary>
public static class MriCsPersistence
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";
    public static IReadOnlyList<string> Providers { get; } = [Sqlite, PostgreSql];

    /// <summary>The linq2db provider for PostgreSQL 15+ (the server the tests and k8s run).</summary>
    public const string PostgreSqlProviderName = ProviderName.PostgreSQL15;

    public static IEnumerable<string> Validate(PersistenceSettings p)
    {
        if (!Providers.Contains(p.Provider, StringComparer.Ordinal))
        {
            yield return $"MriCs:Persistence:Provider '{p.Provider}' is not supported (known: {string.Join(", ", Providers)})";
            yield break;
        }
        if (p.Provider != PostgreSql) yield break;
        if (string.IsNullOrWhiteSpace(p.ConnectionString))
        {
            yield return "MriCs:Persistence:ConnectionString must be set when MriCs:Persistence:Provider is postgresql (e.g. Host=db;Port=5432;Username=mrics;Password=...;Database=mrics)";
            yield break;
        }
        string? problem = null;
        try
        {
            var b = new NpgsqlConnectionStringBuilder(p.ConnectionString);
            if (string.IsNullOrWhiteSpace(b.Host)) problem = "it names no Host";
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            problem = ex.Message; // names the keyword, never the password's value
        }
        if (problem is not null) yield return $"MriCs:Persistence:ConnectionString is not a valid PostgreSQL connection string: {problem}";
    }

    /// <summary>The connection string and linq2db provider name for the options (creates the SQLite file's folder).</summary>
    public static (string ConnectionString, string ProviderName) Resolve(MriCsOptions options)
    {
        var p = options.Persistence;
        if (p.Provider == PostgreSql) return (p.ConnectionString!, PostgreSqlProviderName);
        var connection = p.ConnectionString;
        if (string.IsNullOrWhiteSpace(connection))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(options.DatabasePath)!);
            connection = $"Data Source={options.DatabasePath}";
        }
        return (connection, ProviderName.SQLiteMS);
    }

    /// <summary>Opens and closes one connection (PostgreSQL), so a wrong host, port or password fails with the server's
    /// reason before the persistence plugins start retrying; null when it works (and always for SQLite).</summary>
    public static async Task<string?> CheckConnectionAsync(MriCsOptions options, CancellationToken cancellation = default)
    {
        if (options.Persistence.Provider != PostgreSql) return null;
        try
        {
            await using var connection = new NpgsqlConnection(options.Persistence.ConnectionString);
            await connection.OpenAsync(cancellation).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            return $"cannot connect to {Describe(options)}: {ex.Message}";
        }
    }

    /// <summary>Where the journal lives, for messages (a PostgreSQL connection without its password).</summary>
    public static string Describe(MriCsOptions options)
    {
        var p = options.Persistence;
        if (p.Provider != PostgreSql)
            return string.IsNullOrWhiteSpace(p.ConnectionString) ? $"sqlite {options.DatabasePath}" : "sqlite (connection string)";
        var b = new NpgsqlConnectionStringBuilder(p.ConnectionString);
        return $"postgresql {b.Host}:{b.Port}/{b.Database}";
    }
}
