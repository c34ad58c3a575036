using System.Globalization;
using System.Text;
using System.Text.Json;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Results;

/// <summary>
/// results.csv: one row per study, level and model (a classifier as "dl-vN", or its id without a DL
/// version; "ensemble" for the fused grade), plus one ensemble row per study with level "patient".
/// Grade is empty when there is none and the reason says why. Also the JSON of the recommendations.
/// </summary>
public static class ResultsExport
{
    public static IReadOnlyList<string> Columns { get; } =
        ["patient_id", "study_uid", "level", "model", "grade", "p0", "p1", "p2", "sop_instance_uid", "reason"];

    public const string Ensemble = "ensemble";

    public static string ModelLabel(string modelId, int? dlVersion) => dlVersion is { } v ? $"dl-v{v}" : modelId;

    public static IEnumerable<string?[]> Rows(Recommendation r)
    {
        var classifiers = r.ModelSet?.Models.Where(m => m.Role == "classifier").Select(m => (m.Id, m.DlVersion)).ToList()
            ?? r.Levels.SelectMany(l => l.Models).Select(m => (Id: m.ModelId, m.DlVersion)).Distinct().ToList();
        foreach (var level in r.Levels)
        {
            foreach (var (id, dl) in classifiers)
            {
                var vote = level.Models.FirstOrDefault(m => m.ModelId == id);
                yield return Row(r, level.Level, ModelLabel(id, dl), level.Grade is null ? null : vote?.Grade, vote?.Probabilities, level.SopInstanceUid,
                    vote is null || level.Grade is null ? level.Reason : null);
            }
            yield return Row(r, level.Level, Ensemble, level.Grade, level.Probabilities, level.SopInstanceUid, level.Reason);
        }
        var deciding = r.Levels.FirstOrDefault(l => l.Level == r.DecidingLevel && l.Grade == r.Grade);
        var reason = r.Reason ?? (r.FlaggedForReview ? "review: " + string.Join("; ", r.ReviewReasons) : null);
        yield return Row(r, DiscLevels.Patient, Ensemble, r.Grade, deciding?.Probabilities, deciding?.SopInstanceUid, reason);
    }

    private static string?[] Row(Recommendation r, string level, string model, int? grade, float[]? p, string? sop, string? reason) =>
    [
        r.PatientId, r.StudyUid, level, model, grade?.ToString(CultureInfo.InvariantCulture),
        P(p, 0), P(p, 1), P(p, 2), sop, reason,
    ];

    private static string? P(float[]? p, int i) => p is not null && i < p.Length ? p[i].ToString("0.####", CultureInfo.InvariantCulture) : null;

    public static void WriteCsv(TextWriter writer, IEnumerable<Recommendation> recommendations)
    {
        writer.WriteLine(string.Join(',', Columns));
        foreach (var r in recommendations.OrderBy(r => r.PatientId, StringComparer.Ordinal).ThenBy(r => r.StudyUid, StringComparer.Ordinal))
            foreach (var row in Rows(r))
                writer.WriteLine(string.Join(',', row.Select(Cell)));
    }

    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static void WriteJson(Stream stream, IEnumerable<Recommendation> recommendations) =>
        JsonSerializer.Serialize(stream, recommendations.OrderBy(r => r.PatientId, StringComparer.Ordinal).ToList(), JsonOptions);

    public static JsonSerializerOptions JsonOptions { get; } = new(Serialization.MriCsSerializer.Json) { WriteIndented = true };

    /// <summary>A short human table: one line per study.</summary>
    public static string Table(IEnumerable<Recommendation> recommendations)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"patient",-20} {"grade",-5} {"surgery",-8} {"level",-6} {"conf",-5} {"review",-6} explanation");
        foreach (var r in recommendations.OrderBy(r => r.PatientId, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{Trim(r.PatientId, 20),-20} {r.Grade?.ToString(CultureInfo.InvariantCulture) ?? "-",-5} {(r.SurgeryConsidered is null ? "-" : r.SurgeryConsidered.Value ? "yes" : "no"),-8} {r.DecidingLevel ?? "-",-6} {(r.Confidence is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-"),-5} {(r.FlaggedForReview ? "yes" : "no"),-6} {r.Explanation}");
        return sb.ToString();
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    /// <summary>Level order helper for callers that sort rows.</summary>
    public static int LevelOrder(string level) => level == DiscLevels.Patient ? 1000 : StudyState.LevelOrder(level);
}
