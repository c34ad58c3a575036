using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Evaluation.Statistics;
using EvalLevels = MriCs.Evaluation.Input.DiscLevels;

namespace MriCs.Actors.Agreement;

/// <summary>Pure conversions between the live book (MriCs.Evaluation) and the cluster's messages.</summary>
public static class AgreementViews
{
    public static string UnitName(AnalysisUnit unit) => unit == AnalysisUnit.Image ? "image" : "patient";

    /// <summary>"image" or "patient" (case-insensitive), else null.</summary>
    public static AnalysisUnit? ParseUnit(string? text) => text?.ToLowerInvariant() switch
    {
        "image" or "level" => AnalysisUnit.Image,
        "patient" => AnalysisUnit.Patient,
        _ => null,
    };

    public static LiveDecision ToDecision(SurgeonDecisionRecorded e) => new(e.PatientId, ParseLevel(e.Level), e.Rater, e.Grade, e.Site);

    public static LiveDecision ToDecision(DecisionRow r) => new(r.PatientId, ParseLevel(r.Level), r.Rater, r.Grade, r.Site);

    public static DecisionRow ToRow(int line, LiveDecision d) => new(line, d.PatientId, EvalLevels.Label(d.Level), d.Rater, d.Grade, d.Site);

    private static DiscLevel? ParseLevel(string level) =>
        level == EvalLevels.PatientLevel ? null
        : EvalLevels.TryParse(level, out var l) ? l
        : throw new FormatException($"level '{level}' is not a graded disc level");

    /// <summary>
    /// A recommendation's grades as the live book takes them: exactly the rows results.csv holds
    /// (<see cref="ResultsExport.Rows"/>), at the four graded levels and the patient row; other levels
    /// ("unknown", C2/3, C7/T1) are left out as the batch evaluation leaves them out.
    /// </summary>
    public static IReadOnlyList<LivePrediction> Predictions(Recommendation r)
    {
        var list = new List<LivePrediction>();
        foreach (var row in ResultsExport.Rows(r))
        {
            var level = row[2] ?? "";
            DiscLevel? parsed;
            if (level == EvalLevels.PatientLevel) parsed = null;
            else if (EvalLevels.TryParse(level, out var l)) parsed = l;
            else continue;
            int? grade = row[4] is { Length: > 0 } g ? int.Parse(g, System.Globalization.CultureInfo.InvariantCulture) : null;
            list.Add(new LivePrediction(parsed, row[3]!, grade));
        }
        return list;
    }

    public static KappaFigure Figure(KappaEstimate e) =>
        new(e.Kappa, e.StandardError, e.AsymptoticCi?.Low, e.AsymptoticCi?.High,
            e.Kappa is { } k ? InterpretationBands.Of(k).Label() : null, e.UndefinedReason);

    public static AgreementEntry Entry(LiveAgreementCell c) =>
        new(UnitName(c.Unit), c.Site, c.Model, c.Reference, c.N, c.ThreeClassMatrix.ToArray(),
            Figure(c.ThreeClass), Figure(c.Binary), Figure(c.Linear), Figure(c.Quadratic), c.ModelOnly, c.ReferenceOnly);

    /// <summary>The asked part of a snapshot: one reference (the primary one unless named), optionally one site and unit.</summary>
    public static AgreementStatus Status(LiveAgreementSnapshot s, GetAgreement q, bool caughtUp, DateTimeOffset asOf)
    {
        var reference = string.IsNullOrEmpty(q.Reference) ? s.PrimaryReference : q.Reference;
        var unit = ParseUnit(q.Unit);
        var cells = s.Cells.Where(c => c.Reference == reference
                                       && (unit is null || c.Unit == unit)
                                       && (string.IsNullOrEmpty(q.Site) || c.Site == q.Site)).ToList();
        return new AgreementStatus(asOf, caughtUp, s.Models, s.Raters, s.Sites, reference, s.Patients, s.Decisions,
            s.PatientsWithDecisionsOnly, s.PatientsWithPredictionsOnly,
            cells.Take(AgreementStatus.MaxEntries).Select(Entry).ToList(), cells.Count > AgreementStatus.MaxEntries);
    }
}
