using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;

namespace MriCs.Management.Routes;

public sealed record PendingView(IReadOnlyList<StudySummary> Studies, DispatcherStats? Dispatcher);

public sealed record StudiesView(IReadOnlyList<StudySummary> Studies);

public sealed record PatientView(string PatientId, IReadOnlyList<StudySummary> Studies);

/// <summary>
/// Studies and recommendations, read from the journal (persistence query over every study aggregator's events,
/// folded by <see cref="StudyLedger"/>; no aggregator is woken): GET /api/studies/pending (opened, no
/// recommendation yet, plus the dispatcher's queue), /api/studies/{study}, /api/patients/{key},
/// /api/recommendations[?since=], /api/recommendations/export?format=csv|json[&amp;since=] (results.csv/json).
/// Only ingest nodes keep the journal: elsewhere 409 naming them.
/// </summary>
public sealed class StudyRoutes(ActorSystem system, IActorRegistry registry, IOptions<MriCsOptions> options) : IManagementRoutes
{
    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/studies/pending", async (CancellationToken ct) =>
        {
            var studies = await LedgerAsync(ct).ConfigureAwait(false);
            return Results.Json(new PendingView(StudyLedger.Pending(studies), await DispatcherAsync().ConfigureAwait(false)), ManagementErrors.Json);
        });
        endpoints.MapGet("/api/studies/{study}", async (string study, CancellationToken ct) =>
        {
            var studies = await LedgerAsync(ct).ConfigureAwait(false);
            return studies.TryGetValue(study, out var s)
                ? Results.Json(s, ManagementErrors.Json)
                : throw ManagementException.NotFound($"study {study} is unknown: no aggregator events in the journal");
        });
        endpoints.MapGet("/api/patients/{patient}", async (string patient, CancellationToken ct) =>
        {
            var studies = (await LedgerAsync(ct).ConfigureAwait(false)).Values.Where(s => s.PatientId == patient)
                .OrderBy(s => s.OpenedAt).ThenBy(s => s.StudyUid, StringComparer.Ordinal).ToList();
            return studies.Count > 0
                ? Results.Json(new PatientView(patient, studies), ManagementErrors.Json)
                : throw ManagementException.NotFound("no study of this patient key in the journal");
        });
        endpoints.MapGet("/api/recommendations", async (string? since, CancellationToken ct) =>
            Results.Json(new StudiesView(StudyLedger.Issued(await LedgerAsync(ct).ConfigureAwait(false), Since(since))), ManagementErrors.Json));
        endpoints.MapGet("/api/recommendations/export", async (string? format, string? since, CancellationToken ct) =>
        {
            var f = format ?? "csv";
            if (f is not ("csv" or "json")) throw ManagementException.BadRequest($"format '{f}': csv or json");
            var issued = StudyLedger.Issued(await LedgerAsync(ct).ConfigureAwait(false), Since(since)).Select(s => s.Recommendation!).ToList();
            if (f == "json")
            {
                using var ms = new MemoryStream();
                ResultsExport.WriteJson(ms, issued);
                return Results.Bytes(ms.ToArray(), "application/json; charset=utf-8", "results.json");
            }
            var csv = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            ResultsExport.WriteCsv(csv, issued);
            return Results.Text(csv.ToString(), "text/csv; charset=utf-8", Encoding.UTF8);
        });
    }

    private static DateTimeOffset? Since(string? since)
    {
        if (string.IsNullOrWhiteSpace(since)) return null;
        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw ManagementException.BadRequest($"since '{since}' is not a date/time (ISO 8601, e.g. 2026-01-31T08:00:00Z)");
    }

    /// <summary>Every study in the journal, streamed through the fold; 409 on nodes without the journal.</summary>
    public async Task<IReadOnlyDictionary<string, StudySummary>> LedgerAsync(CancellationToken ct)
    {
        if (!options.Value.Has(ClusterRoles.Ingest))
        {
            var ingest = Cluster.Get(system).State.Members.Where(m => m.HasRole(ClusterRoles.Ingest) && m.Status == MemberStatus.Up).Select(m => m.Address.ToString()).ToList();
            throw ManagementException.Conflict($"this node keeps no journal (role {ClusterRoles.Ingest} does); ask an ingest node: {(ingest.Count == 0 ? "none is up" : string.Join(", ", ingest))}");
        }
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var builder = new StudyLedger.Builder();
        await journal.CurrentAllEvents(Offset.NoOffset())
            .RunForeach(e => builder.Add(new JournalEvent(e.PersistenceId, e.SequenceNr, e.Timestamp, e.Event)), system.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        return builder.Studies;
    }

    private async Task<DispatcherStats?> DispatcherAsync()
    {
        if (!registry.TryGet<ActorKeys.Dispatcher>(out var dispatcher)) return null;
        try
        {
            return await dispatcher.Ask<DispatcherStats>(GetDispatcherStats.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
