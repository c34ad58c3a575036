using Microsoft.Extensions.Configuration;
using MriCs.Actors.Hosting;
using MriCs.Actors.Results;

namespace MriCs.Cli.Commands;

/// <summary>
/// The journal database: `db init` creates the journal and snapshot tables and exits (for deployments that
/// run nodes with MriCs:Persistence:AutoInitialize=false); `db results` reads every study's events straight
/// from the journal (no cluster) and exports the recommendations.
/// Settings: --provider/--connection/--data-dir, else MriCs__Persistence__Provider / MriCs__Persistence__ConnectionString.
/// </summary>
public static class DbCommands
{
    private const string Common = "[--provider sqlite|postgresql] [--connection CONNECTION_STRING] [--data-dir DIR]";

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("db init", $"db init {Common}", Init),
        new("db results", $"db results {Common} [--out results.csv] [--json FILE]", Results),
    ];

    /// <summary>The persistence options from the flags over the environment (MriCs__...), validated.</summary>
    internal static MriCsOptions Options(CliArgs args)
    {
        var flags = new Dictionary<string, string?>();
        if (args.Option("provider") is { } p) flags["MriCs:Persistence:Provider"] = p;
        if (args.Option("connection") is { } c) flags["MriCs:Persistence:ConnectionString"] = c;
        flags["MriCs:DataDir"] = Path.GetFullPath(args.Option("data-dir") ?? Environment.GetEnvironmentVariable("MriCs__DataDir") ?? Path.Combine(CliPaths.Home, "data"));
        var config = new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(flags).Build();
        var options = new MriCsOptions();
        config.GetSection(MriCsOptions.Section).Bind(options);
        var problems = MriCsPersistence.Validate(options.Persistence).ToList();
        if (problems.Count > 0) throw new CliUsageException(string.Join("; ", problems));
        return options;
    }

    private static int Init(CliArgs args, CliContext ctx)
    {
        var options = Options(args);
        if (MriCsPersistence.CheckConnectionAsync(options).GetAwaiter().GetResult() is { } problem)
        {
            ctx.Error.WriteLine($"mrics db init: {problem}");
            return 1;
        }
        try
        {
            JournalResults.InitializeSchemaAsync(options, TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.Data.Common.DbException)
        {
            ctx.Error.WriteLine($"mrics db init: {MriCsPersistence.Describe(options)}: {ex.Message}");
            return 1;
        }
        ctx.Out.WriteLine($"journal and snapshot tables ready: {MriCsPersistence.Describe(options)}");
        return 0;
    }

    private static int Results(CliArgs args, CliContext ctx)
    {
        var options = Options(args);
        if (MriCsPersistence.CheckConnectionAsync(options).GetAwaiter().GetResult() is { } problem)
        {
            ctx.Error.WriteLine($"mrics db results: {problem}");
            return 1;
        }
        IReadOnlyList<StudyJournal> studies;
        try
        {
            studies = JournalResults.ReadAsync(options, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.Data.Common.DbException)
        {
            ctx.Error.WriteLine($"mrics db results: {MriCsPersistence.Describe(options)}: {ex.Message}");
            return 1;
        }
        var recommendations = studies.Where(s => s.Issued.Count > 0).Select(s => s.Issued[^1]).ToList();
        if (args.Option("out") is { } csv)
        {
            var json = args.Option("json") ?? Path.ChangeExtension(csv, ".json");
            PipelineCommands.WriteResults(csv, json, recommendations);
            ctx.Out.WriteLine($"results: {Path.GetFullPath(csv)}, {Path.GetFullPath(json)}");
        }
        else
        {
            ctx.Out.Write(ResultsExport.Table(recommendations));
        }
        var unfinished = studies.Where(s => s.Issued.Count == 0).ToList();
        var repeated = studies.Where(s => s.Issued.Count > 1).ToList();
        ctx.Out.WriteLine($"{studies.Count} studies in {MriCsPersistence.Describe(options)}: {recommendations.Count} with a recommendation, {unfinished.Count} unfinished, {repeated.Count} with more than one recommendation");
        foreach (var s in unfinished) ctx.Out.WriteLine($"  unfinished: {Short(s.StudyUid)} ({s.Received}/{s.Expected} slices{(s.Opened ? "" : ", not opened")})");
        return repeated.Count > 0 ? 3 : 0;
    }

    /// <summary>Study UIDs are shortened in output meant for logs.</summary>
    private static string Short(string uid) => uid.Length <= 12 ? uid : "…" + uid[^12..];
}
