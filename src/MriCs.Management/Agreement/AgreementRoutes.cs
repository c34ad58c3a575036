using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using MriCs.Actors.Agreement;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Evaluation.Input;

namespace MriCs.Management.Agreement;

/// <summary>What POST /api/decisions answers: counts, and every refused row with its line (CSV) or element number (JSON).</summary>
public sealed record DecisionsImported(int Accepted, int Added, int Changed, int Duplicate, int Rejected, int SkippedOtherLevels,
    IReadOnlyList<RejectedDecision> RejectedRows, bool RejectedRowsTruncated);

/// <summary>
/// Live agreement: POST /api/decisions (mutating: bearer token) takes surgeon decisions as the labels CSV
/// (<c>patient_id,level,grade[,site][,rater]</c>, text/csv) or a JSON array of
/// <c>{"patientId","level","grade","site","rater"}</c>; <c>?rater=NAME</c> names the rater of rows without one.
/// Bad rows are refused with their line, the others recorded. GET /api/agreement[?site=S&amp;unit=image|patient&amp;reference=R]
/// answers the current kappas.
/// </summary>
public sealed class AgreementRoutes(ActorSystem system, ILogger<AgreementRoutes> log) : IManagementRoutes
{
    /// <summary>Largest upload read (bytes).</summary>
    public const int MaxBody = 32 * 1024 * 1024;

    /// <summary>Refused rows listed in one answer (all are counted).</summary>
    public const int MaxListed = 1000;

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/decisions", Import).RequireManagementToken();
        endpoints.MapGet("/api/agreement", Show);
    }

    private LiveAgreementClient Client()
    {
        if (!ActorRegistry.For(system).TryGet<LiveAgreementKey>(out var agreement))
            throw ManagementException.Conflict("this node keeps no live agreement (a Lighthouse): ask an ingest or gpu-worker node");
        return new LiveAgreementClient(agreement);
    }

    private async Task<IResult> Import(HttpRequest request, string? rater, CancellationToken ct)
    {
        var client = Client();
        var body = await ReadBodyAsync(request, ct).ConfigureAwait(false);
        var defaultRater = string.IsNullOrWhiteSpace(rater) ? EvaluationCsv.DefaultRater : rater.Trim();
        if (DecisionInput.Validate(new DecisionFields("x", "patient", "0", null, defaultRater), out _) is { } raterProblem)
            throw ManagementException.BadRequest("?rater: " + raterProblem);
        DecisionUpload upload;
        var json = request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        try
        {
            upload = json ? ReadJson(body, defaultRater) : DecisionInput.ReadCsv(new StringReader(Encoding.UTF8.GetString(body)), "upload", defaultRater);
        }
        catch (EvaluationInputException ex)
        {
            throw ManagementException.BadRequest(ex.Message);
        }
        var recorded = await client.RecordAsync(upload, AskTimeout, ct).ConfigureAwait(false);
        AgreementLog.Imported(log, recorded.Added, recorded.Changed, recorded.Duplicate, recorded.Rejected.Count);
        return Results.Json(new DecisionsImported(recorded.Added + recorded.Changed, recorded.Added, recorded.Changed, recorded.Duplicate,
            recorded.Rejected.Count, upload.SkippedOtherLevels, recorded.Rejected.Take(MaxListed).ToList(), recorded.Rejected.Count > MaxListed),
            ManagementErrors.Json);
    }

    private async Task<IResult> Show(string? site, string? unit, string? reference, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(unit) && AgreementViews.ParseUnit(unit) is null)
            throw ManagementException.BadRequest($"unit '{unit}' is not image or patient");
        var status = await Client().GetAsync(new GetAgreement(site, unit, reference), AskTimeout, ct).ConfigureAwait(false);
        return Results.Json(status, ManagementErrors.Json);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody)
            throw new ManagementException(StatusCodes.Status413PayloadTooLarge, $"upload larger than {MaxBody / (1024 * 1024)} MiB: split it");
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBody)
                throw new ManagementException(StatusCodes.Status413PayloadTooLarge, $"upload larger than {MaxBody / (1024 * 1024)} MiB: split it");
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length == 0) throw ManagementException.BadRequest("empty body: send the labels CSV (text/csv) or a JSON array of decisions");
        return buffer.ToArray();
    }

    /// <summary>A JSON array of decision objects; property names as in the CSV or camelCase, grade a number or a string.</summary>
    public static DecisionUpload ReadJson(byte[] body, string defaultRater)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new EvaluationInputException("upload", 0, $"not JSON: {ex.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new EvaluationInputException("upload", 0, "expected a JSON array of {\"patientId\",\"level\",\"grade\",\"site\",\"rater\"}");
            var fields = doc.RootElement.EnumerateArray().Select(e => e.ValueKind != JsonValueKind.Object ? null : new DecisionFields(
                Field(e, "patientId", "patient_id"), Field(e, "level"), Field(e, "grade"), Field(e, "site"), Field(e, "rater"))).ToList();
            return DecisionInput.FromFields(fields, defaultRater);
        }
    }

    private static string? Field(JsonElement e, params string[] names)
    {
        foreach (var p in e.EnumerateObject())
            if (names.Any(n => n.Equals(p.Name, StringComparison.OrdinalIgnoreCase)))
                return p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Number => p.Value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => p.Value.GetRawText(),
                };
        return null;
    }
}

/// <summary>Live agreement log events (8100-8109): counts only, never a patient.</summary>
internal static partial class AgreementLog
{
    [LoggerMessage(EventId = 8100, Level = LogLevel.Information, Message = "surgeon decisions imported: {Added} new, {Changed} changed, {Duplicate} already recorded, {Rejected} refused")]
    public static partial void Imported(ILogger log, int added, int changed, int duplicate, int rejected);
}
